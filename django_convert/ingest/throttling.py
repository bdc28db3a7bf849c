"""The ingest throttle: INGEST_THROTTLE_RATE per user, or per client address when anonymous.

Keyed by address rather than visitor id for anonymous requests, because a client chooses
its own visitor id (by dropping the cookie) but not its address. The address is the one
Django sees (``REMOTE_ADDR``); ``X-Forwarded-For`` is trusted only as far as
``INGEST_NUM_PROXIES`` says (like DRF's ``NUM_PROXIES``), because anyone can send that
header: keyed on it, a client that changes it on each post is never throttled. Cache keys
are hashed, so a long header can never make an over-long memcached key.
"""

from __future__ import annotations

import hashlib
from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from django_convert.conf import get_setting

# More than any real proxy chain: a longer header is someone else's invention.
MAX_FORWARDED_FOR = 2048


def client_address(request: Any) -> str:
    """The client's address: REMOTE_ADDR, or the INGEST_NUM_PROXIES-th address from the
    right of X-Forwarded-For when Django runs behind that many proxies."""
    meta = request.META
    remote_addr = str(meta.get("REMOTE_ADDR") or "")
    proxies = int(get_setting("INGEST_NUM_PROXIES") or 0)
    forwarded = meta.get("HTTP_X_FORWARDED_FOR")
    if proxies <= 0 or not forwarded:
        return remote_addr
    addresses = [part.strip() for part in str(forwarded)[:MAX_FORWARDED_FOR].split(",")]
    addresses = [address for address in addresses if address]
    if not addresses:
        return remote_addr
    # Each trusted proxy appended the address it saw: the client is proxies-th from the end.
    return str(addresses[-min(proxies, len(addresses))])


class IngestRateThrottle(SimpleRateThrottle):
    scope = "convert_ingest"

    def get_rate(self) -> str | None:
        # Read per request (DRF makes a throttle per request), so setting changes apply.
        rate: str | None = get_setting("INGEST_THROTTLE_RATE")
        return rate

    def get_ident(self, request: Request) -> str:
        return client_address(request)

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        user: Any = request.user
        ident = f"user-{user.pk}" if user and user.is_authenticated else self.get_ident(request)
        digest = hashlib.sha256(ident.encode("utf-8", "surrogatepass")).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": digest}
