"""Gives every request ``request.convert_visitor_id``."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

from django_convert.conf import get_setting


def new_visitor_id() -> str:
    """A random, opaque id of 128 bits."""
    return secrets.token_hex(16)


class ConvertVisitorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        cookie_name = get_setting("COOKIE_NAME")
        visitor_id = request.COOKIES.get(cookie_name) or new_visitor_id()
        request.convert_visitor_id = visitor_id  # type: ignore[attr-defined]
        response = self.get_response(request)
        if request.COOKIES.get(cookie_name) != visitor_id:
            secure = get_setting("COOKIE_SECURE")
            response.set_cookie(
                cookie_name,
                visitor_id,
                max_age=get_setting("COOKIE_MAX_AGE"),
                path=get_setting("COOKIE_PATH"),
                domain=get_setting("COOKIE_DOMAIN"),
                secure=request.is_secure() if secure is None else secure,
                httponly=True,
                samesite=get_setting("COOKIE_SAMESITE"),
            )
        return response
