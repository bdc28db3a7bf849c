"""``POST <prefix>/context/``: the listener's report of bucketing and segments; ``DELETE``
forgets a visitor after consent was withdrawn."""

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
from django_convert.exceptions import InvalidVisitorId
from django_convert.identity.consent import consent_setting, has_consent
from django_convert.identity.cookie import (
    cookie_visitor_id,
    delete_visitor_cookie,
    set_visitor_cookie,
)
from django_convert.identity.erasure import forget_forwarded
from django_convert.identity.pii import clean_visitor_id
from django_convert.identity.proof import (
    NEW,
    delete_key_cookie,
    holds_key,
    key_cookie_name,
    prove,
    set_key_cookie,
)
from django_convert.ingest import outcomes
from django_convert.ingest.authentication import LISTENER_META, CsrfSessionAuthentication
from django_convert.ingest.crawlers import crawler_match
from django_convert.ingest.drops import note_dropped
from django_convert.ingest.parsers import BoundedJSONParser, check_body_size
from django_convert.ingest.serializers import ContextSerializer
from django_convert.ingest.store import store_context
from django_convert.ingest.throttling import IngestRateThrottle
from django_convert.models import DroppedPost, Visitor
from django_convert.reports.drops import CRAWLER, WEBDRIVER

logger = logging.getLogger("django_convert")


