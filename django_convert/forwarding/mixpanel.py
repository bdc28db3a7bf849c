"""Mixpanel (Import API, ``/import?strict=1``): the ``$experiment_started`` event.

Sources:

- Import events: https://developer.mixpanel.com/reference/import-events (also
  https://docs.mixpanel.com/reference/import-events): at most 2,000 events per request;
  each ``{event, properties}`` with ``time`` (seconds since epoch, not more than an hour
  ahead), ``distinct_id`` and ``$insert_id`` (at most 36 letters, digits or ``-``);
  deduplicated on (event, time, distinct_id, ``$insert_id``); HTTP Basic with a service
  account, or the project token (or the project's API secret) as user name and an empty
  password; 429/502/503 retried with backoff and jitter.
- 400 with ``strict=1`` is a partial success, ``failed_records`` naming each event refused
  (``index``, ``insert_id``, ``field``, ``message``) while the others are imported:
  https://docs.mixpanel.com/troubleshooting/errors/400-bad-request
- Experiments: ``$experiment_started`` with ``Experiment name`` and ``Variant name``:
  https://docs.mixpanel.com/docs/reports/apps/experiments

The user is the Convert visitor id (``distinct_id``); Mixpanel's device id for the browser
(from the listener) is ``$device_id`` when known. The request body is kept under 2 MB, the
lower of the limits Mixpanel has published (2 MB, later 10 MB).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from django_convert.forwarding.wire import (
    PARTIAL,
    InvalidEvent,
    Request,
    Verdict,
    basic_auth,
    encode_each,
    pack,
    status_verdict,
)

MAX_EVENTS = 2000
MAX_BYTES = 2 * 1024 * 1024
INSERT_ID = re.compile(r"^[A-Za-z0-9-]{1,36}$")
MAX_AHEAD = timedelta(hours=1)
EARLIEST_YEAR = 1971
IMPRESSION = "$experiment_started"
CONVERSION = "Convert Goal Reached"
#: distinct_id values Mixpanel refuses as placeholders (400 Bad Request page).
INVALID_DISTINCT_IDS = frozenset(
    {
        "00000000-0000-0000-0000-000000000000",
        "anon",
        "anonymous",
        "nil",
        "none",
        "null",
        "n/a",
        "na",
        "undefined",
        "unknown",
        "<nil>",
        "0",
        "-1",
        "true",
        "false",
        "[]",
        "{}",
    }
)


def build_event(event: Mapping[str, Any], *, token: str, now: datetime) -> dict[str, Any]:
    """One row's Mixpanel event.

    :param event: ``ForwardedEvent.as_dict()``.
    :param token: the project token (the ``token`` property).
    :raises InvalidEvent: ``$insert_id``, ``distinct_id`` or ``time`` break the Import
        API's rules.
    """
    occurred: datetime = event["occurred_at"]
    distinct_id = str(event["visitor_id"])
    insert_id = str(event["message_id"])
    if not INSERT_ID.match(insert_id):
        raise InvalidEvent(f"$insert_id {insert_id!r} is not 1-36 letters, digits or -")
    if distinct_id.casefold() in INVALID_DISTINCT_IDS:
        raise InvalidEvent(f"distinct_id {distinct_id!r} is a placeholder Mixpanel refuses")
    if occurred - now > MAX_AHEAD:
        raise InvalidEvent("time is more than an hour ahead")
    if occurred.year < EARLIEST_YEAR:
        raise InvalidEvent("time is before 1971")
    properties: dict[str, Any] = {
        "time": int(occurred.timestamp()),
        "distinct_id": distinct_id,
        "$insert_id": insert_id,
        "token": token,
    }
    if event["kind"] == "conversion":
        properties["Goal id"] = str(event["goal_id"])
        properties["Goal name"] = str(event.get("goal_name") or event["goal_id"])
        if event.get("amount") is not None:
            properties["Revenue"] = float(event["amount"])
            if event.get("currency"):
                properties["Currency"] = str(event["currency"])
        name = CONVERSION
    else:
        properties["Experiment name"] = str(event.get("experience_name") or event["experience_id"])
        properties["Variant name"] = str(event.get("variation_name") or event["variation_id"])
        properties["Experiment id"] = str(event["experience_id"])
        properties["Variant id"] = str(event["variation_id"])
        name = IMPRESSION
    if event.get("destination_id"):
        properties["$device_id"] = str(event["destination_id"])
    return {"event": name, "properties": properties}


def auth_header(credentials: Mapping[str, str]) -> str:
    """HTTP Basic: the project's API secret when given, else the project token, as user
    name with an empty password (both documented for ``/import``)."""
    return basic_auth(credentials.get("API_SECRET") or credentials["PROJECT_TOKEN"])


def prepare(
    events: Sequence[Mapping[str, Any]],
    *,
    url: str,
    credentials: Mapping[str, str],
    now: datetime,
) -> tuple[list[Request], dict[int, str]]:
    """Requests of at most 2,000 events and 2 MB; the rows refused (index -> reason)."""
    token = credentials["PROJECT_TOKEN"]
    kept, invalid = encode_each(events, lambda event: build_event(event, token=token, now=now))
    target = f"{url}{'&' if '?' in url else '?'}strict=1"
    headers = (
        ("Content-Type", "application/json"),
        ("Accept", "application/json"),
        ("Authorization", auth_header(credentials)),
    )
    requests = []
    for group in pack(
        [len(part) for _, part in kept], max_events=MAX_EVENTS, max_bytes=MAX_BYTES, overhead=2
    ):
        requests.append(
            Request(
                url=target,
                headers=headers,
                body=b"[" + b",".join(kept[i][1] for i in group) + b"]",
                rows=tuple(kept[i][0] for i in group),
                parts=tuple(f"[{kept[i][1].decode()}]" for i in group),
            )
        )
    return requests, invalid


def verdict(status: int, text: str, retry_after: float | None) -> Verdict:
    """Mixpanel's answer: 200 imported; 400 with ``failed_records`` a partial success
    (positions refused, with Mixpanel's message; the rest imported); 400 without them,
    401, 403, 413 refused (400/413 split); 429 and 5xx retried."""
    if status == 400:
        failed = _failed_records(text)
        if failed:
            return Verdict(PARTIAL, "Mixpanel refused some events", "rejected", failed=failed)
    return status_verdict(status, text, retry_after, "Mixpanel")


def _failed_records(text: str) -> dict[int, str]:
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    records = data.get("failed_records") if isinstance(data, dict) else None
    if not isinstance(records, list):
        return {}
    failed: dict[int, str] = {}
    for record in records:
        if isinstance(record, dict) and isinstance(record.get("index"), int):
            failed[record["index"]] = (
                f"Mixpanel refused it: {record.get('field', '')}: {record.get('message', '')}"
            )
    return failed
