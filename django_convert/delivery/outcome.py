"""Write what happened to claimed rows, only while they still hold this worker's lease.

Outcomes keep the lease token on the row: a row still carrying it afterwards is one
whose outcome this worker wrote, so signals go out exactly for those rows, even if a
lease expired and another worker took a row over in the meantime.

Each outcome is one UPDATE per batch, with the per-row values (the request each row was
part of, its retry time) in CASE expressions. It is written in SQL because building the
equivalent ORM Case/When costs more than the request to Convert itself.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import connections
from django.db.models import F, Field
from django.dispatch import Signal
from django.utils import timezone

from django_convert.delivery.claim import outbox, outbox_alias
from django_convert.models import Conversion
from django_convert.signals import conversion_delivered, conversion_failed

logger = logging.getLogger("django_convert")

MAX_ERROR_CHARS = 2000
Requests = Mapping[int, dict[str, Any] | None]


def _field(name: str) -> Field[Any, Any]:
    field = Conversion._meta.get_field(name)
    assert isinstance(field, Field)
    return field


def _column(name: str, connection: Any) -> str:
    column = _field(name).column
    assert column is not None
    return str(connection.ops.quote_name(column))


def _update_held(
    pks: Sequence[int],
    token: uuid.UUID,
    values: Mapping[str, Any],
    per_row: Mapping[str, Mapping[int, Any]],
) -> int:
    """``UPDATE ... WHERE pk IN pks AND lease_token = token AND status = 'sending'``.

    ``per_row`` gives some columns a value per primary key; rows without one keep theirs.
    """
    if not pks:
        return 0
    connection = connections[outbox_alias()]  # where the rows were claimed

    def _col(name: str) -> str:
        return _column(name, connection)

    quote = connection.ops.quote_name
    pk_column = _col("id")
    sets: list[str] = []
    params: list[Any] = []
    for name, value in values.items():
        field = _field(name)
        sets.append(f"{_col(name)} = %s")
        params.append(field.get_db_prep_save(value, connection))
    for name, by_pk in per_row.items():
        field = _field(name)
        whens = []
        for pk, value in by_pk.items():
            if value is not None:
                whens.append("WHEN %s THEN %s")
                params += [pk, field.get_db_prep_save(value, connection)]
        if whens:
            column = _col(name)
            sets.append(f"{column} = CASE {pk_column} {' '.join(whens)} ELSE {column} END")
    params += [*pks, _field("lease_token").get_db_prep_save(token, connection)]
    params.append(Conversion.Status.SENDING.value)
    # Only quoted column/table names and placeholders are interpolated; values are params.
    sql = (
        f"UPDATE {quote(Conversion._meta.db_table)} SET {', '.join(sets)} "  # noqa: S608
        f"WHERE {pk_column} IN ({', '.join(['%s'] * len(pks))}) "
        f"AND {_col('lease_token')} = %s AND {_col('status')} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)


def _written(
    pks: Sequence[int], token: uuid.UUID, status: str, count: int, signal: Signal
) -> list[Conversion]:
    """The rows this worker wrote, loaded only when someone needs them (signals, logs)."""
    if count == len(pks) and not signal.has_listeners(Conversion) and status != "failed":
        return []
    rows = list(outbox().filter(pk__in=pks, lease_token=token, status=status))
    if len(rows) < len(pks):
        logger.warning(
            "%d conversion(s) were %s but their lease had passed to another worker; "
            "that worker may send them again.",
            len(pks) - len(rows),
            status,
        )
    return rows


def mark_sent(
    pks: Sequence[int], token: uuid.UUID, requests: Requests, status_code: int, body: str
) -> int:
    """Rows Convert accepted; returns how many this worker still held."""
    count = _update_held(
        pks,
        token,
        {
            "status": Conversion.Status.SENT.value,
            "sent_at": timezone.now(),
            "last_error": "",
            "last_response_status": status_code,
            "last_response_body": body,
        },
        {"last_request": requests},
    )
    for row in _written(pks, token, "sent", count, conversion_delivered):
        conversion_delivered.send(sender=Conversion, conversion=row)
    if count:
        logger.info("Delivered %d conversion(s) to Convert.", count)
    return count


def mark_failed(
    pks: Sequence[int],
    token: uuid.UUID,
    requests: Requests,
    error: str,
    status_code: int | None,
    body: str,
) -> int:
    """Rows that will never succeed as they are; kept with request and answer for the admin.

    ``next_attempt_at`` becomes the time of failure: delivery health counts recent
    failures on the (status, next_attempt_at) index.
    """
    count = _update_held(
        pks,
        token,
        {
            "status": Conversion.Status.FAILED.value,
            "next_attempt_at": timezone.now(),
            "last_error": error[:MAX_ERROR_CHARS],
            "last_response_status": status_code,
            "last_response_body": body,
        },
        {"last_request": requests},
    )
    for row in _written(pks, token, "failed", count, conversion_failed):
        logger.error(
            "Conversion %s (goal %s, transaction %s) failed after %d attempt(s): %s",
            row.pk,
            row.goal_id,
            row.transaction_id,
            row.attempts,
            error,
        )
        conversion_failed.send(sender=Conversion, conversion=row, error=row.last_error)
    return count


def mark_retry(
    pks: Sequence[int],
    token: uuid.UUID,
    requests: Requests,
    next_attempts: Mapping[int, datetime],
    error: str,
    status_code: int | None,
    body: str,
) -> int:
    """Rows to try again later, each at its own backoff time."""
    count = _update_held(
        pks,
        token,
        {
            "status": Conversion.Status.PENDING.value,
            "last_error": error[:MAX_ERROR_CHARS],
            "last_response_status": status_code,
            "last_response_body": body,
        },
        {"last_request": requests, "next_attempt_at": next_attempts},
    )
    if count:
        logger.warning("Convert delivery of %d conversion(s) will be retried: %s", count, error)
    return count


def release(pks: Sequence[int], token: uuid.UUID) -> int:
    """Give claimed rows back untried: due again right away, the attempt not counted."""
    return int(
        outbox()
        .filter(pk__in=pks, lease_token=token, status=Conversion.Status.SENDING)
        .update(
            status=Conversion.Status.PENDING,
            next_attempt_at=timezone.now(),
            attempts=F("attempts") - 1,
        )
    )
