"""What Convert's answer means for the batch, written durably (``durable.py``).

- Convert's 200: ``sent``.
- Retryable (5xx, 429, no answer, an answer that is not Convert's): ``pending`` again,
  the whole batch at one backoff time (so it comes back as one batch), for up to
  ``RETRY_DAYS`` after the conversion was recorded; then ``failed`` ("expired").
- Convert refused it (a 4xx with Convert's JSON error, or a 413): a batch refused with
  400, 413 or 422 is split to find the rows Convert refuses; otherwise ``failed``.

When Convert answers again after retryable failures seen by this process, the rows
waiting for a retry are made due at once (not those Convert asked to wait with 429), so
a recovered Convert gets the backlog in minutes, not one backoff cap later.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import DatabaseError
from django.utils import timezone

from django_convert.client import TrackResult
from django_convert.client.transport import (
    FOREIGN_ANSWER,
    NO_ANSWER,
    REDIRECT,
    TRUNCATED,
    UNAVAILABLE,
    UNREACHABLE,
)
from django_convert.conf import get_setting
from django_convert.delivery import outcome, tally
from django_convert.delivery.backoff import retry_delay
from django_convert.delivery.batch import Answer, Batch
from django_convert.delivery.claim import Claim, outbox
from django_convert.delivery.durable import OutcomeNotRecorded, write_durably
from django_convert.exceptions import ConvertAPIError, ConvertTransientError
from django_convert.models import Conversion

logger = logging.getLogger("django_convert")

# A rejected batch is split to find the rows Convert refuses (one bad conversion must not
# fail the good ones). Other 4xx (401, 403, 404...) concern the whole project: not split.
SPLIT_ON_STATUSES = frozenset({400, 413, 422})
EXPIRED = "expired"
# Rows waiting for these are made due when Convert answers again (not rate_limited).
DRAINED_AFTER_RECOVERY = (UNAVAILABLE, UNREACHABLE, NO_ANSWER, TRUNCATED, FOREIGN_ANSWER, REDIRECT)
jitter = random.Random()  # noqa: S311 - spreads retries, not cryptography


def batch_retry_delay(
    rows: Sequence[Any], retry_after: float | None, rand: random.Random | None = None
) -> float:
    """Seconds before a batch that failed together is due again: the backoff of its most
    tried row (RETRY_BASE_DELAY doubling up to RETRY_MAX_DELAY, full jitter), at least the
    answer's ``Retry-After`` (itself capped). Conversions and forwarded events alike."""
    return retry_delay(
        max(row.attempts for row in rows),
        base=float(get_setting("RETRY_BASE_DELAY")),
        cap=float(get_setting("RETRY_MAX_DELAY")),
        retry_after=retry_after,
        rand=rand or jitter,
    )


@dataclass
class SendResult:
    sent: int = 0
    failed: int = 0
    retried: int = 0
    unrecorded: int = 0  # answered, but the worker stopped before the database came back
    transient: ConvertTransientError | None = None
    split: list[list[Conversion]] = field(default_factory=list)


class _ConvertState:
    """Whether this process has seen Convert fail since it last answered."""

    def __init__(self) -> None:
        self.failing = False
        self.lock = threading.Lock()

    def failed(self) -> None:
        with self.lock:
            self.failing = True

    def answered(self) -> bool:
        """True once after a failure: the caller drains the backlog."""
        with self.lock:
            was, self.failing = self.failing, False
        return was


convert_state = _ConvertState()


def record(batch: Batch, answer: Answer, should_stop: Callable[[], bool] | None) -> SendResult:
    """Record ``answer`` on the batch's rows; see the module docstring."""
    claim, rows = batch.claim, batch.rows
    try:
        if isinstance(answer, TrackResult):
            return SendResult(sent=_sent(batch, answer, should_stop))
        if isinstance(answer, ConvertTransientError):
            retried, failed = retry(claim, rows, answer, batch.requests, should_stop)
            return SendResult(retried=retried, failed=failed, transient=answer)
        if len(rows) > 1 and answer.status_code in SPLIT_ON_STATUSES:
            half = len(rows) // 2
            return SendResult(split=[rows[:half], rows[half:]])
        return SendResult(failed=_failed(claim, rows, answer, batch.requests, should_stop))
    except OutcomeNotRecorded:
        return SendResult(unrecorded=len(rows))


def _pks(rows: Sequence[Conversion]) -> list[int]:
    return [row.pk for row in rows]


