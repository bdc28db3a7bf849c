"""Deliver due forwarded events: per destination, claim a batch, build its requests
within the API's limits, send them one by one, record each outcome.

Run by :func:`django_convert.delivery.deliver.deliver_due`, so by every dispatcher that
runs it (the background worker, ``convert_deliver``, the Celery ``deliver_due`` task,
the periodic jobs). Each destination goes on its own: one that is down is backed off
while the others are delivered. Requests are made outside any transaction, each within
``TIMEOUT``; an answer is kept until the database records it.

- Accepted: ``sent``. Mixpanel's partial success: the refused events ``failed`` with
  Mixpanel's reason, the rest ``sent``.
- Retryable (5xx, 408, 425, 429, no answer, a redirect): every row of the claim not yet
  accepted goes back to ``pending`` together, after backoff with jitter
  (``RETRY_BASE_DELAY`` doubling up to ``RETRY_MAX_DELAY``), never before the
  destination's ``Retry-After``; a row failing for longer than ``RETRY_DAYS`` is
  ``failed`` ("expired"), request and answer kept.
- Refused (another 4xx): a request of several events refused with 400, 413 or 422 is
  split in halves to find the events refused; otherwise ``failed``.
- Invalid before sending (GA4 answers 2xx to anything, so nothing it would drop is sent):
  ``failed`` at once with the reason ("invalid"), said at WARNING.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import timedelta
from types import ModuleType
from typing import Any, cast

from django.utils import timezone

from django_convert.conf import get_setting
from django_convert.delivery import tally
from django_convert.delivery.claim import Claim
from django_convert.delivery.durable import OutcomeNotRecorded
from django_convert.delivery.recording import batch_retry_delay, jitter
from django_convert.exceptions import ConvertTransientError
from django_convert.forwarding import ga4, mixpanel, segment
from django_convert.forwarding.config import Destination, configured
from django_convert.forwarding.outbox import (
    FAILED,
    PENDING,
    SENT,
    claim_destination,
    release,
)
from django_convert.forwarding.outbox import mark as _mark
from django_convert.forwarding.send import LABELS, send
from django_convert.forwarding.wire import PARTIAL, REJECTED, RETRY, Verdict
from django_convert.models import ForwardedEvent

logger = logging.getLogger("django_convert")

MODULES: dict[str, ModuleType] = {"ga4": ga4, "segment": segment, "mixpanel": mixpanel}
INVALID = "invalid"
EXPIRED = "expired"


@dataclass
class ForwardReport:
    """Counts of forwarded events one run concerned (``requests``: HTTP requests)."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    released: int = 0
    requests: int = 0

    def add(self, other: ForwardReport) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


def deliver_forwarded(*, should_stop: Callable[[], bool] | None = None) -> dict[str, ForwardReport]:
    """Deliver every forwarded event due now, for each configured destination.

    :param should_stop: asked between requests; True stops (claimed, untried rows are
        given back).
    :returns: a :class:`ForwardReport` per destination delivered to (``{}`` when none is
        configured: nothing is read).
    :raises django.db.DatabaseError: the database failed while claiming.
    """
    reports: dict[str, ForwardReport] = {}
    for name, destination in sorted(configured().items()):
        reports[name] = deliver_destination(destination, should_stop=should_stop)
    return reports


def deliver_destination(
    destination: Destination, *, should_stop: Callable[[], bool] | None = None
) -> ForwardReport:
    """Deliver one destination's due rows, batch after batch, until none is due, the
    destination has a retryable failure, or ``should_stop()``."""
    report = ForwardReport()
    due_at = timezone.now()
    while not (should_stop and should_stop()):
        claim = claim_destination(destination.name, int(get_setting("BATCH_SIZE")), due_at=due_at)
        if not claim.rows:
            break
        report.claimed += len(claim.rows)
        result, stop = _deliver_claim(destination, claim, should_stop)
        report.add(result)
        if stop:
            break
    return report


