"""The first-party cookie that holds a visitor's id.

The inline snippet (``django_convert/browser/js/identify.js``) reads it and creates it when it is
missing and allowed, so pages carry no per-visitor value and stay cacheable. The server
writes it only on responses that no shared cache may store: the ingest POST (``no-store``)
and responses to logged-in users (marked ``private``), login included. A cookie the server
sets also outlives Safari's 7-day cap on cookies that scripts set. It is not HttpOnly:
the snippet must read it.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.functional import empty

from django_convert.conf import get_setting
from django_convert.exceptions import InvalidVisitorId
from django_convert.identity.pii import MAX_LENGTH, clean_visitor_id, looks_like_pii

logger = logging.getLogger("django_convert")


def cookie_visitor_id(request: HttpRequest) -> str | None:
    """The visitor id in the request's cookie, or None when it is missing or unusable."""
    value = request.COOKIES.get(get_setting("COOKIE_NAME"))
    if not value:
        return None
    try:
        return clean_visitor_id(value)
    except InvalidVisitorId:
        # Never log the value itself: it may be the very personal data we refuse. An
        # over-long value is refused by its length alone, before any pattern looks at it.
        if len(value) <= MAX_LENGTH and looks_like_pii(value):
            logger.warning(
                "Refused a visitor-id cookie that looks like personal data; "
                "the browser's snippet replaces it with a random id."
            )
        return None


def browser_uses_https(request: HttpRequest) -> bool:
    """Whether the browser reached the site over HTTPS.

    ``request.is_secure()``, or, when a TLS-ending proxy is not declared in
    ``SECURE_PROXY_SSL_HEADER`` (so Django sees plain HTTP), what the browser and the proxy
    say: the ``Origin`` of a POST, ``X-Forwarded-Proto`` / ``Forwarded: proto=``. Those
    headers only decide this browser's own cookie flags: a client that lies about them
    loses its own cookie, nobody else's.
    """
    if request.is_secure():
        return True
    meta = request.META
    forwarded = str(meta.get("HTTP_X_FORWARDED_PROTO", "")).split(",")[0].strip().lower()
    https = (
        str(meta.get("HTTP_ORIGIN", "")).lower().startswith("https://")
        or forwarded == "https"
        or "proto=https" in str(meta.get("HTTP_FORWARDED", "")).lower().replace(" ", "")
    )
    if https:
        _warn_undeclared_proxy()
    return https


_proxy_warned: list[bool] = []


def _warn_undeclared_proxy() -> None:
    if _proxy_warned:
        return
    _proxy_warned.append(True)
    logger.warning(
        "The browser is on HTTPS but request.is_secure() is False: a TLS-ending proxy is not "
        "declared in SECURE_PROXY_SSL_HEADER. django-convert marks its cookie Secure from the "
        "Origin / X-Forwarded-Proto headers; set SECURE_PROXY_SSL_HEADER so the rest of Django "
        "(its own cookies, absolute URLs) knows too (check --deploy: django_convert.W021). "
        "Logged once per process."
    )


def visitor_cookie_flags(request: HttpRequest) -> dict[str, Any]:
    """``set_cookie`` arguments shared by the id cookie and its key (see :mod:`.proof`).

    ``Secure`` follows ``COOKIE_SECURE``, or by default the scheme the browser uses
    (:func:`browser_uses_https`): a ``__Host-`` cookie refreshed without it is refused by
    the browser, and one without it on HTTPS could leak over plain HTTP.
    """
    secure = get_setting("COOKIE_SECURE")
    return {
        "max_age": get_setting("COOKIE_MAX_AGE"),
        "path": get_setting("COOKIE_PATH"),
        "domain": get_setting("COOKIE_DOMAIN"),
        "secure": browser_uses_https(request) if secure is None else bool(secure),
        "samesite": get_setting("COOKIE_SAMESITE"),
    }


def set_visitor_cookie(response: HttpResponseBase, request: HttpRequest, visitor_id: str) -> None:
    """Store ``visitor_id`` in the cookie with the configured flags.

    Callers make sure the response is one no shared cache may store (see the module doc).
    """
    response.set_cookie(
        get_setting("COOKIE_NAME"),
        visitor_id,
        # The inline snippet reads the id from this cookie: pages carry no per-visitor value.
        httponly=False,
        **visitor_cookie_flags(request),
    )


def delete_visitor_cookie(response: HttpResponseBase) -> None:
    response.delete_cookie(
        get_setting("COOKIE_NAME"),
        path=get_setting("COOKIE_PATH"),
        domain=get_setting("COOKIE_DOMAIN"),
    )


def logged_in_user(request: HttpRequest) -> object | None:
    """The logged-in user, or None, without touching the session of a session-less request.

    Loading the session of a request that has no session cookie finds nothing, yet marks
    the session as accessed, and SessionMiddleware then adds ``Vary: Cookie`` to a response
    that could have been cached for everyone.
    """
    user = getattr(request, "user", None)
    if user is None:
        return None
    # AuthenticationMiddleware's user is lazy: not loaded yet, and no session to load it from.
    if (
        getattr(user, "_wrapped", None) is empty
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
    ):
        return None
    return user if user.is_authenticated else None
