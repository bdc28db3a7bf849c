"""The first-party cookie that keeps an anonymous visitor's id between requests."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponseBase

from django_convert.conf import get_setting
from django_convert.exceptions import InvalidVisitorId
from django_convert.identity.pii import clean_visitor_id, looks_like_pii

logger = logging.getLogger("django_convert")


def cookie_visitor_id(request: HttpRequest) -> str | None:
    """The visitor id in the request's cookie, or None when it is missing or unusable."""
    value = request.COOKIES.get(get_setting("COOKIE_NAME"))
    if not value:
        return None
    try:
        return clean_visitor_id(value)
    except InvalidVisitorId:
        # Never log the value itself: it may be the very personal data we refuse.
        if looks_like_pii(value):
            logger.warning(
                "Refused a visitor-id cookie that looks like personal data; "
                "the visitor gets a new random id."
            )
        return None


def set_visitor_cookie(response: HttpResponseBase, request: HttpRequest, visitor_id: str) -> None:
    """Store ``visitor_id`` in the cookie with the configured flags."""
    secure = get_setting("COOKIE_SECURE")
    response.set_cookie(
        get_setting("COOKIE_NAME"),
        visitor_id,
        max_age=get_setting("COOKIE_MAX_AGE"),
        path=get_setting("COOKIE_PATH"),
        domain=get_setting("COOKIE_DOMAIN"),
        secure=request.is_secure() if secure is None else bool(secure),
        # The page gets the id from the template tag; scripts never need the cookie.
        httponly=True,
        samesite=get_setting("COOKIE_SAMESITE"),
    )