def _deliver_claim(
    destination: Destination, claim: Claim, should_stop: Callable[[], bool] | None
) -> tuple[ForwardReport, bool]:
    """Send a claim's rows; returns the counts and whether to stop this destination."""
    module = MODULES[destination.name]
    label = LABELS[destination.name]
    credentials = dict(destination.credentials)
    timeout = float(get_setting("TIMEOUT"))
    report = ForwardReport()
    queue: list[list[ForwardedEvent]] = [cast(list[ForwardedEvent], list(claim.rows))]
    try:
        while queue:
            rows = queue.pop(0)
            requests, invalid = module.prepare(
                [row.as_dict() for row in rows],
                url=destination.url,
                credentials=credentials,
                now=timezone.now(),
            )
            for index, why in invalid.items():
                report.failed += _fail_invalid(claim, rows[index], why, label)
            for position, request in enumerate(requests):
                batch = [rows[i] for i in request.rows]
                untried = [row for r in requests[position:] for row in (rows[i] for i in r.rows)]
                untried += [row for group in queue for row in group]
                left = (claim.lease_expires - timezone.now()).total_seconds()
                if (should_stop and should_stop()) or left < timeout + 1.0:
                    report.released += release([row.pk for row in untried], claim.token)
                    return report, True
                parts = dict(zip((row.pk for row in batch), request.parts, strict=True))
                report.requests += 1
                try:
                    answer = send(destination, request, timeout)
                except ConvertTransientError as error:
                    verdict = Verdict(RETRY, str(error), error.reason or "unreachable")
                    status, text = None, ""
                else:
                    status, text = answer.status, answer.text
                    verdict = module.verdict(
                        answer.status, answer.text, _retry_after(answer.retry_after)
                    )
                if verdict.kind == RETRY:
                    retried, failed = _retry(
                        claim, untried, parts, verdict, status, text, label, should_stop
                    )
                    report.retried += retried
                    report.failed += failed
                    return report, True
                if verdict.kind == REJECTED and verdict.split and len(batch) > 1:
                    half = len(batch) // 2
                    queue[:0] = [batch[:half], batch[half:]]
                    continue
                refused = (
                    {batch[i].pk: why for i, why in verdict.failed.items() if i < len(batch)}
                    if verdict.kind == PARTIAL
                    else {row.pk: verdict.error for row in batch}
                    if verdict.kind == REJECTED
                    else {}
                )
                for pk, why in refused.items():
                    report.failed += _mark(
                        claim, [pk], FAILED, requests={pk: parts[pk]}, error=why,
                        reason=verdict.reason or "rejected", status_code=status, body=text,
                        what=f"{label}'s refusal", should_stop=should_stop,
                    )  # fmt: skip
                    logger.error("%s refused forwarded event %s: %s", label, pk, why)
                accepted = [row.pk for row in batch if row.pk not in refused]
                report.sent += _mark(
                    claim, accepted, SENT, requests=parts, status_code=status, body=text,
                    what=f"{label}'s acceptance", should_stop=should_stop,
                )  # fmt: skip
                _say_resent(claim, batch, refused, label)
    except OutcomeNotRecorded:
        return report, True
    if report.sent:
        logger.info("Forwarded %d event(s) to %s.", report.sent, label)
    return report, False


def _retry_after(value: str | None) -> float | None:
    from django_convert.client.transport import parse_retry_after

    return parse_retry_after(value)


def _fail_invalid(claim: Claim, row: ForwardedEvent, why: str, label: str) -> int:
    """A row the destination would refuse or drop: failed, never sent, said loudly."""
    logger.warning(
        "Forwarded event %s (%s of visitor %s) is not sent to %s: %s. It is marked failed "
        "(admin: Forwarded events).",
        row.pk,
        row.kind,
        row.visitor_id,
        label,
        why,
    )
    tally.count({INVALID: 1}, outbox=f"forward:{row.destination}")
    return _mark(claim, [row.pk], FAILED, error=why, reason=INVALID, what="the refusal")


def _retry(
    claim: Claim,
    rows: Sequence[ForwardedEvent],
    parts: dict[int, str],
    verdict: Verdict,
    status: int | None,
    text: str,
    label: str,
    should_stop: Callable[[], bool] | None = None,
) -> tuple[int, int]:
    """Back off every untried or unaccepted row together; fail those failing for longer
    than RETRY_DAYS. Returns (retried, failed)."""
    now = timezone.now()
    days = float(get_setting("RETRY_DAYS"))
    oldest = now - timedelta(days=days)

    def expired(row: ForwardedEvent) -> bool:
        return row.attempts > 1 and row.failing_since is not None and row.failing_since < oldest

    gone = [row.pk for row in rows if expired(row)]
    again = [row for row in rows if not expired(row)]
    failed = 0
    if gone:
        failed = _mark(
            claim, gone, FAILED, requests=parts,
            error=f"Not delivered: retried for {days:g} day(s) (RETRY_DAYS). Last error: "
            f"{verdict.error}",
            reason=EXPIRED, status_code=status, body=text, what=f"{label}'s answer",
            should_stop=should_stop,
        )  # fmt: skip
        logger.error("%d forwarded event(s) to %s expired: %s", failed, label, verdict.error)
    if not again:
        return 0, failed
    delay = batch_retry_delay(again, verdict.retry_after, jitter)
    retried = _mark(
        claim, [row.pk for row in again], PENDING, requests=parts, error=verdict.error,
        reason=verdict.reason, status_code=status, body=text,
        next_attempt_at=now + timedelta(seconds=delay),
        unknown=verdict.reason in ("no_answer", "truncated"), what=f"{label}'s answer",
        should_stop=should_stop,
    )  # fmt: skip
    if retried:
        tally.count({f"retry:{verdict.reason}": retried}, outbox=f"forward:{claim_name(rows)}")
        logger.warning(
            "Forwarding %d event(s) to %s will be retried in %.0fs (%s): %s",
            retried,
            label,
            delay,
            verdict.reason,
            verdict.error,
        )
    return retried, failed


def claim_name(rows: Sequence[Any]) -> str:
    return str(rows[0].destination) if rows else ""


def _say_resent(claim: Claim, batch: Sequence[ForwardedEvent], refused: Any, label: str) -> None:
    resent = sum(
        1
        for row in batch
        if row.pk not in refused and (row.unknown_outcomes or row.pk in claim.taken_over)
    )
    if resent:
        logger.warning(
            "%d event(s) just forwarded to %s had been sent before without an answer: %s",
            resent,
            label,
            "GA4 may count them twice (it does not deduplicate)"
            if label == "GA4"
            else f"{label} deduplicates them by their message id",
        )
