"""Write what happened to claimed rows, only while they still hold this worker's lease.

Outcomes keep the lease token on the row: a row still carrying it afterwards is one
whose outcome this worker wrote, so signals go out exactly for those rows, even if a
lease expired and another worker took a row over in the meantime. That is also what
makes a write safe to repeat after a lost connection (``durable.py``).

Each outcome is one UPDATE per batch in autocommit: the batch's shared values, plus the
request each row was part of (text already encoded, see ``batch.py``): one JSON object
on PostgreSQL, a CASE elsewhere. Written in SQL because building the equivalent
ORM Case/When costs more than the request to Convert itself.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import DatabaseError, connections
from django.db.models import Field, Model
from django.dispatch import Signal
from django.utils import timezone

from django_convert.client.transport import OUTCOME_UNKNOWN
from django_convert.delivery.claim import conversion_field, outbox, outbox_alias, quoted
from django_convert.models import Conversion
from django_convert.signals import conversion_delivered, conversion_failed

logger = logging.getLogger("django_convert")

MAX_ERROR_CHARS = 2000
SENDING = Conversion.Status.SENDING.value
Requests = Mapping[int, str | None]  # pk -> the JSON text of the request it was part of


def _update_held(
    pks: Sequence[int],
    token: uuid.UUID,
    values: Mapping[str, Any],
    requests: Requests | None = None,
    increments: Sequence[str] = (),
    failing_since: datetime | None = None,
    model: type[Model] = Conversion,
) -> int:
    """``UPDATE ... WHERE pk IN pks AND lease_token = token AND status = 'sending'``.

    ``requests`` gives ``last_request`` per row (JSON text); ``increments`` are columns
    to add one to; ``failing_since`` is set on rows whose run of failures starts now
    (their first attempt, or none recorded yet). ``model``: another outbox with the same
    delivery columns (the forwarding outbox).
    """
    if not pks:
        return 0
    connection = connections[outbox_alias()]  # where the rows were claimed

    def _col(name: str) -> str:
        return quoted(connection, name, model)

    def _field(name: str) -> Field[Any, Any]:
        return conversion_field(name, model)

    pk_column = _col("id")
    # Increments first: MySQL evaluates SET assignments left to right.
    sets = [f"{_col(name)} = {_col(name)} + 1" for name in increments]
    params: list[Any] = []
    if failing_since is not None:
        since, attempts = _col("failing_since"), _col("attempts")
        sets.append(
            f"{since} = CASE WHEN {attempts} <= 1 OR {since} IS NULL THEN %s ELSE {since} END"
        )
        params.append(_field("failing_since").get_db_prep_save(failing_since, connection))
    for name, value in values.items():
        sets.append(f"{_col(name)} = %s")
        params.append(_field(name).get_db_prep_save(value, connection))
    table = connection.ops.quote_name(model._meta.db_table)
    token_value = _field("lease_token").get_db_prep_save(token, connection)
    held = f"{_col('lease_token')} = %s AND {_col('status')} = %s"
    whens = [pk for pk in pks if requests and requests.get(pk) is not None]
    # Only quoted column/table names and placeholders are interpolated; values are params.
    if connection.vendor == "postgresql":
        # A statement of the same few placeholders for any batch size (a hundred
        # placeholder pairs cost more to bind than the UPDATE takes to run): the rows'
        # requests as one JSON object {pk: request}, joined from text already encoded.
        source = ""
        if whens and requests:
            sets.append(f"{_col('last_request')} = requests.body")
            source = " FROM jsonb_each(%s::jsonb) AS requests(id, body)"
            params.append("{" + ",".join(f'"{pk}":{requests[pk]}' for pk in whens) + "}")
            condition = (
                f"{table}.{pk_column} = requests.id::bigint AND {table}.{pk_column} = ANY(%s)"
            )
        else:
            condition = f"{pk_column} = ANY(%s)"
        params += [list(pks), token_value, SENDING]
        sql = (
            f"UPDATE {table} SET {', '.join(sets)}{source} "  # noqa: S608
            f"WHERE {condition} AND {table}.{held}"
        )
    else:
        if whens and requests:
            column = _col("last_request")
            cases = " ".join(["WHEN %s THEN %s"] * len(whens))
            sets.append(f"{column} = CASE {pk_column} {cases} ELSE {column} END")
            for pk in whens:
                params += [pk, requests[pk]]  # JSON text: a JSON column takes it as is
        params += [*pks, token_value, SENDING]
        sql = (
            f"UPDATE {table} SET {', '.join(sets)} "  # noqa: S608
            f"WHERE {pk_column} IN ({', '.join(['%s'] * len(pks))}) AND {held}"
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)


def written(pks: Sequence[int], token: uuid.UUID, status: str) -> int:
    """How many of ``pks`` hold this outcome under this token (after a lost connection)."""
    return outbox().filter(pk__in=pks, lease_token=token, status=status).count()


def _written_rows(
    pks: Sequence[int], token: uuid.UUID, status: str, count: int, signal: Signal
) -> list[Conversion]:
    """The rows this worker wrote, loaded only when someone needs them (signals, logs)."""
    if count == len(pks) and not signal.has_listeners(Conversion) and status != "failed":
        return []
    try:
        rows = list(outbox().filter(pk__in=pks, lease_token=token, status=status))
    except DatabaseError as error:  # the outcome is written; only the signals are lost
        logger.warning("Could not load %d %s conversion(s) for signals: %s", count, status, error)
        return []
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
            "retry_reason": "",
            "last_error": "",
            "last_response_status": status_code,
            "last_response_body": body,
        },
        requests,
    )
    return count


def after_sent(pks: Sequence[int], token: uuid.UUID, count: int) -> None:
    """Signals and the log line for rows :func:`mark_sent` wrote."""
    for row in _written_rows(pks, token, "sent", count, conversion_delivered):
        conversion_delivered.send(sender=Conversion, conversion=row)
    if count:
        logger.info("Delivered %d conversion(s) to Convert.", count)


def mark_failed(
    pks: Sequence[int],
    token: uuid.UUID,
    requests: Requests,
    error: str,
    status_code: int | None,
    body: str,
    reason: str,
) -> int:
    """Rows that will never succeed as they are; kept with request and answer for the admin.

    ``next_attempt_at`` becomes the time of failure: delivery health counts recent
    failures on the (status, next_attempt_at) index.
    """
    return _update_held(
        pks,
        token,
        {
            "status": Conversion.Status.FAILED.value,
            "next_attempt_at": timezone.now(),
            "retry_reason": reason,
            "last_error": error[:MAX_ERROR_CHARS],
            "last_response_status": status_code,
            "last_response_body": body,
        },
        requests,
    )


def after_failed(pks: Sequence[int], token: uuid.UUID, count: int, error: str) -> None:
    for row in _written_rows(pks, token, "failed", count, conversion_failed):
        logger.error(
            "Conversion %s (goal %s, transaction %s) failed after %d attempt(s): %s",
            row.pk,
            row.goal_id,
            row.transaction_id,
            row.attempts,
            error,
        )
        conversion_failed.send(sender=Conversion, conversion=row, error=row.last_error)


def mark_retry(
    pks: Sequence[int],
    token: uuid.UUID,
    requests: Requests,
    next_attempt_at: datetime,
    error: str,
    status_code: int | None,
    body: str,
    reason: str,
) -> int:
    """Rows to try again at ``next_attempt_at``, the whole batch together (it comes back
    as one batch). An attempt whose outcome is unknown is counted on the rows."""
    now = timezone.now()
    count = _update_held(
        pks,
        token,
        {
            "status": Conversion.Status.PENDING.value,
            "next_attempt_at": next_attempt_at,
            "retry_reason": reason,
            "last_error": error[:MAX_ERROR_CHARS],
            "last_response_status": status_code,
            "last_response_body": body,
        },
        requests,
        increments=("unknown_outcomes",) if reason in OUTCOME_UNKNOWN else (),
        failing_since=now,
    )
    return count
