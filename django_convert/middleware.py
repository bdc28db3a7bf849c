"""Gives every request ``request.convert_visitor_id`` (an id, or None) under WSGI and ASGI.

The page never carries the id: the inline snippet reads it from the visitor's cookie (or
creates it), so this middleware adds no ``Set-Cookie`` and no ``Vary`` to anonymous
responses, and cached pages stay correct for everyone. It writes the cookie (and the
id's HttpOnly key, see ``identity.proof``) only for logged-in users whose cookie differs
from their id or lacks the key (a login, another device), on a response it marks
``Cache-Control: private``.

``request.convert_visitor_id`` is None when the app is disabled, before cookie consent,
and for a browser whose snippet has not created an id yet (its first page; crawlers).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.http import HttpRequest, HttpResponseBase

from django_convert.conf import get_setting
from django_convert.identity.proof import key_cookie_name, refresh_for_user
from django_convert.identity.visitor import RESOLVER, id_source, resolve_visitor_id


class ConvertVisitorMiddleware:
    """Resolve the visitor id (after AuthenticationMiddleware, so the user is known)."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self.__acall__(request)
        request.convert_visitor_id = resolve_visitor_id(request)  # type: ignore[attr-defined]
        response: HttpResponseBase = self.get_response(request)
        # Login stitching may have switched the id during the view.
        refresh_for_user(request, response)
        return response

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        if request.COOKIES:
            # The resolver may read the session or the database: a thread, as Django runs
            # sync code under ASGI. A request without cookies has nothing to resolve, so
            # first visits, crawlers and cached pages never switch threads.
            visitor_id = await sync_to_async(resolve_visitor_id)(request)
        else:
            visitor_id = None
        request.convert_visitor_id = visitor_id  # type: ignore[attr-defined]
        response: HttpResponseBase = await self._get_response_async(request)
        # Only an id that differs from the cookie, or lacks its key, can need writing (a
        # login, another device): a returning visitor's request never switches threads again.
        visitor_id = getattr(request, "convert_visitor_id", None)
        if (
            visitor_id is not None
            and id_source(request) == RESOLVER
            and (
                request.COOKIES.get(get_setting("COOKIE_NAME")) != visitor_id
                or key_cookie_name() not in request.COOKIES
            )
        ):
            await sync_to_async(refresh_for_user)(request, response)
        return response

    def _get_response_async(self, request: HttpRequest) -> Awaitable[HttpResponseBase]:
        return self.get_response(request)  # type: ignore[no-any-return]
