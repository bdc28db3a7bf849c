"""``POST <prefix>/context/``: the listener's report of bucketing and segments."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from django.db import router, transaction
from django.http import HttpRequest
from django.utils.cache import add_never_cache_headers, patch_cache_control
from rest_framework import exceptions, status
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from django_convert import get_visitor_id, signals
from django_convert.conf import get_setting
from django_convert.identity.consent import consent_setting, has_consent
from django_convert.identity.cookie import set_visitor_cookie
from django_convert.ingest.authentication import CsrfSessionAuthentication
from django_convert.ingest.crawlers import crawler_match
from django_convert.ingest.drops import note_dropped
from django_convert.ingest.parsers import BoundedJSONParser, check_body_size
from django_convert.ingest.serializers import ContextSerializer
from django_convert.ingest.store import store_context
from django_convert.ingest.throttling import IngestRateThrottle
from django_convert.models import Visitor
from django_convert.reports.drops import CRAWLER

logger = logging.getLogger("django_convert")


class ContextView(APIView):
    """Store ``{visitorId, experiences, segments}`` for the requester's own visitor.

    204 on success, and the visitor's cookie refreshed as a server-set cookie (``no-store``
    response); 204 storing nothing when ``ENABLED`` is False or the user agent is a known
    crawler (a crawler's post is noted once per visitor id, for the doctor); 400 with
    field errors (nothing stored); 403 without the anti-CSRF proof (see
    ingest.authentication), before cookie consent, or for another visitor's id; 413 for
    an oversized body; 415 for a non-JSON body; 429 when throttled.
    """

    # Everything explicit, so a project's REST_FRAMEWORK defaults cannot loosen it.
    authentication_classes = [CsrfSessionAuthentication]
    permission_classes = [AllowAny]
    throttle_classes = [IngestRateThrottle]
    parser_classes = [BoundedJSONParser]
    renderer_classes = [JSONRenderer]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # Before anything reads the body (the CSRF check, the parser).
        check_body_size(request.META.get("CONTENT_LENGTH") or 0)
        # Before the CSRF check and the throttle too: a crawler's post costs nothing.
        _refuse_ignored(request._request)
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        # Whatever the answer, it is this visitor's: no cache may keep it (it may set a cookie).
        add_never_cache_headers(response)
        patch_cache_control(response, private=True)
        return response

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, Ignored):
            return Response(status=status.HTTP_204_NO_CONTENT)
        response = super().handle_exception(exc)
        if isinstance(exc, NotOwnVisitorId) and exc.own_id is not None:
            set_visitor_cookie(response, self.request._request, exc.own_id)
        return response

    def post(self, request: Request) -> Response:
        django_request = request._request
        serializer = ContextSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        payload: dict[str, Any] = serializer.validated_data
        if not has_consent(django_request):
            # The snippet only posts after consent, so the page and the server disagree:
            # nothing from this browser will be stored until they do.
            logger.warning(
                "Refused an ingest post: the page's snippet had cookie consent, but "
                "DJANGO_CONVERT['CONSENT']['RESOLVER'] (%s) says this request has none. "
                "Make the consent-management platform's callback and the resolver agree "
                "(see the 'Identity and consent' docs).",
                consent_setting("RESOLVER"),
            )
            raise exceptions.PermissionDenied(
                "No cookie consent for this browser: nothing is stored before consent."
            )
        visitor_id = get_visitor_id(django_request)
        if payload["visitorId"] != visitor_id:
            raise NotOwnVisitorId(visitor_id)
        user = request.user if request.user.is_authenticated else None
        visitor = store_context(
            visitor_id=payload["visitorId"],
            experiences=payload["experiences"],
            segments=payload.get("segments", {}),
            user=user,
        )
        transaction.on_commit(
            partial(_announce, visitor, payload, django_request),
            using=router.db_for_write(Visitor),
        )
        response = Response(status=status.HTTP_204_NO_CONTENT)
        # A server-set cookie outlives Safari's 7-day cap on cookies that scripts set.
        set_visitor_cookie(response, django_request, payload["visitorId"])
        return response


class Ignored(Exception):
    """Answer 204 and store nothing."""


def _refuse_ignored(request: HttpRequest) -> None:
    """Raise Ignored for a disabled app and for well-known crawlers."""
    if not get_setting("ENABLED"):
        logger.info("Ignored an ingest post: DJANGO_CONVERT['ENABLED'] is False.")
        raise Ignored
    matched = crawler_match(request.META.get("HTTP_USER_AGENT", ""))
    if matched is not None:
        logger.info("Ignored an ingest post from a crawler's user agent (nothing stored).")
        # The doctor names this case for the browser's conversions (reports/drops.py).
        note_dropped(request, CRAWLER, matched)
        raise Ignored


class NotOwnVisitorId(exceptions.PermissionDenied):
    """403 for a posted id that is not the requester's.

    The answer carries the requester's own id in the cookie: a cookie the snippet cannot
    read (HttpOnly, set by an older version of this app) made it identify a new id that
    the server never sees; re-issued readable, the next page uses the right one.
    """

    def __init__(self, own_id: str | None) -> None:
        super().__init__("visitorId is not this visitor's id.")
        self.own_id = own_id


def _announce(visitor: Visitor, payload: dict[str, Any], request: HttpRequest) -> None:
    """Send experiences_evaluated; a failing receiver is logged, not the client's 500."""
    signal = signals.experiences_evaluated
    if not signal.has_listeners(ContextView):
        return
    # The upsert's instance lacks what it did not write (an earlier first_seen, the user).
    try:
        visitor.refresh_from_db()
    except Visitor.DoesNotExist:
        return  # merged into the user's visitor by a login since the commit
    for receiver, result in signal.send_robust(
        sender=ContextView, visitor=visitor, payload=payload, request=request
    ):
        if isinstance(result, Exception):
            logger.error("experiences_evaluated receiver %r failed", receiver, exc_info=result)