def _sent(batch: Batch, answer: TrackResult, should_stop: Callable[[], bool] | None) -> int:
    claim, pks = batch.claim, _pks(batch.rows)
    count = write_durably(
        lambda: outcome.mark_sent(
            pks, claim.token, batch.requests, answer.status_code, answer.body
        ),
        what="Convert's acceptance",
        count=len(pks),
        lease_expires=claim.lease_expires,
        should_stop=should_stop,
        recount=lambda: outcome.written(pks, claim.token, "sent"),
    )
    outcome.after_sent(pks, claim.token, count)
    resent = sum(1 for row in batch.rows if row.unknown_outcomes or row.pk in claim.taken_over)
    if resent:
        tally.count({"resent": resent})
        logger.warning(
            "%d of the conversion(s) just delivered had been sent before without an answer "
            "(a timeout, a lost connection or an expired lease): Convert may count them twice.",
            resent,
        )
    if convert_state.answered():
        drain_backlog()
    return count


def _failed(
    claim: Claim,
    rows: Sequence[Conversion],
    error: ConvertAPIError,
    requests: dict[int, str] | None,
    should_stop: Callable[[], bool] | None,
    reason: str = "",
) -> int:
    pks, message = _pks(rows), str(error)
    count = write_durably(
        lambda: outcome.mark_failed(
            pks,
            claim.token,
            requests or {},
            message,
            error.status_code,
            error.response_body,
            reason or error.reason or "rejected",
        ),
        what="Convert's refusal",
        count=len(pks),
        lease_expires=claim.lease_expires,
        should_stop=should_stop,
        recount=lambda: outcome.written(pks, claim.token, "failed"),
    )
    outcome.after_failed(pks, claim.token, count, message)
    return count


def retry(
    claim: Claim,
    rows: Sequence[Conversion],
    error: ConvertTransientError,
    requests: dict[int, str] | None,
    should_stop: Callable[[], bool] | None,
) -> tuple[int, int]:
    """Back the rows off together; fail those failing for more than RETRY_DAYS (since
    their first failed attempt). Returns (retried, failed)."""
    convert_state.failed()
    now = timezone.now()
    days = float(get_setting("RETRY_DAYS"))
    oldest = now - timedelta(days=days)

    def is_expired(row: Conversion) -> bool:
        return row.attempts > 1 and row.failing_since is not None and row.failing_since < oldest

    expired = [row for row in rows if is_expired(row)]
    again = [row for row in rows if not is_expired(row)]
    failed = 0
    if expired:
        gave_up = ConvertTransientError(
            f"Not delivered: retried for {days:g} day(s) (RETRY_DAYS) without Convert "
            f"accepting it. Last error: {error}",
            status_code=error.status_code,
            response_body=error.response_body,
        )
        failed = _failed(claim, expired, gave_up, requests, should_stop, reason=EXPIRED)
        tally.count({EXPIRED: failed})
    if not again:
        return 0, failed
    delay = batch_retry_delay(again, error.retry_after)
    pks, message = _pks(again), str(error)
    reason = error.reason or UNAVAILABLE
    retried = write_durably(
        lambda: outcome.mark_retry(
            pks,
            claim.token,
            requests or {},
            now + timedelta(seconds=delay),
            message,
            error.status_code,
            error.response_body,
            reason,
        ),
        what="Convert's answer",
        count=len(pks),
        lease_expires=claim.lease_expires,
        should_stop=should_stop,
        recount=lambda: outcome.written(pks, claim.token, "pending"),
    )
    if retried:
        tally.count({f"retry:{reason}": retried})
        logger.warning(
            "Convert delivery of %d conversion(s) will be retried in %.0fs (%s): %s",
            retried,
            delay,
            reason,
            message,
        )
    return retried, failed


def drain_backlog() -> int:
    """Make the rows waiting for a retry due now (Convert answers again)."""
    now = timezone.now()
    try:
        drained = (
            outbox()
            .filter(
                status=Conversion.Status.PENDING,
                next_attempt_at__gt=now,
                retry_reason__in=DRAINED_AFTER_RECOVERY,
            )
            .update(next_attempt_at=now)
        )
    except DatabaseError as error:
        logger.info("Could not make the waiting conversions due (%s); they wait.", error)
        return 0
    if drained:
        logger.warning(
            "Convert answers again: %d conversion(s) waiting for a retry are due now.", drained
        )
    return drained
