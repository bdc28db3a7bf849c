"""System checks for consent, the ingest's proxies and limits, and the cookie's flags
(E021-E026, W021-W024)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning

from django_convert.conf import SETTINGS_NAME, get_setting
from django_convert.identity.consent import DEFAULTS, PLATFORMS, _import_resolver


def check_consent() -> list[CheckMessage]:
    configured: Any = get_setting("CONSENT")
    if not isinstance(configured, dict):
        return [
            Error(
                f"{SETTINGS_NAME}['CONSENT'] must be a dict, not {type(configured).__name__}.",
                hint='For example {"REQUIRED": True}; see the "Identity and consent" docs.',
                id="django_convert.E021",
            )
        ]
    messages: list[CheckMessage] = []
    unknown = sorted(set(configured) - set(DEFAULTS))
    if unknown:
        messages.append(
            Error(
                f"{SETTINGS_NAME}['CONSENT'] has unknown keys: {', '.join(map(repr, unknown))}.",
                hint=f"The keys are {', '.join(DEFAULTS)}.",
                id="django_convert.E021",
            )
        )
    path = configured.get("RESOLVER", DEFAULTS["RESOLVER"])
    try:
        _import_resolver(path)
    except (ImportError, TypeError, ValueError) as error:
        messages.append(
            Error(
                f"{SETTINGS_NAME}['CONSENT']['RESOLVER'] is {path!r}, which cannot be used: "
                f"{error}",
                hint="Name a function that takes a request and returns True when the "
                f'browser has consented, e.g. "{DEFAULTS["RESOLVER"]}".',
                id="django_convert.E022",
            )
        )
    return messages


def check_num_proxies() -> list[CheckMessage]:
    value = get_setting("INGEST_NUM_PROXIES")
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return []
    return [
        Error(
            f"{SETTINGS_NAME}['INGEST_NUM_PROXIES'] must be a whole number of proxies (0 or "
            f"more), not {value!r}.",
            hint="0 (the default) keys the ingest throttle on REMOTE_ADDR; set the number of "
            "proxies in front of Django that append to X-Forwarded-For.",
            id="django_convert.E023",
        )
    ]


def check_platform() -> list[CheckMessage]:
    """E024: CONSENT["PLATFORM"] names no adapter; W024: it is set but consent is not required."""
    configured: Any = get_setting("CONSENT")
    if not isinstance(configured, dict):
        return []  # E021
    platform = configured.get("PLATFORM")
    category = configured.get("CATEGORY")
    messages: list[CheckMessage] = []
    if platform is not None and platform not in PLATFORMS:
        messages.append(
            Error(
                f"{SETTINGS_NAME}['CONSENT']['PLATFORM'] is {platform!r}, which is not a "
                "consent platform django-convert has an adapter for.",
                hint=f"Use one of {', '.join(map(repr, PLATFORMS))}, or None and call "
                "djangoConvert.consentGiven() / consentWithdrawn() from the platform's callback.",
                id="django_convert.E024",
            )
        )
    if category is not None and (not isinstance(category, str) or not category):
        messages.append(
            Error(
                f"{SETTINGS_NAME}['CONSENT']['CATEGORY'] must be a non-empty string, not "
                f"{category!r}.",
                hint="The platform's name for the consent that covers Convert, e.g. 'C0002' "
                "for OneTrust; None takes the platform's default.",
                id="django_convert.E024",
            )
        )
    if platform is not None and not configured.get("REQUIRED", DEFAULTS["REQUIRED"]):
        messages.append(
            Warning(
                f"{SETTINGS_NAME}['CONSENT']['PLATFORM'] is {platform!r} but "
                "CONSENT['REQUIRED'] is False, so the adapter is not used: every visitor is "
                "identified without asking the platform.",
                hint='Set "REQUIRED": True to wait for the platform\'s consent.',
                id="django_convert.W024",
            )
        )
    return messages


def check_ingest_limit() -> list[CheckMessage]:
    """E026: INGEST_MAX_EXPERIENCES is not a positive whole number."""
    value = get_setting("INGEST_MAX_EXPERIENCES")
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return []
    return [
        Error(
            f"{SETTINGS_NAME}['INGEST_MAX_EXPERIENCES'] must be a whole number above 0, not "
            f"{value!r}.",
            hint="The experiences kept per visitor (default 100).",
            id="django_convert.E026",
        )
    ]


def check_cookie_prefixes() -> list[CheckMessage]:
    """E025: a ``__Host-`` / ``__Secure-`` cookie name with flags browsers refuse for it.

    RFC 6265bis: ``__Secure-`` needs ``Secure``; ``__Host-`` needs ``Secure``, ``Path=/`` and
    no ``Domain``. The id cookie, its key and the consent mirror share the flags.
    """
    names = [get_setting("COOKIE_NAME")]
    consent: Any = get_setting("CONSENT")
    if isinstance(consent, dict):
        names.append(consent.get("COOKIE_NAME", DEFAULTS["COOKIE_NAME"]))
    problems = []
    for name in names:
        name = str(name)
        if name.startswith(("__Secure-", "__Host-")) and get_setting("COOKIE_SECURE") is False:
            problems.append(f"{name!r} needs Secure, but COOKIE_SECURE is False")
        if name.startswith("__Host-"):
            if get_setting("COOKIE_DOMAIN"):
                problems.append(f"{name!r} may not have a Domain, but COOKIE_DOMAIN is set")
            if get_setting("COOKIE_PATH") != "/":
                problems.append(f"{name!r} needs Path=/, but COOKIE_PATH is not '/'")
    return [
        Error(
            f"Browsers refuse this cookie, so no visitor keeps an id: {problem}.",
            hint="Change the cookie name's prefix or the COOKIE_* setting (RFC 6265bis, "
            "cookie name prefixes).",
            id="django_convert.E025",
        )
        for problem in problems
    ]


def _behind_proxy() -> str | None:
    """What suggests a TLS-ending proxy in front of Django, or None."""
    if getattr(settings, "USE_X_FORWARDED_HOST", False) or getattr(
        settings, "USE_X_FORWARDED_PORT", False
    ):
        return "USE_X_FORWARDED_HOST/PORT is set"
    if get_setting("INGEST_NUM_PROXIES"):
        return f"{SETTINGS_NAME}['INGEST_NUM_PROXIES'] is set"
    origins = [str(o) for o in getattr(settings, "CSRF_TRUSTED_ORIGINS", []) or []]
    if any(origin.startswith("https://") for origin in origins):
        return "CSRF_TRUSTED_ORIGINS lists https:// origins"
    return None


def check_deploy_cookie() -> list[CheckMessage]:
    """W021: a TLS-ending proxy without SECURE_PROXY_SSL_HEADER; W022: a prefixed cookie name
    on a site that also answers plain HTTP. Only with ``check --deploy``."""
    messages: list[CheckMessage] = []
    proxy = _behind_proxy()
    if proxy and getattr(settings, "SECURE_PROXY_SSL_HEADER", None) is None:
        messages.append(
            Warning(
                f"Django seems to run behind a proxy ({proxy}) but SECURE_PROXY_SSL_HEADER "
                "is not set, so request.is_secure() is False for HTTPS visitors. "
                "django-convert marks its cookies Secure from the browser's Origin and "
                "X-Forwarded-Proto headers, but a request without them (a logged-in user's "
                "page) gets a cookie without Secure, which a __Host- cookie cannot be.",
                hint="Set SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https') if "
                "your proxy sets that header and strips it from clients (Heroku, Render, "
                "Kubernetes ingress do), or set DJANGO_CONVERT['COOKIE_SECURE'] = True on an "
                "HTTPS-only site.",
                id="django_convert.W021",
            )
        )
    name = str(get_setting("COOKIE_NAME"))
    if (
        name.startswith(("__Secure-", "__Host-"))
        and get_setting("COOKIE_SECURE") is not True
        and not getattr(settings, "SECURE_SSL_REDIRECT", False)
    ):
        messages.append(
            Warning(
                f"COOKIE_NAME {name!r} can only be kept over HTTPS, and SECURE_SSL_REDIRECT "
                "is False: visitors who reach the site over plain HTTP keep no id (the "
                "snippet then identifies and posts nothing).",
                hint="Set SECURE_SSL_REDIRECT = True (or redirect at the proxy), or use a name "
                "without the prefix.",
                id="django_convert.W022",
            )
        )
    return messages
