"""Segment (HTTP Tracking API, ``/v1/batch``): the ``Experiment Viewed`` track call.

Sources:

- HTTP API source: https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/
  (``POST https://api.segment.io/v1/batch``; HTTP Basic with the write key as user name
  and an empty password; a batch at most 500 KB and 2,500 events, each event under 32 KB;
  200 for every request except a payload too large or invalid JSON (400); events without
  ``userId``/``anonymousId``, or a track without ``event``, are not accepted; 429 with
  ``Retry-After`` past the rate limit).
- A/B testing spec, "Experiment Viewed" (``experiment_id``, ``experiment_name``,
  ``variation_id``, ``variation_name``): https://segment.com/docs/connections/spec/ab-testing/
- Duplicate data (``messageId`` deduplicated for about 24 hours, so a stable one makes a
  retry safe): https://segment.com/docs/guides/duplicate-data/
- Common fields (``messageId``, ``timestamp``, ``context.library``):
  https://segment.com/docs/connections/spec/common/

The user is the Convert visitor id (``userId``); Segment's own anonymous id for the
browser (``ajs_anonymous_id``, from the listener) is ``anonymousId`` when known.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django_convert import __version__
from django_convert.forwarding.wire import (
    InvalidEvent,
    Request,
    Verdict,
    basic_auth,
    encode,
    encode_each,
    pack,
    status_verdict,
)

MAX_BATCH_BYTES = 500 * 1024
MAX_EVENT_BYTES = 32 * 1024
MAX_EVENTS = 2500
MAX_MESSAGE_ID = 99  # "under 100 characters"
IMPRESSION = "Experiment Viewed"
CONVERSION = "Convert Goal Reached"
LIBRARY = {"name": "django-convert", "version": __version__}


def build_event(event: Mapping[str, Any]) -> dict[str, Any]:
    """One row's ``track`` message.

    :param event: ``ForwardedEvent.as_dict()``.
    :raises InvalidEvent: the message would exceed 32 KB or lack a user.
    """
    if event["kind"] == "conversion":
        properties: dict[str, Any] = {
            "goal_id": str(event["goal_id"]),
            "goal_name": str(event.get("goal_name") or ""),
        }
        if event.get("amount") is not None:
            properties["revenue"] = float(event["amount"])
            if event.get("currency"):
                properties["currency"] = str(event["currency"])
        name = CONVERSION
    else:
        properties = {
            "experiment_id": str(event["experience_id"]),
            "experiment_name": str(event.get("experience_name") or ""),
            "variation_id": str(event["variation_id"]),
            "variation_name": str(event.get("variation_name") or ""),
        }
        name = IMPRESSION
    if not event.get("visitor_id"):
        raise InvalidEvent("no userId: Segment drops a message without userId or anonymousId")
    message: dict[str, Any] = {
        "type": "track",
        "event": name,
        "userId": str(event["visitor_id"]),
        "messageId": str(event["message_id"])[:MAX_MESSAGE_ID],
        "timestamp": event["occurred_at"].isoformat(),
        "properties": properties,
        "context": {"library": LIBRARY},
    }
    if event.get("destination_id"):
        message["anonymousId"] = str(event["destination_id"])
    if len(encode(message)) >= MAX_EVENT_BYTES:
        raise InvalidEvent(f"the message is over Segment's {MAX_EVENT_BYTES} bytes per event")
    return message


def auth_header(write_key: str) -> str:
    """``Basic base64(WRITE_KEY:)``: the write key as user name, an empty password."""
    return basic_auth(write_key)


def prepare(
    events: Sequence[Mapping[str, Any]],
    *,
    url: str,
    credentials: Mapping[str, str],
    now: datetime,
) -> tuple[list[Request], dict[int, str]]:
    """Batches of at most 2,500 messages and 500 KB; the rows refused (index -> reason)."""
    kept, invalid = encode_each(events, build_event)
    head = b'{"batch":['
    tail = b'],"sentAt":' + encode(now.isoformat()) + b"}"
    headers = (
        ("Content-Type", "application/json"),
        ("Authorization", auth_header(credentials["WRITE_KEY"])),
    )
    requests = []
    for group in pack(
        [len(part) for _, part in kept],
        max_events=MAX_EVENTS,
        max_bytes=MAX_BATCH_BYTES,
        overhead=len(head) + len(tail),
    ):
        requests.append(
            Request(
                url=url,
                headers=headers,
                body=head + b",".join(kept[i][1] for i in group) + tail,
                rows=tuple(kept[i][0] for i in group),
                parts=tuple((head + kept[i][1] + tail).decode() for i in group),
            )
        )
    return requests, invalid


def verdict(status: int, text: str, retry_after: float | None) -> Verdict:
    """Segment's answer: 200 accepted; 400 (too large, bad JSON) refused and split; 429
    and 5xx retried, Retry-After honoured; 401/403/404 refused (a wrong write key)."""
    return status_verdict(status, text, retry_after, "Segment")
