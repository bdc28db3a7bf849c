"""A claimed batch, encoded once, and its request on a sender thread.

The body is encoded once for the request; each row's own part of it (what the admin and
``convert_doctor`` show as "request sent") is cut from the same body dict and encoded as
JSON text, which the outcome UPDATE stores as it is.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from django_convert.client import (
    ClientConfig,
    ConversionEvent,
    ConvertClient,
    TrackResult,
    build_body,
    encode_json,
)
from django_convert.client.body import _visitor_key as visitor_key
from django_convert.delivery.claim import Claim
from django_convert.exceptions import ConvertAPIError
from django_convert.models import Conversion
from django_convert.models.memorydb import released

Answer = TrackResult | ConvertAPIError


@dataclass
class Batch:
    claim: Claim
    rows: list[Conversion]
    payload: bytes
    requests: dict[int, str]  # pk -> JSON text of {url, batch_size, body: its own part}


def prepare(config: ClientConfig, claim: Claim, rows: list[Conversion]) -> Batch:
    """Encode the batch's body once, by parts: each visitor entry's head and each event
    are encoded on their own and joined into the payload, and each row's request (what
    the admin shows) is joined from the same parts, so nothing is encoded twice."""
    events = [to_event(row) for row in rows]
    body = build_body(config, events)
    envelope = encode_json({k: v for k, v in body.items() if k != "visitors"})[:-1]
    entries: list[tuple[bytes, list[bytes]]] = []
    for entry in body["visitors"]:
        head = encode_json({k: v for k, v in entry.items() if k != "events"})[:-1]
        entries.append((head, [encode_json(event) for event in entry["events"]]))
    payload = b"".join(
        [
            envelope,
            b',"visitors":[',
            b",".join(head + b',"events":[' + b",".join(parts) + b"]}" for head, parts in entries),
            b"]}",
        ]
    )
    # Each row's own part, as build_body grouped them: entries in order of first
    # appearance, events in order within an entry. A visitor with one entry needs no key.
    prefix = encode_json({"url": config.endpoint, "batch_size": len(rows)})[:-1] + b',"body":'
    by_visitor: dict[str, list[int]] = {}
    for index, entry in enumerate(body["visitors"]):
        by_visitor.setdefault(entry["visitorId"], []).append(index)
    snapshots: dict[str, dict[tuple[str, str], int]] = {}  # visitor -> its keys' entries
    seen: dict[int, int] = {}
    requests: dict[int, str] = {}
    for row, event in zip(rows, events, strict=True):
        candidates = by_visitor[event.visitor_id]
        if len(candidates) == 1:
            index = candidates[0]
        else:  # one visitor, several segment snapshots: entries in order of first use
            known = snapshots.setdefault(event.visitor_id, {})
            key = visitor_key(event)
            if key not in known:
                known[key] = candidates[len(known)]
            index = known[key]
        position = seen[index] = seen.get(index, -1) + 1
        head, parts = entries[index]
        visitor = head + b',"events":[' + parts[position] + b"]}"
        requests[row.pk] = (prefix + envelope + b',"visitors":[' + visitor + b"]}}").decode()
    return Batch(claim, rows, payload, requests)


def to_event(row: Conversion) -> ConversionEvent:
    return ConversionEvent(
        visitor_id=row.visitor_id,
        goal_id=row.goal_id,
        goal_data=row.goal_data(),
        bucketing={str(k): str(v) for k, v in (row.bucketing or {}).items()},
        segments=dict(row.segments or {}),
    )


def post(client: ConvertClient, payload: bytes, timeout: float | None = None) -> Answer:
    """HTTP only, no database: Convert's answer, or the error that stands for it."""
    try:
        with released():
            return client.post(payload, timeout=timeout)
    except ConvertAPIError as exc:
        return exc


class InFlight:
    """One request running on its own daemon thread (HTTP only, no database).

    A plain thread rather than an executor: executors refuse new work once interpreter
    shutdown begins, while the background worker may still be finishing a batch.
    """

    def __init__(self, client: ConvertClient, batch: Batch, timeout: float | None = None) -> None:
        self.batch = batch
        self._done = threading.Event()
        self._answer: Answer | None = None
        self._error: BaseException | None = None
        threading.Thread(
            target=self._run, args=(client, timeout), name="django-convert-send", daemon=True
        ).start()

    def _run(self, client: ConvertClient, timeout: float | None) -> None:
        try:
            self._answer = post(client, self.batch.payload, timeout)
        except BaseException as exc:  # re-raised in the delivering thread
            self._error = exc
        finally:
            self._done.set()

    def answer(self) -> Answer:
        with released():  # in-memory SQLite: checkouts may write while Convert answers
            self._done.wait()  # bounded: the request has a total deadline (client/deadline.py)
        if self._error is not None:
            raise self._error
        assert self._answer is not None
        return self._answer
