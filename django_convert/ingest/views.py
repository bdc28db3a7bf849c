"""``POST <prefix>/context/``: the listener's report of bucketing and segments."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from django.db import router, transaction
from django.http import HttpRequest
from rest_framework import exceptions, status
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from django_convert import get_visitor_id, signals
from django_convert.ingest.authentication import CsrfSessionAuthentication
from django_convert.ingest.parsers import BoundedJSONParser, check_body_size
from django_convert.ingest.serializers import ContextSerializer
from django_convert.ingest.store import store_context
from django_convert.ingest.throttling import IngestRateThrottle
from django_convert.models import Visitor

logger = logging.getLogger(__name__)


class ContextView(APIView):
    """Store ``{visitorId, experiences, segments}`` for the requester's own visitor.

    204 on success; 400 with field errors (nothing stored); 403 without a valid CSRF token
    or for another visitor's id; 413 for an oversized body; 415 for a non-JSON body;
    429 when throttled.
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
        super().initial(request, *args, **kwargs)

    def post(self, request: Request) -> Response:
        serializer = ContextSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        payload: dict[str, Any] = serializer.validated_data
        django_request = request._request
        if payload["visitorId"] != get_visitor_id(django_request):
            raise exceptions.PermissionDenied("visitorId is not this visitor's id.")
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
        return Response(status=status.HTTP_204_NO_CONTENT)


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
