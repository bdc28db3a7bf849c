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
    split_body,
)
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
    events = [to_event(row) for row in rows]
    body = build_body(config, events)
    payload = encode_json(body)
    requests = {
        row.pk: encode_json(
            {"url": config.endpoint, "batch_size": len(rows), "body": part}
        ).decode()
        for row, part in zip(rows, split_body(body, events), strict=True)
    }
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
