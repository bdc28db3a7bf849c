"""Gives every request ``request.convert_visitor_id`` and keeps the visitor's cookie in step."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_vary_headers

from django_convert.conf import get_setting
from django_convert.identity.cookie import set_visitor_cookie
from django_convert.identity.visitor import resolve_visitor_id


class ConvertVisitorMiddleware:
    """Resolve the visitor id (after AuthenticationMiddleware, so the user is known).

    The cookie is (re)set whenever it differs from the id the request ended with: a new
    visitor, a refused cookie, or a login that switched the visitor to the user's id.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request.convert_visitor_id = resolve_visitor_id(request)  # type: ignore[attr-defined]
        response = self.get_response(request)
        # Login stitching may have switched the id during the view.
        visitor_id: str = request.convert_visitor_id  # type: ignore[attr-defined]
        if request.COOKIES.get(get_setting("COOKIE_NAME")) != visitor_id:
            set_visitor_cookie(response, request, visitor_id)
        # Pages embed the id, and the id comes from the cookie: caches must key on it.
        patch_vary_headers(response, ("Cookie",))
        return response
