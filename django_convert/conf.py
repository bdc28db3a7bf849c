"""The app's settings: one ``DJANGO_CONVERT`` dict, read at call time.

Every read goes through :func:`get_setting`, so ``override_settings`` works everywhere
and nothing is frozen at import or template-compile time.
"""

from __future__ import annotations

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
    "SOURCE": "js-sdk",
    # Convert drops events from default client user agents: keep the ConvertAgent/ prefix.
    "USER_AGENT": "ConvertAgent/1.0 (django-convert)",
    "TIMEOUT": 10.0,  # seconds, for connect and for read
    # Visitor identity.
    "VISITOR_ID_RESOLVER": "django_convert.identity.resolvers.default_resolver",
    "COOKIE_NAME": "convert_vid",
    "COOKIE_MAX_AGE": 60 * 60 * 24 * 395,  # about 13 months
    "COOKIE_SAMESITE": "Lax",
    "COOKIE_SECURE": None,  # None: Secure exactly when the request is HTTPS
    "COOKIE_DOMAIN": None,
    "COOKIE_PATH": "/",
    # Ingest endpoint.
    "INGEST_THROTTLE_RATE": "120/minute",
    "INGEST_MAX_BODY_BYTES": 32 * 1024,
    # Conversions and delivery.
    "CONVERSIONS": [],
    "DELIVERY": "background",  # background | immediate | task | celery | manual
    "BATCH_SIZE": 100,  # conversions per tracking request (about 20 KB); Convert publishes no cap
    "MAX_ATTEMPTS": 12,
    "RETRY_BASE_DELAY": 5.0,  # seconds; doubles per attempt, with jitter
    "RETRY_MAX_DELAY": 3600.0,
    "LEASE_SECONDS": 120,  # a "sending" row whose worker died is due again after this
    "TASK_QUEUE": "default",  # Django Tasks queue for DELIVERY="task"
    "CELERY_QUEUE": None,  # Celery queue for DELIVERY="celery" (None: Celery's default)
    # Project config (experience, variation and goal names), synced from Convert's CDN.
    "CONFIG_URL": "https://cdn-4.convertexperiments.com",
    # Seconds between syncs by convert_deliver --loop and the periodic tasks; 0 turns that off.
    "CONFIG_SYNC_INTERVAL": 3600,
    # Seconds before a failed sync is tried again by the same callers.
    "CONFIG_SYNC_RETRY_DELAY": 300,
    # Retention for convert_purge.
    "RETENTION_DAYS": 395,
}


def get_setting(name: str) -> Any:
    """Return one setting, falling back to its documented default."""
    if name not in DEFAULTS:
        raise ImproperlyConfigured(f"{SETTINGS_NAME}[{name!r}] is not a django-convert setting.")
    configured = getattr(settings, SETTINGS_NAME, None) or {}
    if not isinstance(configured, dict):
        raise ImproperlyConfigured(f"settings.{SETTINGS_NAME} must be a dict.")
    return configured.get(name, DEFAULTS[name])


def unknown_settings() -> list[str]:
    """Keys in DJANGO_CONVERT that are not settings (usually typos)."""
    configured = getattr(settings, SETTINGS_NAME, None) or {}
    if not isinstance(configured, dict):
        return []
    return sorted(set(configured) - set(DEFAULTS))


def require_setting(name: str) -> Any:
    """Return a setting that must be set, or raise a clear ImproperlyConfigured."""
    value = get_setting(name)
    if value in (None, ""):
        raise ImproperlyConfigured(
            f"Set {SETTINGS_NAME}[{name!r}] in your settings (see the django-convert README)."
        )
    return value