class ContextView(APIView):
    """Store ``{visitorId, experiences, segments}`` for the requester's own visitor.

    POST: 204 on success, and the visitor's cookie and its key refreshed as server-set
    cookies (``no-store`` response); 204 storing nothing when ``ENABLED`` is False, the user
    agent is a known crawler, or the listener marks an automated browser (both noted once
    per visitor id, for the doctor: ingest.drops); 400 with field
    errors (nothing stored); 403 without the anti-CSRF proof (see ingest.authentication),
    before cookie consent, without an id cookie, for another visitor's id, or for an id the
    browser cannot prove it holds (identity.proof); 413 for an oversized body; 415 for a
    non-JSON body; 429 when throttled. DELETE ``{visitorId}``: forget a visitor after
    consent was withdrawn (below). Every answer that stores nothing names why in the
    ``X-Convert-Reason`` header (codes: ingest.outcomes).
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
            outcomes.record(exc.reason)
            return _answer(status.HTTP_204_NO_CONTENT, exc.reason)
        response = super().handle_exception(exc)
        if isinstance(exc, Refused):
            outcomes.record(exc.reason)
            response["X-Convert-Reason"] = exc.reason
            response.data["code"] = exc.reason
            # Counted and logged above, once per so many: not a WARNING per page view from
            # Django's request logger.
            response._has_been_logged = True  # type: ignore[attr-defined]
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
            raise Refused(
                outcomes.NO_CONSENT,
                "No cookie consent for this browser: nothing is stored before consent "
                f"(CONSENT['RESOLVER'] is {consent_setting('RESOLVER')}).",
            )
        visitor_id = get_visitor_id(django_request)
        if visitor_id is None:
            raise Refused(outcomes.NO_COOKIE, "This browser has no visitor-id cookie.")
        if payload["visitorId"] != visitor_id:
            raise NotOwnVisitorId(visitor_id)
        proof = prove(django_request, visitor_id)
        if proof is None:
            raise Refused(
                outcomes.UNPROVEN_ID,
                "This browser cannot prove that visitorId is its own (no key for it).",
            )
        user = request.user if request.user.is_authenticated else None
        visitor = store_context(
            visitor_id=payload["visitorId"],
            experiences=payload["experiences"],
            segments=payload.get("segments", {}),
            user=user,
            key_issued=True,
            new=proof == NEW,
            destination_ids=payload.get("destinationIds"),
        )
        transaction.on_commit(
            partial(_announce, visitor, payload, django_request),
            using=router.db_for_write(Visitor),
        )
        response = Response(status=status.HTTP_204_NO_CONTENT)
        # A server-set cookie outlives Safari's 7-day cap on cookies that scripts set; the
        # key (HttpOnly) proves from now on that this browser holds the id.
        set_visitor_cookie(response, django_request, visitor_id)
        set_key_cookie(response, django_request, visitor_id)
        return response

    def delete(self, request: Request) -> Response:
        """Forget ``{visitorId}``: the listener's call after ``consentWithdrawn()``.

        The browser proves the id with its key (the id cookie is already gone): the
        visitor, its bucketing, exposure history and dropped-post notes are deleted, unless
        the visitor belongs to a user (their account keeps it; see ``forget_user()`` in
        the privacy docs). Its events for analytics destinations (``FORWARD``) not being
        sent right now are deleted in any case: withdrawal stops forwarding. The answer deletes the
        id cookie and the key, unless the browser holds another id by now (consent given
        again in the meantime). Conversions already recorded stay in the outbox.
        """
        django_request = request._request
        visitor_id = _posted_visitor_id(request.data)
        proven = holds_key(django_request, visitor_id)
        if proven:
            with transaction.atomic(using=router.db_for_write(Visitor)):
                # Cascades to its bucketing, exposure history and merged ids.
                Visitor.objects.filter(visitor_id=visitor_id, user__isnull=True).delete()
                DroppedPost.objects.filter(visitor_id=visitor_id).delete()
                # Consent withdrawn: nothing more is forwarded for this id, whoever owns it.
                forget_forwarded([visitor_id])
            outcomes.record(outcomes.FORGOTTEN)
        response = _answer(
            status.HTTP_204_NO_CONTENT, outcomes.FORGOTTEN if proven else outcomes.UNPROVEN_ID
        )
        if cookie_visitor_id(django_request) in (None, visitor_id):
            delete_visitor_cookie(response)
        if proven or key_cookie_name() not in django_request.COOKIES:
            delete_key_cookie(response)
        return response


def _answer(code: int, reason: str) -> Response:
    response = Response(status=code)
    response["X-Convert-Reason"] = reason
    return response


def _posted_visitor_id(data: Any) -> str:
    value = data.get("visitorId") if isinstance(data, dict) else None
    try:
        return clean_visitor_id(value)
    except InvalidVisitorId as error:
        raise exceptions.ValidationError({"visitorId": [str(error)]}) from error


class Ignored(Exception):
    """Answer 204 and store nothing, for ``reason``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _refuse_ignored(request: HttpRequest) -> None:
    """Raise Ignored for a disabled app, well-known crawlers and automated browsers."""
    if not get_setting("ENABLED"):
        raise Ignored(outcomes.DISABLED)
    matched = crawler_match(request.META.get("HTTP_USER_AGENT", ""))
    if matched is not None:
        # The doctor names this case for the browser's conversions (reports/drops.py).
        note_dropped(request, CRAWLER, matched)
        raise Ignored(outcomes.CRAWLER)
    if request.META.get(LISTENER_META) == "webdriver":
        # The listener marks a browser under remote control (navigator.webdriver) that did
        # not opt in: a shop's end-to-end tests, synthetic monitors, scrapers.
        note_dropped(request, WEBDRIVER, "navigator.webdriver")
        raise Ignored(outcomes.WEBDRIVER)


class Refused(exceptions.PermissionDenied):
    """403 storing nothing, for one of ingest.outcomes' reasons."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


class NotOwnVisitorId(Refused):
    """403 for a posted id that is not the requester's.

    The answer carries the requester's own id in the cookie: a cookie the snippet cannot
    read (HttpOnly, set by an older version of this app) made it identify a new id that
    the server never sees; re-issued readable, the next page uses the right one.
    """

    def __init__(self, own_id: str | None) -> None:
        super().__init__(outcomes.NOT_OWN_ID, "visitorId is not this visitor's id.")
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
