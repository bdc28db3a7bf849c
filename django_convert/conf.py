"""The app's settings: one ``DJANGO_CONVERT`` dict, read at call time.

Every read goes through :func:`get_setting`, so ``override_settings`` works everywhere
and nothing is frozen at import or template-compile time.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

SETTINGS_NAME = "DJANGO_CONVERT"

DEFAULTS: dict[str, Any] = {
    # Master switch: False renders no tags and records no conversions.
    "ENABLED": True,
    # Convert project: digit strings from the Convert dashboard.
    "ACCOUNT_ID": None,
    "PROJECT_ID": None,
    # With SDK_KEY, conversions go to {TRACKING_URL}/{SDK_KEY}; SDK_SECRET becomes a Bearer token.
    "SDK_KEY": None,
    "SDK_SECRET": None,
    "TRACKING_URL": "https://metrics.convertexperiments.com/v1/track",
    "SCRIPT_URL": "//cdn-4.convertexperiments.com/v1/js/{account_id}-{project_id}.js",
    "ENRICH_DATA": True,
    # The body's "source": not in Convert's request type nor in the guide's body; None
    # leaves it out (each Convert SDK sends its own: "js4.4.3", "js-sdk", "ruby-sdk"...).
    "SOURCE": None,
    # Convert's environment ("production", "staging", "live"...): sent as ?environment= when
    # fetching the project config, whose experiences of other environments are left out.
    "ENVIRONMENT": None,
    # Convert drops events from default client user agents. The SDKs' own value, byte for
    # byte: their comments say the metrics endpoint's bot filter lets it through.
    "USER_AGENT": "ConvertAgent/1.0",
    # Seconds for one whole request to Convert (connect, send, and the whole answer), the
    # tracking POST and the config GET alike. Also bounds how long a stopping worker waits.
    "TIMEOUT": 10.0,
    # Visitor identity.
    "VISITOR_ID_RESOLVER": "django_convert.identity.resolvers.default_resolver",
    "COOKIE_NAME": "convert_vid",
    "COOKIE_MAX_AGE": 60 * 60 * 24 * 395,  # about 13 months
    "COOKIE_SAMESITE": "Lax",
    # None: Secure when the browser is on HTTPS (request.is_secure(), or the page's Origin /
    # X-Forwarded-Proto when a TLS-ending proxy is not declared in SECURE_PROXY_SSL_HEADER).
    "COOKIE_SECURE": None,
    "COOKIE_DOMAIN": None,
    "COOKIE_PATH": "/",
    # Cookie consent (docs/identity.rst): a dict; missing keys take identity.consent.DEFAULTS.
    # {"REQUIRED": True} waits for consent before any id, cookie, row or conversion.
    "CONSENT": {},
    # Ingest endpoint.
    "INGEST_THROTTLE_RATE": "120/minute",
    "INGEST_MAX_BODY_BYTES": 32 * 1024,
    # Experiences stored per visitor (new ones beyond it are dropped): bounds the rows one
    # browser can make and what each of its conversions carries.
    "INGEST_MAX_EXPERIENCES": 100,
    # Proxies in front of Django that append to X-Forwarded-For (like DRF's NUM_PROXIES):
    # 0 trusts REMOTE_ADDR only; n trusts the n-th address from the right.
    "INGEST_NUM_PROXIES": 0,
    # Conversions and delivery.
    "CONVERSIONS": [],
    "DELIVERY": "background",  # background | immediate | task | celery | manual
    "BATCH_SIZE": 100,  # conversions per tracking request (about 20 KB); Convert publishes no cap
    # Retryable failures (5xx, 429, no answer, an answer that is not Convert's) are retried
    # for this many days after the first of them, then the conversion fails ("expired").
    "RETRY_DAYS": 7.0,
    # Removed: an attempt count ended conversions during outages of a few hours. Ignored
    # (check W032 says so); RETRY_DAYS bounds retries instead.
    "MAX_ATTEMPTS": None,
    "RETRY_BASE_DELAY": 5.0,  # seconds; doubles per attempt, with jitter
    # At most this long between tries (s), so a recovered Convert gets the backlog soon.
    "RETRY_MAX_DELAY": 300.0,
    "LEASE_SECONDS": 120,  # a "sending" row whose worker died is due again after this
    "TASK_QUEUE": "default",  # Django Tasks queue for DELIVERY="task"
    "CELERY_QUEUE": None,  # Celery queue for DELIVERY="celery" (None: Celery's default)
    # Project config (experience, variation and goal names), synced from Convert's CDN.
    "CONFIG_URL": "https://cdn-4.convertexperiments.com",
    # Seconds between syncs by convert_deliver --loop and the periodic tasks; 0 turns that off.
    "CONFIG_SYNC_INTERVAL": 3600,
    # Seconds before a failed sync is tried again by the same callers.
    "CONFIG_SYNC_RETRY_DELAY": 300,
    # Background worker (DELIVERY="background"/"immediate"): started in every web process
    # by its first request; looks for due rows left by any process at least this often (s).
    "POLL_SECONDS": 30.0,
    # At interpreter exit, how long a process waits to send the conversions it recorded (s).
    "EXIT_TIMEOUT": 5.0,
    # Delivery health (convert_deliver --check, the admin): what counts as a problem.
    "HEALTH_OVERDUE_SECONDS": 600,  # pending past its due time, or sending past its lease
    "HEALTH_FAILED_HOURS": 24,  # a conversion that failed this recently
    "HEALTH_SILENCE_HOURS": 24,  # no delivery for this long while conversions wait
    # convert_sweep's window, in days: rows of the rules' models created (or, with a rule's
    # "sweep_since", dated) this recently that match "when" and have no conversion yet are
    # recorded. Keep it below RETENTION_DAYS and above your longest order-to-payment delay.
    "SWEEP_DAYS": 7,
    # Seconds between sweeps run by the delivery loops (background worker, convert_deliver
    # --loop and cron runs, the Celery deliver_due task); 0 turns that off (then schedule
    # convert_sweep yourself).
    "SWEEP_INTERVAL": 3600,
    # Forwarding Convert's impressions (and optionally conversions) to analytics tools
    # through the outbox (docs/forwarding.rst): {"ga4": {...}, "segment": {...},
    # "mixpanel": {...}}; a destination left out receives nothing.
    "FORWARD": {},
    # Retention for convert_purge.
    "RETENTION_DAYS": 395,
    # The ISO 4217 code of the Convert project's revenue currency ("USD", "EUR"), shown
    # beside amounts in the admin and the reports; None shows plain numbers.
    "CURRENCY": None,
    # The experiment report's statistics (docs/report.rst): a dict; missing keys take
    # reports.settings.DEFAULTS (revenue cap percentile and absolute cap, minimum effect).
    "REPORT": {},
}


def get_setting(name: str) -> Any:
    """Return one setting from ``settings.DJANGO_CONVERT``, falling back to its default.

    Read at call time, so ``override_settings`` applies. The keys, types, units and
    defaults are in ``docs/reference/settings.rst``.

    :raises django.core.exceptions.ImproperlyConfigured: ``name`` is not a setting of
        the app, or ``DJANGO_CONVERT`` is not a dict.
    """
    if name not in DEFAULTS:
        raise ImproperlyConfigured(f"{SETTINGS_NAME}[{name!r}] is not a django-convert setting.")
    configured = getattr(settings, SETTINGS_NAME, None) or {}
    if not isinstance(configured, dict):
        raise ImproperlyConfigured(f"settings.{SETTINGS_NAME} must be a dict.")
    return configured.get(name, DEFAULTS[name])


def unknown_settings() -> list[Any]:
    """Keys in DJANGO_CONVERT that are not settings (usually typos; any type a dict allows)."""
    configured = getattr(settings, SETTINGS_NAME, None) or {}
    if not isinstance(configured, dict):
        return []
    return sorted(set(configured) - set(DEFAULTS), key=repr)


def require_setting(name: str) -> Any:
    """Return a setting that must be set, or raise a clear ImproperlyConfigured."""
    value = get_setting(name)
    if value in (None, ""):
        raise ImproperlyConfigured(
            f"Set {SETTINGS_NAME}[{name!r}] in your settings (see the django-convert "
            "documentation's settings reference)."
        )
    return value


STATIC_PREFIX = "static:"


def static_url(url: str) -> str:
    """Resolve a URL setting of the form ``static:<path>[?query]`` through staticfiles
    (``STATIC_URL`` and the storage's hashed names); any other URL is returned as is."""
    if not url.startswith(STATIC_PREFIX):
        return url
    from django.templatetags.static import static

    path, query = url.removeprefix(STATIC_PREFIX).partition("?")[::2]
    resolved = static(path)
    return f"{resolved}{'&' if '?' in resolved else '?'}{query}" if query else resolved


def closest_names(name: str, known: Iterable[str], n: int = 1) -> list[str]:
    """The known names closest to a misspelt one (difflib, case-insensitive), best first;
    for "did you mean" hints (W001, E104)."""
    by_folded = {candidate.casefold(): candidate for candidate in known}
    matches = difflib.get_close_matches(name.casefold(), by_folded, n=n, cutoff=0.75)
    return [by_folded[match] for match in matches]
