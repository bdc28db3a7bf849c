"""Cookie consent, decided here once: everything else asks :func:`has_consent`.

With ``CONSENT["REQUIRED"]`` False (the default) every request has consent. With it True,
a request has consent when ``CONSENT["RESOLVER"]`` says so; until then there is no visitor
id, so no cookie, no Visitor or Bucketing row and no conversion for that browser, and the
tags tell Convert ``consentRequired`` (Convert's ``@convertcom/tracking-types``,
``src/types/api.d.ts``: ``ConsentRequired{runExperiences?}`` and ``ConsentGiven``).

The consent platform is the source of truth, on every page: the snippet identifies nothing
until the platform reports consent on that page (``CONSENT["PLATFORM"]`` names a built-in
adapter, or the platform's callback calls ``window.djangoConvert.consentGiven()``), and
withdraws when it reports none. ``consentGiven()`` writes a mirror for the server, a session
cookie (``CONSENT["COOKIE_NAME"]`` = ``"1"``) rewritten on each page and deleted on
withdrawal, which the default resolver reads; :func:`cookiebot_consent` reads Cookiebot's
own cookie instead.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.utils.module_loading import import_string

from django_convert.conf import SETTINGS_NAME, get_setting

#: CONSENT keys and their defaults.
DEFAULTS: dict[str, Any] = {
    # True: no id, cookie, row or conversion before consent.
    "REQUIRED": False,
    # resolver(request) -> bool: has this browser consented?
    "RESOLVER": "django_convert.identity.consent.cookie_consent",
    # The mirror consentGiven() writes and consentWithdrawn() deletes ("1" = given).
    "COOKIE_NAME": "convert_consent",
    # None: a session cookie, so the mirror never outlives the platform's own record (it is
    # rewritten on every page the platform reports consent on).
    "COOKIE_MAX_AGE": None,
    # Convert's consentRequired{runExperiences}: may experiences run before consent?
    "RUN_EXPERIENCES": False,
    # A built-in adapter that asks the consent platform's browser API on every page: one of
    # PLATFORMS. None: the platform's own callback calls djangoConvert.consentGiven() /
    # consentWithdrawn().
    "PLATFORM": None,
    # The platform's name for the consent that covers Convert (None: PLATFORMS' default).
    "CATEGORY": None,
}

#: CONSENT["PLATFORM"] -> the default CATEGORY: Cookiebot's category, OneTrust's group id
#: (Performance), Usercentrics' service name, Didomi's purpose id (store and/or access
#: information on a device), TCF purpose ids, Google Consent Mode's consent type.
PLATFORMS: dict[str, str] = {
    "cookiebot": "statistics",
    "onetrust": "C0002",
    "usercentrics": "Convert",
    "didomi": "cookies",
    "tcf": "1",
    "gcm": "analytics_storage",
}

ConsentResolver = Callable[[HttpRequest], bool]


def consent_setting(name: str) -> Any:
    """One CONSENT key, read at call time, falling back to :data:`DEFAULTS`."""
    configured = get_setting("CONSENT")
    if not isinstance(configured, dict):
        raise ImproperlyConfigured(f"{SETTINGS_NAME}['CONSENT'] must be a dict.")
    if name not in DEFAULTS:
        raise ImproperlyConfigured(f"{SETTINGS_NAME}['CONSENT'][{name!r}] is not a setting.")
    return configured.get(name, DEFAULTS[name])


@functools.lru_cache(maxsize=8)
def _import_resolver(path: str) -> ConsentResolver:
    resolver = import_string(path)
    if not callable(resolver):
        raise TypeError(f"{path} is not callable.")
    return resolver  # type: ignore[no-any-return]


def consent_adapter() -> tuple[str, str] | None:
    """``(platform, category)`` of the configured adapter, or None without one."""
    platform = consent_setting("PLATFORM")
    if platform is None or not consent_setting("REQUIRED"):
        return None
    category = consent_setting("CATEGORY")
    return str(platform), str(PLATFORMS.get(platform, "") if category is None else category)


def has_consent(request: HttpRequest) -> bool:
    """Whether this request's browser may be identified and recorded (asked once per request)."""
    if not consent_setting("REQUIRED"):
        return True
    cached: bool | None = getattr(request, "_convert_consent", None)
    if cached is None:
        cached = bool(_import_resolver(consent_setting("RESOLVER"))(request))
        request._convert_consent = cached  # type: ignore[attr-defined]
    return cached


def cookie_consent(request: HttpRequest) -> bool:
    """The default resolver: the cookie ``window.djangoConvert.consentGiven()`` writes."""
    return request.COOKIES.get(consent_setting("COOKIE_NAME")) == "1"


def cookiebot_consent(request: HttpRequest) -> bool:
    """Cookiebot's ``CookieConsent`` cookie with the *statistics* category accepted.

    Cookiebot stores ``{stamp:'...',necessary:true,preferences:false,statistics:true,...}``
    (URL-encoded) or ``-1`` when consent is not needed in the visitor's region.
    """
    value = request.COOKIES.get("CookieConsent")
    if not value or len(value) > 4096:
        return False
    value = unquote(value)
    return value == "-1" or "statistics:true" in value.replace(" ", "")
