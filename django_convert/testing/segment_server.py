"""A strict stand-in for Segment's HTTP Tracking API batch endpoint.

Sources (Segment's published documentation):

- HTTP API source: https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/
  (now https://www.twilio.com/docs/segment/connections/sources/catalog/libraries/server/http-api):
  ``POST /v1/batch`` with ``{"batch": [...]}``, HTTP Basic auth with the write key as the
  user name and an empty password, ``Content-Type: application/json``; at most 500 KB per
  batch and 32 KB per message, else 400; "Segment returns a 200 response for all API
  requests except errors caused by large payloads and JSON errors"; a message without
  ``userId``/``anonymousId`` or a ``track`` without ``event`` is not accepted (silently);
  429 with ``Retry-After`` past the rate limit.
- Duplicate data: https://segment.com/docs/guides/duplicate-data/ (deduplication on
  ``messageId`` within a 24-hour window; here, within the stand-in's life).
- A/B testing spec, "Experiment Viewed":
  https://segment.com/docs/connections/spec/ab-testing/

Accepted messages are in :meth:`~.analytics_base.AnalyticsStandIn.events`; what Segment
would have dropped without saying so is in :meth:`SegmentStandIn.dropped`, with the reason.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django_convert.testing.analytics_base import AnalyticsStandIn, Answer, Request, parse_json

MAX_BATCH = 500 * 1024  # bytes
MAX_MESSAGE = 32 * 1024  # bytes, each message as JSON
MAX_MESSAGE_ID = 100  # characters ("under 100")
TYPES = {"identify", "track", "page", "screen", "group", "alias"}
SUCCESS = {"success": True}


@dataclass(frozen=True)
class Dropped:
    """One message Segment answered 200 for but would not have kept, and why."""

    message: Any
    reason: str


class SegmentStandIn(AnalyticsStandIn):
    """``url`` is the ``FORWARD["segment"]["URL"]`` to use.

    With ``write_key`` given, a request authenticated with another key is answered 200 and
    all its messages dropped (they would land in another source, or nowhere). Duplicates of
    a ``messageId`` already accepted are dropped as ``"duplicate messageId"``.
    """

    path = "/v1/batch"

    def __init__(
        self, *, write_key: str | None = None, latency: float = 0.0, port: int = 0
    ) -> None:
        super().__init__(latency=latency, port=port)
        self.write_key = write_key
        self._dropped: list[Dropped] = []
        self._message_ids: set[str] = set()

    def dropped(self) -> list[Dropped]:
        """Messages answered 200 but not kept, in arrival order."""
        with self._lock:
            return list(self._dropped)

    def _drop(self, request: Request, message: Any, reason: str) -> None:
        request.problems.append(reason)
        with self._lock:
            self._dropped.append(Dropped(message, reason))

    def handle(self, request: Request) -> Answer:
        if request.method != "POST" or request.path != self.path:
            return Answer(404, {"success": False, "error": "not found"})
        if len(request.raw) > MAX_BATCH:
            request.problems.append(f"batch: larger than {MAX_BATCH} bytes")
            return Answer(400, {"success": False, "error": "payload too large"})
        if not request.headers.get("content-type", "").startswith("application/json"):
            request.problems.append("content-type: must be application/json")
            return Answer(400, {"success": False, "error": "content-type must be application/json"})
        if not parse_json(request):
            return Answer(400, {"success": False, "error": "invalid JSON"})
        body = request.body
        batch = body.get("batch") if isinstance(body, dict) else None
        if not isinstance(batch, list):
            request.problems.append("batch: must be an array")
            return Answer(400, {"success": False, "error": "batch must be an array"})
        for index, message in enumerate(batch):
            if len(json.dumps(message).encode()) > MAX_MESSAGE:
                request.problems.append(f"batch[{index}]: larger than {MAX_MESSAGE} bytes")
                return Answer(400, {"success": False, "error": "message too large"})
        auth = request.basic_auth()
        key = auth[0] if auth else (body.get("writeKey") if isinstance(body, dict) else None)
        for message in batch:
            reason = self._reason_to_drop(message, key)
            if reason:
                self._drop(request, message, reason)
            else:
                self._accept(message)
        return Answer(200, SUCCESS)

    def _reason_to_drop(self, message: Any, key: Any) -> str | None:
        if not key:
            return "no write key (Basic auth user name, or writeKey in the body)"
        if self.write_key is not None and key != self.write_key:
            return "unknown write key"
        if not isinstance(message, dict):
            return "not an object"
        if message.get("type") not in TYPES:
            return f"type must be one of {sorted(TYPES)}"
        if not any(
            isinstance(message.get(k), str) and message[k] for k in ("userId", "anonymousId")
        ):
            return "no userId or anonymousId"
        if message["type"] == "track" and not (
            isinstance(message.get("event"), str) and message["event"]
        ):
            return "track without event"
        if "properties" in message and not isinstance(message["properties"], dict):
            return "properties must be an object"
        message_id = message.get("messageId")
        if message_id is not None:
            if (
                not isinstance(message_id, str)
                or not message_id
                or len(message_id) >= MAX_MESSAGE_ID
            ):
                return f"messageId must be a string under {MAX_MESSAGE_ID} characters"
            with self._lock:
                if message_id in self._message_ids:
                    return "duplicate messageId"
                self._message_ids.add(message_id)
        return None
