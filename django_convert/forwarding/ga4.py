"""GA4 (Measurement Protocol): the ``experience_impression`` event, validated before
sending, since GA4 answers 2xx to anything and does not deduplicate.

Sources:

- Sending events (``POST /mp/collect?measurement_id=&api_secret=``, ``client_id``
  required for web streams, ``user_id`` optional, ``timestamp_micros`` up to 72 hours in
  the past): https://developers.google.com/analytics/devguides/collection/protocol/ga4/sending-events
- Reference (at most 25 events per request and 25 params per event, names at most 40
  characters of letters, digits and ``_`` starting with a letter, param values at most 100
  characters, body under 130 kB, ``user_id`` at most 256 characters; "the Measurement
  Protocol always returns a 2xx status code"):
  https://developers.google.com/analytics/devguides/collection/protocol/ga4/reference
- Validating events (``/debug/mp/collect``):
  https://developers.google.com/analytics/devguides/collection/protocol/ga4/validating-events
- The A/B-testing convention: an ``experience_impression`` event whose
  ``exp_variant_string`` is ``<TOOL>-<experiment id>-<variant id>``, as Google documents
  for third-party testing tools: https://support.google.com/analytics/answer/12979939

The user is the Convert visitor id (``user_id``). ``client_id`` is GA4's own id for the
browser, read by the listener from the ``_ga`` cookie; when the listener did not see one
(GA4's tag not on the page, or no consent for it), the Convert visitor id stands in as
``client_id``: GA4 then counts the impression as a separate client, joined to the browser's
session only through ``user_id`` (documented in docs/forwarding.rst).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django_convert.forwarding.wire import (
    InvalidEvent,
    Request,
    Verdict,
    encode,
    pack,
    status_verdict,
)

MAX_EVENTS = 25
MAX_PARAMS = 25
MAX_NAME = 40
MAX_VALUE = 100
MAX_USER_ID = 256
MAX_BODY = 130_000  # "smaller than 130kB"
MAX_AGE = timedelta(hours=72)
NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")
IMPRESSION = "experience_impression"
CONVERSION = "convert_conversion"
VARIANT_PREFIX = "CONVERT"


def variant_string(experience_id: str, variation_id: str) -> str:
    """``CONVERT-<experienceId>-<variationId>``: GA4's ``exp_variant_string``."""
    return f"{VARIANT_PREFIX}-{experience_id}-{variation_id}"


def build_event(
    event: Mapping[str, Any], *, now: datetime
) -> tuple[tuple[str, str, int], dict[str, Any]]:
    """One row's GA4 event and the request it belongs in: ``((client_id, user_id,
    timestamp_micros), {"name", "params"})``.

    :param event: ``ForwardedEvent.as_dict()``.
    :raises InvalidEvent: the event is older than 72 hours, or an id is out of GA4's
        bounds (GA4 would drop it while answering 2xx).
    """
    occurred: datetime = event["occurred_at"]
    if now - occurred > MAX_AGE:
        raise InvalidEvent(
            f"GA4 drops events more than 72 hours old (this one is from {occurred:%Y-%m-%d %H:%M} "
            "UTC): never sent"
        )
    user_id = str(event["visitor_id"])
    client_id = str(event.get("destination_id") or user_id)
    if len(user_id) > MAX_USER_ID:
        raise InvalidEvent(f"user_id is longer than {MAX_USER_ID} characters")
    if event["kind"] == "conversion":
        params: dict[str, Any] = {
            "goal_id": str(event["goal_id"]),
            "goal_name": _value(event.get("goal_name") or event["goal_id"]),
        }
        if event.get("amount") is not None:
            params["value"] = float(event["amount"])
            if event.get("currency"):
                params["currency"] = str(event["currency"])
        body = {"name": CONVERSION, "params": params}
    else:
        body = {
            "name": IMPRESSION,
            "params": {
                "exp_variant_string": variant_string(event["experience_id"], event["variation_id"]),
                "experience_id": str(event["experience_id"]),
                "experience_name": _value(event.get("experience_name") or event["experience_id"]),
                "variation_id": str(event["variation_id"]),
                "variation_name": _value(event.get("variation_name") or event["variation_id"]),
            },
        }
    problems = validate_event(body)
    if problems:
        raise InvalidEvent("; ".join(problems))
    micros = int(occurred.timestamp()) * 1_000_000 + occurred.microsecond
    return (client_id, user_id, micros), body


def _value(text: Any) -> str:
    """A param value within 100 characters (a longer synced name is cut, not refused)."""
    return str(text)[:MAX_VALUE]


def validate_event(event: Mapping[str, Any]) -> list[str]:
    """GA4's rules for one event (Reference: names, count of params, values); ``[]``
    when valid."""
    problems = []
    if not NAME.match(str(event.get("name", ""))):
        problems.append(f"event name {event.get('name')!r} breaks GA4's naming rules")
    params = event.get("params", {})
    if len(params) > MAX_PARAMS:
        problems.append(f"more than {MAX_PARAMS} params")
    for key, value in params.items():
        if not NAME.match(key):
            problems.append(f"param name {key!r} breaks GA4's naming rules")
        if isinstance(value, str) and len(value) > MAX_VALUE:
            problems.append(f"param {key} is longer than {MAX_VALUE} characters")
    return problems


def prepare(
    events: Sequence[Mapping[str, Any]],
    *,
    url: str,
    credentials: Mapping[str, str],
    now: datetime,
) -> tuple[list[Request], dict[int, str]]:
    """The requests for these rows, and the rows refused (index -> reason).

    One request carries one client's events (``client_id``, ``user_id`` and the event
    time are per request), at most 25 and under 130 kB.
    """
    invalid: dict[int, str] = {}
    groups: dict[tuple[str, str, int], list[tuple[int, dict[str, Any]]]] = {}
    for index, event in enumerate(events):
        try:
            key, built = build_event(event, now=now)
        except InvalidEvent as error:
            invalid[index] = str(error)
            continue
        groups.setdefault(key, []).append((index, built))
    query = {
        "measurement_id": credentials["MEASUREMENT_ID"],
        "api_secret": credentials["API_SECRET"],
    }
    target = f"{url}{'&' if '?' in url else '?'}{urlencode(query)}"
    headers = (("Content-Type", "application/json"),)
    requests: list[Request] = []
    for (client_id, user_id, micros), items in groups.items():
        envelope = {"client_id": client_id, "user_id": user_id, "timestamp_micros": micros}
        head = encode(envelope)[:-1] + b',"events":['
        parts = [encode(built) for _, built in items]
        for group in pack(
            [len(p) for p in parts],
            max_events=MAX_EVENTS,
            max_bytes=MAX_BODY - 1,
            overhead=len(head) + 2,
        ):
            body = head + b",".join(parts[i] for i in group) + b"]}"
            requests.append(
                Request(
                    url=target,
                    headers=headers,
                    body=body,
                    rows=tuple(items[i][0] for i in group),
                    parts=tuple((head + parts[i] + b"]}").decode() for i in group),
                )
            )
    return requests, invalid


def verdict(status: int, text: str, retry_after: float | None) -> Verdict:
    """GA4's answer: any 2xx is taken as accepted (GA4 says nothing more, which is why
    events are validated before sending); 429 and 5xx retried; other 4xx (a wrong
    ``api_secret`` or ``measurement_id`` gives no error either) refused."""
    return status_verdict(status, text, retry_after, "GA4")
