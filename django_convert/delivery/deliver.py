"""Deliver due conversions: claim a batch, send it in one request, record the outcome.

Requests to Convert are made outside any database transaction: a slow Convert never
holds locks or a transaction open. Each request has a total deadline (``TIMEOUT``), and
Convert's answer is kept until the database has recorded it (``durable.py``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, fields

from django.db import DatabaseError
from django.utils import timezone

from django_convert.client import ConvertClient, TrackResult
from django_convert.conf import get_setting
from django_convert.delivery.batch import Answer, Batch, InFlight, post, prepare
from django_convert.delivery.claim import Claim, claim_due, release
from django_convert.delivery.client import get_client
from django_convert.delivery.durable import is_connection_error
from django_convert.delivery.recording import record
from django_convert.models import Conversion
from django_convert.models.tenants import in_each_schema

logger = logging.getLogger("django_convert")


@dataclass
class DeliveryReport:
    """What a delivery run did; ``str()`` gives the line ``convert_deliver`` prints.

    Counts are of conversions, except ``requests`` (HTTP requests made to Convert).
    ``claimed``: taken from the outbox; ``sent``: accepted by Convert (its 200 and JSON
    answer); ``retried``: a retryable error (5xx, 408, 425, 429, no complete answer within
    TIMEOUT, a connection error, an answer that is not Convert's), due again after
    backoff; ``failed``: refused by Convert (a 4xx with its JSON error, or 413), or
    retried for RETRY_DAYS in vain; ``released``: claimed but given back unsent because
    the run stopped; ``unrecorded``: answered by Convert, but the run stopped before the
    database could record it (they may be sent again); ``transient_error``: whether the
    run stopped early on a retryable error.
    """

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    released: int = 0
    unrecorded: int = 0
    requests: int = 0
    transient_error: bool = False
    #: Events forwarded to analytics destinations (FORWARD) in the same run: accepted,
    #: backed off for a retry, failed (forwarding.deliver).
    forwarded: int = 0
    forward_retried: int = 0
    forward_failed: int = 0

    def add(self, other: DeliveryReport) -> None:
        for f in fields(self):
            if f.name != "transient_error":
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        self.transient_error = self.transient_error or other.transient_error

    def __str__(self) -> str:
        unrecorded = f", unrecorded {self.unrecorded}" if self.unrecorded else ""
        forwarded = (
            f"; forwarded {self.forwarded}, retried {self.forward_retried}, failed "
            f"{self.forward_failed}"
            if self.forwarded or self.forward_retried or self.forward_failed
            else ""
        )
        return (
            f"sent {self.sent}, retried {self.retried}, failed {self.failed}, "
            f"released {self.released}{unrecorded} (claimed {self.claimed}, "
            f"{self.requests} request(s)){forwarded}"
        )


def _combined(reports: Iterable[DeliveryReport]) -> DeliveryReport:
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
        unsent rows are released, the answer in flight is recorded first).
    :returns: a :class:`DeliveryReport` with the counts.
    :raises django.core.exceptions.ImproperlyConfigured: the settings cannot reach
        Convert (no ids, a ``USER_AGENT`` without ``ConvertAgent/``, ``LEASE_SECONDS`` under
        ``2 x TIMEOUT + 2``); raised before anything is claimed. Convert's own errors
        are never raised: they are recorded on the rows.
    :raises django.db.DatabaseError: the database failed while claiming; Convert's answer
        to the batch in flight was recorded first (it waits for the database).

    Pipelined: while one batch's request is in flight (on a sender thread), the next
    batch is claimed and encoded, and the previous outcome recorded, so the database work
    hides behind Convert's latency. There is never more than one request in flight.

    Stops early when Convert has a retryable failure (the rest stays due for the next
    run: no hammering a Convert that is down), when ``limit`` rows were claimed, or
    when ``should_stop()`` says so between batches.

    Then the events due for the analytics destinations configured in ``FORWARD`` are
    delivered (:func:`django_convert.forwarding.deliver.deliver_forwarded`), counted in
    ``forwarded``, ``forward_retried`` and ``forward_failed``.
    """
    client = get_client()  # a configuration error is raised before anything is claimed
    visits = in_each_schema(lambda: deliver_due(limit=limit, should_stop=should_stop))
    if visits is not None:  # django-tenants: one outbox per tenant schema (models/tenants.py)
        return _combined(report for _, report in visits)
    due_at = timezone.now()  # rows whose retry falls due during this run wait for the next
    report = DeliveryReport()
    claimed = 0
    claim_error: DatabaseError | None = None
    next_takeover_check = 0.0  # expired leases: looked for first, then every second

    def stopping() -> bool:
        return (
            report.transient_error or claim_error is not None or bool(should_stop and should_stop())
        )

    def claim_next() -> Batch | None:
        nonlocal claimed, claim_error, next_takeover_check
        size = int(get_setting("BATCH_SIZE"))
        if limit is not None:
            size = min(size, limit - claimed)
        if size <= 0 or stopping():
            return None
        takeovers = time.monotonic() >= next_takeover_check
        try:
            claim = claim_due(size, due_at=due_at, takeovers=takeovers)
        except DatabaseError as error:
            if not is_connection_error(error):
                raise
            claim_error = error  # raised once the answer in flight is recorded
            return None
        if takeovers and not claim.taken_over:  # none waiting: a batch is one statement
            next_takeover_check = time.monotonic() + TAKEOVER_CHECK_SECONDS
        claimed += len(claim.rows)
        return prepare(client.config, claim, claim.rows) if claim.rows else None

    in_flight: InFlight | None = None
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
                in_flight, upcoming = InFlight(client, upcoming), None
            # Failures (split, retry) are handled here, synchronously, before going on.
            report.add(deliver_claim(batch.claim, first=(batch, answer), should_stop=should_stop))
        if upcoming is not None:
            if stopping():
                report.add(_release(upcoming.claim))  # stopping was asked for, or Convert is down
            elif not _may_send(upcoming, client):
                report.add(_release(upcoming.claim, LEASE_TOO_SHORT))
            else:
                in_flight = InFlight(client, upcoming)
        if in_flight is None:
            break
    if claim_error is not None:
        raise claim_error
    _forward(report, should_stop)
    return report


def _forward(report: DeliveryReport, should_stop: Callable[[], bool] | None) -> None:
    """Deliver the events due for analytics destinations (``FORWARD``), whatever
    Convert's state: each destination is backed off on its own (forwarding.deliver)."""
    from django_convert.forwarding.deliver import deliver_forwarded

    for result in deliver_forwarded(should_stop=should_stop).values():
        report.forwarded += result.sent
        report.forward_retried += result.retried
        report.forward_failed += result.failed


def deliver_conversions(
    ids: Collection[int],
    *,
    should_stop: Callable[[], bool] | None = None,
    until: float | None = None,
) -> DeliveryReport:
    """Deliver these conversions now if they are due (``DELIVERY="immediate"``, and a
    process's own conversions at exit).

    Stops between batches when Convert has a retryable failure (the rest stays due) or
    when ``should_stop()`` says so.

    :param ids: primary keys of ``Conversion`` rows; rows that are not due (sent, failed,
        held by another worker, waiting for a retry) are skipped.
    :param should_stop: asked between batches; True stops the run.
    :param until: a ``time.monotonic()`` deadline: each request must end by then (a
        request that could not is not sent).
    :returns: a :class:`DeliveryReport`.
    :raises django.core.exceptions.ImproperlyConfigured: as :func:`deliver_due`.
    """
    get_client()
    # django-tenants from the public schema (a process's exit): the ids may be in any
    # tenant's outbox; a row of another schema with the same id is due anyway.
    visits = in_each_schema(lambda: deliver_conversions(ids, should_stop=should_stop, until=until))
    if visits is not None:
        return _combined(report for _, report in visits)
    report = DeliveryReport()
    remaining = list(ids)
    while remaining and not report.transient_error and not (should_stop and should_stop()):
        if until is not None and until - time.monotonic() < MIN_REQUEST_SECONDS:
            break
        size = int(get_setting("BATCH_SIZE"))
        claim = claim_due(size, ids=remaining[:size])
        remaining = remaining[size:]
        if claim.rows:
            report.add(deliver_claim(claim, should_stop=should_stop, until=until))
    return report


MIN_REQUEST_SECONDS = 0.5  # below this before a deadline, a request is not started
TAKEOVER_CHECK_SECONDS = 1.0  # how often a run looks for expired leases between batches


def deliver_claim(
    claim: Claim,
    *,
    first: tuple[Batch, Answer] | None = None,
    should_stop: Callable[[], bool] | None = None,
    until: float | None = None,
) -> DeliveryReport:
    """Send claimed rows (splitting a rejected batch), and record what happened.

    ``first``: the whole claim was already sent (by the pipeline) with this answer.
    """
    report = DeliveryReport(claimed=len(claim.rows))
    client = get_client()
    pending = [claim.rows]
    while pending:
        rows = pending.pop(0)
        if first is not None:
            batch, answer = first
            first = None
        else:
            batch = prepare(client.config, claim, rows)
            timeout = (
                None if until is None else min(client.config.timeout, until - time.monotonic())
            )
            if not _may_send(batch, client) or (
                timeout is not None and timeout < MIN_REQUEST_SECONDS
            ):
                why = LEASE_TOO_SHORT if timeout is None else "the exit deadline is near"
                report.add(
                    _release(claim, why, [row for group in [rows, *pending] for row in group])
                )
                break
            answer = post(client, batch.payload, timeout)
        report.requests += 1
        result = record(batch, answer, should_stop)
        report.sent += result.sent
        report.failed += result.failed
        report.retried += result.retried
        report.unrecorded += result.unrecorded
        pending[:0] = result.split
        if result.transient is not None or result.unrecorded:
            report.transient_error = result.transient is not None
            rest = [row for group in pending for row in group]
            if rest:  # not tried: back to the queue as they were
                report.add(_release(claim, "", rest))
            break
    return report


def _may_send(batch: Batch, client: ConvertClient) -> bool:
    """Whether the batch's lease outlasts one more request running into the deadline."""
    left = (batch.claim.lease_expires - timezone.now()).total_seconds()
    return left > client.config.timeout + 1.0


def _release(claim: Claim, why: str = "", rows: list[Conversion] | None = None) -> DeliveryReport:
    pks = [row.pk for row in (claim.rows if rows is None else rows)]
    try:
        released = release(pks, claim.token)
    except DatabaseError as error:  # their lease ends them; nothing was sent
        logger.info("%d untried conversion(s) wait for their lease: %s", len(pks), error)
        released = 0
    if why and released:
        logger.warning("%d conversion(s) given back untried: %s", released, why)
    return DeliveryReport(claimed=len(pks) if rows is None else 0, released=released)


LEASE_TOO_SHORT = (
    "their lease would run out before Convert's answer (the database work took longer than "
    "LEASE_SECONDS - TIMEOUT); they are due again now"
)
