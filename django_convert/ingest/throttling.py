"""The ingest throttle: INGEST_THROTTLE_RATE per user, or per client IP when anonymous.

Keyed by IP rather than visitor id for anonymous requests, because a client chooses its
own visitor id (by dropping the cookie) but not its address.
"""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from django_convert.conf import get_setting


class IngestRateThrottle(SimpleRateThrottle):
    scope = "convert_ingest"

    def get_rate(self) -> str | None:
        # Read per request (DRF makes a throttle per request), so setting changes apply.
        rate: str | None = get_setting("INGEST_THROTTLE_RATE")
        return rate

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        user: Any = request.user
        ident = f"user-{user.pk}" if user and user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
