"""Write what happened to claimed rows, only while they still hold this worker's lease.

Outcomes keep the lease token on the row: a row still carrying it afterwards is one
whose outcome this worker wrote, so signals go out exactly for those rows, even if a
lease expired and another worker took a row over in the meantime.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db.models import Case, F, Field, Value, When
from django.utils import timezone

from django_convert.models import Conversion
from django_convert.signals import conversion_delivered, conversion_failed

logger = logging.getLogger("django_convert")

MAX_ERROR_CHARS = 2000


def _per_row(name: str, values: Mapping[int, Any]) -> Any:
    """One UPDATE giving each row its own value; rows without one keep theirs."""
    output_field = Conversion._meta.get_field(name)
    assert isinstance(output_field, Field)
    whens = [
        When(pk=pk, then=Value(value, output_field=output_field))
        for pk, value in values.items()
        if value is not None
    ]
    if not whens:
        return F(name)
    return Case(*whens, default=F(name), output_field=output_field)


def _held(pks: Sequence[int], token: uuid.UUID) -> Any:
    return Conversion.objects.filter(
        pk__in=pks, lease_token=token, status=Conversion.Status.SENDING
    )


def mark_sent(
    pks: Sequence[int],
    token: uuid.UUID,
    requests: Mapping[int, dict[str, Any] | None],
    status_code: int,
    body: str,
) -> list[Conversion]:
    """Rows Convert accepted; returns those this worker still held (signals sent)."""
    _held(pks, token).update(
        status=Conversion.Status.SENT,
        sent_at=timezone.now(),
        last_error="",
        last_request=_per_row("last_request", requests),
        last_response_status=status_code,
        last_response_body=body,
    )
    rows = list(Conversion.objects.filter(pk__in=pks, lease_token=token, status="sent"))
    _lost_leases(pks, rows, "sent")
    for row in rows:
        conversion_delivered.send(sender=Conversion, conversion=row)
    if rows:
        logger.info("Delivered %d conversion(s) to Convert.", len(rows))
    return rows


def mark_failed(
    pks: Sequence[int],
    token: uuid.UUID,
    requests: Mapping[int, dict[str, Any] | None],
    error: str,
    status_code: int | None,
    body: str,
) -> list[Conversion]:
    """Rows that will never succeed as they are; kept with request and answer for the admin."""
    _held(pks, token).update(
        status=Conversion.Status.FAILED,
        last_error=error[:MAX_ERROR_CHARS],
        last_request=_per_row("last_request", requests),
        last_response_status=status_code,
        last_response_body=body,
    )
    rows = list(Conversion.objects.filter(pk__in=pks, lease_token=token, status="failed"))
    _lost_leases(pks, rows, "failed")
    for row in rows:
        logger.error(
            "Conversion %s (goal %s, transaction %s) failed after %d attempt(s): %s",
            row.pk,
            row.goal_id,
            row.transaction_id,
            row.attempts,
            error,
        )
        conversion_failed.send(sender=Conversion, conversion=row, error=row.last_error)
    return rows


def mark_retry(
    pks: Sequence[int],
    token: uuid.UUID,
    requests: Mapping[int, dict[str, Any] | None],
    next_attempts: Mapping[int, datetime],
    error: str,
    status_code: int | None,
    body: str,
) -> int:
    """Rows to try again later, each at its own backoff time."""
    if not pks:
        return 0
    count = _held(pks, token).update(
        status=Conversion.Status.PENDING,
        next_attempt_at=_per_row("next_attempt_at", next_attempts),
        last_error=error[:MAX_ERROR_CHARS],
        last_request=_per_row("last_request", requests),
        last_response_status=status_code,
        last_response_body=body,
    )
    logger.warning("Convert delivery of %d conversion(s) will be retried: %s", count, error)
    return int(count)


def release(pks: Sequence[int], token: uuid.UUID) -> int:
    """Give rows back untried (their lease would run out first): due again right away."""
    if not pks:
        return 0
    return int(
        _held(pks, token).update(status=Conversion.Status.PENDING, next_attempt_at=timezone.now())
    )


def _lost_leases(pks: Sequence[int], written: Sequence[Conversion], outcome: str) -> None:
    if len(written) < len(pks):
        logger.warning(
            "%d conversion(s) were %s but their lease had passed to another worker; "
            "that worker may send them again.",
            len(pks) - len(written),
            outcome,
        )
