"""Deliver due conversions: claim a batch, send it in one request, record the outcome.

Requests to Convert are made outside any database transaction: a slow Convert never
holds locks or a transaction open.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from django_convert.client import (
    ClientConfig,
    ConversionEvent,
    ConvertClient,
    TrackResult,
    build_body,
    encode_json,
    split_body,
)
from django_convert.conf import get_setting
from django_convert.delivery import outcome
from django_convert.delivery.backoff import retry_delay
from django_convert.delivery.claim import Claim, claim_due
from django_convert.delivery.client import get_client
from django_convert.exceptions import ConvertAPIError, ConvertTransientError
from django_convert.models import Conversion
from django_convert.models.tenants import in_each_schema

logger = logging.getLogger("django_convert")

# A rejected batch is split to find the rows Convert refuses (one bad conversion must not
# fail the good ones). Other 4xx (401, 403, 404...) concern the whole project: not split.
SPLIT_ON_STATUSES = frozenset({400, 413, 422})


@dataclass
class DeliveryReport:
    """What a delivery run did; ``str()`` gives the line ``convert_deliver`` prints.

    Counts are of conversions, except ``requests`` (HTTP requests made to Convert).
    ``claimed``: taken from the outbox; ``sent``: accepted by Convert (2xx); ``retried``:
    a retryable error (5xx, 408, 429, timeout, connection error), due again after backoff;
    ``failed``: refused by Convert (another 4xx) or out of ``MAX_ATTEMPTS``; ``released``:
    claimed but given back unsent because the run stopped; ``transient_error``: whether
    the run stopped early on a retryable error.
    """

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    released: int = 0
    requests: int = 0
    transient_error: bool = False

    def add(self, other: DeliveryReport) -> None:
        for f in fields(self):
            if f.name != "transient_error":
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        self.transient_error = self.transient_error or other.transient_error

    def __str__(self) -> str:
        return (
            f"sent {self.sent}, retried {self.retried}, failed {self.failed}, "
            f"released {self.released} (claimed {self.claimed}, {self.requests} request(s))"
        )


def _combined(reports: Any) -> DeliveryReport:
    total = DeliveryReport()
    for report in reports:
        total.add(report)
    return total


def deliver_due(
    *, limit: int | None = None, should_stop: Callable[[], bool] | None = None
) -> DeliveryReport:
    """Deliver every conversion due now, one batch of BATCH_SIZE per request.

    This is what ``convert_deliver`` and every ``DELIVERY`` mode run. Safe alongside any
    number of other workers: rows are claimed with a lease (``LEASE_SECONDS``), and an
    outcome is recorded only while the lease is held.

    :param limit: claim at most this many conversions (default: all that are due).
    :param should_stop: called between batches; ``True`` stops the run (the claimed but
        unsent rows are released).
    :returns: a :class:`DeliveryReport` with the counts.
    :raises django.core.exceptions.ImproperlyConfigured: the settings cannot reach
        Convert (no ids, a ``USER_AGENT`` without ``ConvertAgent/``, ``LEASE_SECONDS`` under
        ``2 x TIMEOUT + 2``); raised before anything is claimed. Convert's own errors
        are never raised: they are recorded on the rows.

    Pipelined: while one batch's request is in flight (on a sender thread), the next
    batch is claimed and encoded, and the previous outcome recorded, so the database work
    hides behind Convert's latency. There is never more than one request in flight.

    Stops early when Convert has a retryable failure (the rest stays due for the next
    run: no hammering a Convert that is down), when ``limit`` rows were claimed, or
    when ``should_stop()`` says so between batches.
    """
    client = get_client()  # a configuration error is raised before anything is claimed
    visits = in_each_schema(lambda: deliver_due(limit=limit, should_stop=should_stop))
    if visits is not None:  # django-tenants: one outbox per tenant schema (models/tenants.py)
        return _combined(report for _, report in visits)
    due_at = timezone.now()  # rows whose retry falls due during this run wait for the next
    report = DeliveryReport()
    claimed = 0

    def stopping() -> bool:
        return report.transient_error or bool(should_stop and should_stop())

    def claim_next() -> _Batch | None:
        nonlocal claimed
        size = int(get_setting("BATCH_SIZE"))
        if limit is not None:
            size = min(size, limit - claimed)
        if size <= 0 or stopping():
            return None
        claim = claim_due(size, due_at=due_at)
        claimed += len(claim.rows)
        return _prepare(client.config, claim, claim.rows) if claim.rows else None

    in_flight: _InFlight | None = None
    while True:
        upcoming = claim_next()  # overlaps the request in flight
        if in_flight is not None:
            batch, answer = in_flight.batch, in_flight.answer()
            in_flight = None
            if (
                isinstance(answer, TrackResult)
                and upcoming is not None
                and not stopping()
                and _may_send(upcoming, client)
            ):
                in_flight, upcoming = _InFlight(client, upcoming), None
            # Failures (split, retry) are handled here, synchronously, before going on.
            report.add(deliver_claim(batch.claim, first=(batch, answer)))
        if upcoming is not None:
            if stopping():
                report.add(_release(upcoming.claim))  # stopping was asked for, or Convert is down
            elif not _may_send(upcoming, client):
                report.add(_release(upcoming.claim, LEASE_TOO_SHORT))
            else:
                in_flight = _InFlight(client, upcoming)
        if in_flight is None:
            break
    return report


def deliver_conversions(
    ids: Collection[int], *, should_stop: Callable[[], bool] | None = None
) -> DeliveryReport:
    """Deliver these conversions now if they are due (``DELIVERY="immediate"``, and a
    process's own conversions at exit).

    Stops between batches when Convert has a retryable failure (the rest stays due) or
    when ``should_stop()`` says so.

    :param ids: primary keys of ``Conversion`` rows; rows that are not due (sent, failed,
        held by another worker, waiting for a retry) are skipped.
    :param should_stop: asked between batches; True stops the run.
    :returns: a :class:`DeliveryReport`.
    :raises django.core.exceptions.ImproperlyConfigured: as :func:`deliver_due`.
    """
    get_client()
    # django-tenants from the public schema (a process's exit): the ids may be in any
    # tenant's outbox; a row of another schema with the same id is due anyway.
    visits = in_each_schema(lambda: deliver_conversions(ids, should_stop=should_stop))
    if visits is not None:
        return _combined(report for _, report in visits)
    report = DeliveryReport()
    remaining = list(ids)
    while remaining and not report.transient_error and not (should_stop and should_stop()):
        size = int(get_setting("BATCH_SIZE"))
        claim = claim_due(size, ids=remaining[:size])
        remaining = remaining[size:]
        if claim.rows:
            report.add(deliver_claim(claim))
    return report


def deliver_claim(claim: Claim, *, first: tuple[_Batch, _Answer] | None = None) -> DeliveryReport:
    """Send claimed rows (splitting a rejected batch), and record what happened.

    ``first``: the whole claim was already sent (by the pipeline) with this answer.
    """
    report = DeliveryReport(claimed=len(claim.rows))
    client = get_client()
    pending: list[list[Conversion]] = [claim.rows]
    while pending:
        rows = pending.pop(0)
        if first is not None:
            batch, answer = first
            first = None
        else:
            batch = _prepare(client.config, claim, rows)
            if not _may_send(batch, client):
                untried = [row.pk for group in [rows, *pending] for row in group]
                released = outcome.release(untried, claim.token)
                if released:
                    logger.warning(
                        "%d conversion(s) given back untried: %s", released, LEASE_TOO_SHORT
                    )
                report.released += released
                break
            answer = _post(client, batch.payload)
        report.requests += 1
        result = _record(batch, answer)
        report.sent += result.sent
        report.failed += result.failed
        report.retried += result.retried
        pending[:0] = result.split
        if result.transient:
            report.transient_error = True
            rest = [row for group in pending for row in group]
            retried, failed = _retry(claim, rest, result.error_for_rest, None)
            report.retried += retried
            report.failed += failed
            break
    return report


@dataclass
class _SendResult:
    sent: int = 0
    failed: int = 0
    retried: int = 0
    transient: bool = False
    split: list[list[Conversion]] = field(default_factory=list)
    error_for_rest: str = ""


_Answer = TrackResult | ConvertAPIError


@dataclass
class _Batch:
    claim: Claim
    rows: list[Conversion]
    payload: bytes
    requests: dict[int, dict[str, Any]]


def _prepare(config: ClientConfig, claim: Claim, rows: list[Conversion]) -> _Batch:
    events = [to_event(row) for row in rows]
    payload = encode_json(build_body(config, events))
    # What the admin shows as "request sent": each conversion's own part of the batch.
    requests = {
        row.pk: {"url": config.endpoint, "batch_size": len(rows), "body": part}
        for row, part in zip(rows, split_body(json.loads(payload), events), strict=True)
    }
    return _Batch(claim, rows, payload, requests)


class _InFlight:
    """One request running on its own daemon thread (HTTP only, no database).

    A plain thread rather than an executor: executors refuse new work once interpreter
    shutdown begins, while the background worker may still be finishing a batch.
    """

    def __init__(self, client: ConvertClient, batch: _Batch) -> None:
        self.batch = batch
        self._done = threading.Event()
        self._answer: _Answer | None = None
        self._error: BaseException | None = None
        threading.Thread(
            target=self._run, args=(client,), name="django-convert-send", daemon=True
        ).start()

    def _run(self, client: ConvertClient) -> None:
        try:
            self._answer = _post(client, self.batch.payload)
        except BaseException as exc:  # re-raised in the delivering thread
            self._error = exc
        finally:
            self._done.set()

    def answer(self) -> _Answer:
        self._done.wait()
        if self._error is not None:
            raise self._error
        assert self._answer is not None
        return self._answer


def _post(client: ConvertClient, payload: bytes) -> _Answer:
    """Runs on the sender thread: HTTP only, no database."""
    try:
        return client.post(payload)
    except ConvertAPIError as exc:
        return exc


def _may_send(batch: _Batch, client: ConvertClient) -> bool:
    """Whether the batch's lease outlasts one more request running into the timeout."""
    left = (batch.claim.lease_expires - timezone.now()).total_seconds()
    return left > client.config.timeout + 1.0


def _release(claim: Claim, why: str = "") -> DeliveryReport:
    released = outcome.release([row.pk for row in claim.rows], claim.token)
    if why and released:
        logger.warning("%d conversion(s) given back untried: %s", released, why)
    return DeliveryReport(claimed=len(claim.rows), released=released)


LEASE_TOO_SHORT = (
    "their lease would run out before Convert's answer (the database work took longer than "
    "LEASE_SECONDS - TIMEOUT); they are due again now"
)


def _record(batch: _Batch, answer: _Answer) -> _SendResult:
    claim, rows, requests = batch.claim, batch.rows, batch.requests
    pks = [row.pk for row in rows]
    if isinstance(answer, TrackResult):
        sent = outcome.mark_sent(pks, claim.token, requests, answer.status_code, answer.body)
        return _SendResult(sent=sent)
    if isinstance(answer, ConvertTransientError):
        retried, failed = _retry(claim, rows, str(answer), answer, requests)
        return _SendResult(
            retried=retried, failed=failed, transient=True, error_for_rest=str(answer)
        )
    if len(rows) > 1 and answer.status_code in SPLIT_ON_STATUSES:
        half = len(rows) // 2
        return _SendResult(split=[rows[:half], rows[half:]])
    rejected = outcome.mark_failed(
        pks, claim.token, requests, str(answer), answer.status_code, answer.response_body
    )
    return _SendResult(failed=rejected)


def _retry(
    claim: Claim,
    rows: Sequence[Conversion],
    error: str,
    exc: ConvertTransientError | None,
    requests: dict[int, dict[str, Any]] | None = None,
) -> tuple[int, int]:
    """Back off rows with attempts left; fail the others. Returns (retried, failed)."""
    max_attempts = int(get_setting("MAX_ATTEMPTS"))
    base, cap = float(get_setting("RETRY_BASE_DELAY")), float(get_setting("RETRY_MAX_DELAY"))
    requests = requests or {}
    status = exc.status_code if exc else None
    body = exc.response_body if exc else ""
    exhausted = [row for row in rows if row.attempts >= max_attempts]
    again = [row for row in rows if row.attempts < max_attempts]
    failed = 0
    if exhausted:
        failed = outcome.mark_failed(
            [row.pk for row in exhausted],
            claim.token,
            {row.pk: requests.get(row.pk) for row in exhausted},
            f"Gave up after {max_attempts} attempts. Last error: {error}",
            status,
            body,
        )
    now = timezone.now()
    retry_after = exc.retry_after if exc else None
    next_attempts: dict[int, datetime] = {
        row.pk: now
        + timedelta(seconds=retry_delay(row.attempts, base=base, cap=cap, retry_after=retry_after))
        for row in again
    }
    retried = outcome.mark_retry(
        [row.pk for row in again],
        claim.token,
        {row.pk: requests.get(row.pk) for row in again},
        next_attempts,
        error,
        status,
        body,
    )
    return retried, failed


def to_event(row: Conversion) -> ConversionEvent:
    return ConversionEvent(
        visitor_id=row.visitor_id,
        goal_id=row.goal_id,
        goal_data=row.goal_data(),
        bucketing={str(k): str(v) for k, v in (row.bucketing or {}).items()},
        segments=dict(row.segments or {}),
    )
