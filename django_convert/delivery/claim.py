"""Claim due conversions with a lease, so that no two workers ever send the same row.

A claimed row is ``sending`` with a fresh ``lease_token`` and ``next_attempt_at`` set to
when the lease expires. If its worker dies, the row is due again after the lease (plus
:data:`TAKEOVER_GRACE`) and nothing is lost. Outcomes are written only while the row
still holds the worker's token (see ``outcome.py``).

**One statement per claim, in autocommit.** The UPDATE and its commit are one operation
on the server, so no transaction and no row lock outlives it, whatever happens to the
thread that sent it: a thread frozen between requests (uWSGI without Python threads) or
killed holds nothing. Each status is claimed by its own statement, in the order of the
(status, next_attempt_at) index, so the database reads ``limit`` index entries and sorts
nothing, however many rows are due or sent:

- PostgreSQL: ``UPDATE ... WHERE id IN (SELECT id ... ORDER BY next_attempt_at LIMIT n
  FOR UPDATE SKIP LOCKED) RETURNING ...``: rows another worker is claiming are skipped;
- SQLite (3.35+): the same without SKIP LOCKED (a write holds the database's write lock
  from its start, so two claims never see the same row as due), RETURNING the rows;
- MariaDB/MySQL (no LIMIT in an IN subquery, no UPDATE ... RETURNING): ``UPDATE (SELECT id
  ... LIMIT n FOR UPDATE SKIP LOCKED) AS due STRAIGHT_JOIN ...``, then the rows are read
  back by ``(status, next_attempt_at) = ('sending', the lease expiry)`` and the token: an
  equality on the same index.

Every read and write of the outbox in delivery goes to one database: the one the router
gives for writing ``Conversion`` (:func:`outbox_alias`). Reading a claim back from a
replica that has not caught up would find nothing.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import deque
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.db import DatabaseError, connections, router
from django.db.models import F, Field, Model, QuerySet
from django.utils import timezone

from django_convert.conf import get_setting
from django_convert.deadlocks import run_retrying_deadlocks
from django_convert.models import Conversion

logger = logging.getLogger("django_convert")

SENDING, PENDING = Conversion.Status.SENDING.value, Conversion.Status.PENDING.value
# Loaded with a claim: what sending and recording need, nothing more (each column read
# is decoded in Python: a claim's cost per row is mostly this).
CLAIMED = (
    "id",
    "goal_id",
    "transaction_id",
    "transaction_id_is_local",
    "visitor_id",
    "bucketing",
    "segments",
    "amount",
    "products_count",
    "custom_dimensions",
    "attempts",
    "unknown_outcomes",
    "failing_since",
)
# A row whose lease ran out is taken over only this long after: a worker that still holds
# Convert's answer (the database was away) retries its write at least every 2 s
# (durable.MAX_PAUSE), so it records the answer before another worker sends it again.
TAKEOVER_GRACE = timedelta(seconds=5)

_orphans: list[tuple[uuid.UUID, datetime]] = []  # claims whose answer the database lost
_orphans_lock = threading.Lock()


def outbox_alias() -> str:
    """The database alias delivery reads and writes the outbox on (the router's write db)."""
    return router.db_for_write(Conversion) or "default"


def outbox() -> QuerySet[Conversion]:
    """``Conversion.objects`` on :func:`outbox_alias` (never a read replica)."""
    return Conversion.objects.using(outbox_alias())


# The tokens of this process's recent claims: at exit, a row "sending" under any other
# token is in a sibling process's hands (another uvicorn or gunicorn worker), not ours.
_issued: deque[uuid.UUID] = deque(maxlen=256)


def claimed_here(token: uuid.UUID | None) -> bool:
    """Whether ``token`` is one of this process's recent claims (its last 256)."""
    return token is not None and token in _issued


@dataclass
class Claim:
    token: uuid.UUID
    lease_expires: datetime
    rows: list[Conversion] = field(default_factory=list)
    # pks of rows claimed from an expired lease: their last attempt's outcome is unknown.
    taken_over: set[int] = field(default_factory=set)


def claim_due(
    limit: int,
    *,
    due_at: datetime | None = None,
    ids: Collection[int] | None = None,
    takeovers: bool = True,
) -> Claim:
    """Claim up to ``limit`` rows due at ``due_at`` (default now): expired leases first
    (unless ``takeovers`` is false: a run looks for them now and then, they are rare),
    then pending rows, oldest due first.

    Run again if the database broke a deadlock by rolling the claim back. If the database
    connection fails, the claim is remembered and given back by a later claim (the
    UPDATE may have been committed without this worker hearing of it).
    """
    alias = outbox_alias()
    release_orphans()
    return run_retrying_deadlocks(
        partial(_claim_due, alias, limit, due_at, ids, takeovers),
        using=alias,
        what="Claiming due rows",
    )


def _claim_due(
    alias: str, limit: int, due_at: datetime | None, ids: Collection[int] | None, takeovers: bool
) -> Claim:
    now = timezone.now()
    lease = timedelta(seconds=float(get_setting("LEASE_SECONDS")))
    claim = Claim(token=uuid.uuid4(), lease_expires=now + lease)
    _issued.append(claim.token)
    statuses = [SENDING, PENDING] if takeovers else [PENDING]
    try:
        for status in statuses:
            left = limit - len(claim.rows)
            if left <= 0:
                break
            due = due_at or now
            if status == SENDING:
                due -= TAKEOVER_GRACE
            rows = _claim_status(alias, status, due, left, claim, ids)
            if status == SENDING:
                claim.taken_over = {row.pk for row in rows}
            claim.rows += rows
    except DatabaseError:
        if claim.rows or not connections[alias].in_atomic_block:
            # The statement may have been committed; give these rows back later rather
            # than leave them to their lease.
            with _orphans_lock:
                _orphans.append((claim.token, claim.lease_expires))
        raise
    return claim


def quoted(connection: Any, name: str, model: type[Model] = Conversion) -> str:
    """The quoted column name of a Conversion field (or ``model``'s), for SQL written by
    hand."""
    column = conversion_field(name, model).column
    assert column is not None
    return str(connection.ops.quote_name(column))


def conversion_field(name: str, model: type[Model] = Conversion) -> Field[Any, Any]:
    model_field = model._meta.get_field(name)
    assert isinstance(model_field, Field)
    return model_field


def _prep(connection: Any, name: str, value: Any, model: type[Model] = Conversion) -> Any:
    return conversion_field(name, model).get_db_prep_save(value, connection)


def _claim_status(
    alias: str,
    status: str,
    due_at: datetime,
    limit: int,
    claim: Claim,
    ids: Collection[int] | None,
    *,
    model: type[Model] = Conversion,
    columns: Sequence[str] = CLAIMED,
    equal: Mapping[str, Any] | None = None,
) -> list[Any]:
    """Claim rows of one status in one statement (see the module docstring).

    ``model``, ``columns`` and ``equal`` let another outbox with the same delivery columns
    (``status``, ``next_attempt_at``, ``lease_token``, ``attempts``, ``unknown_outcomes``)
    claim its rows the same way: ``equal`` adds ``column = value`` conditions (the
    forwarding outbox's destination, first in its due index).
    """
    connection = connections[alias]
    col = partial(quoted, connection, model=model)
    table = connection.ops.quote_name(model._meta.db_table)
    pk, status_col, next_col = col("id"), col("status"), col("next_attempt_at")
    # unknown_outcomes first: MySQL evaluates SET assignments left to right.
    sets = [
        f"{col('unknown_outcomes')} = {col('unknown_outcomes')} + 1" if status == SENDING else "",
        f"{status_col} = %s",
        f"{col('lease_token')} = %s",
        f"{next_col} = %s",
        f"{col('attempts')} = {col('attempts')} + 1",
    ]
    set_params = [
        SENDING,
        _prep(connection, "lease_token", claim.token, model),
        _prep(connection, "next_attempt_at", claim.lease_expires, model),
    ]
    where = f"{status_col} = %s AND {next_col} <= %s"
    where_params: list[Any] = [status, _prep(connection, "next_attempt_at", due_at, model)]
    for name, value in (equal or {}).items():
        where = f"{col(name)} = %s AND {where}"
        where_params.insert(0, _prep(connection, name, value, model))
    if ids is not None:
        where += f" AND {pk} IN ({', '.join(['%s'] * len(ids))})"
        where_params += list(ids)
    assignments = ", ".join(s for s in sets if s)
    skip_locked = connection.features.has_select_for_update_skip_locked
    lock = " FOR UPDATE SKIP LOCKED" if skip_locked else ""
    # Only quoted names and placeholders are interpolated; every value is a parameter.
    # In the index's order, so the database reads `limit` entries and sorts nothing:
    # SQLite's and InnoDB's index entries end with the primary key; PostgreSQL's do not
    # (a tie-break on id there sorts every due row).
    order = next_col if connection.vendor == "postgresql" else f"{next_col}, {pk}"
    candidates = (
        f"SELECT {pk} FROM {table} WHERE {where} "  # noqa: S608
        f"ORDER BY {order} LIMIT %s{lock}"
    )
    params = [*set_params, *where_params, limit]
    if connection.vendor == "mysql":
        sql = (
            f"UPDATE ({candidates}) AS due STRAIGHT_JOIN {table} "  # noqa: S608
            f"ON {table}.{pk} = due.{pk} SET "
            + ", ".join(f"{table}.{s}" for s in assignments.split(", "))
        )
        params = [*where_params, limit, *set_params]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            if not cursor.rowcount:
                return []
        return list(
            model._default_manager.using(alias)
            .filter(status=SENDING, next_attempt_at=claim.lease_expires, lease_token=claim.token)
            .only(*columns)
            .order_by("pk")
        )
    returned = ", ".join(col(name) for name in columns)
    sql = (
        f"UPDATE {table} SET {assignments} WHERE {pk} IN ({candidates}) "  # noqa: S608
        f"RETURNING {returned}"
    )
    return sorted(model._default_manager.using(alias).raw(sql, params), key=lambda row: row.pk)


def release(pks: Sequence[int], token: uuid.UUID) -> int:
    """Give claimed rows back untried: due again right away, the attempt not counted."""
    return int(
        outbox()
        .filter(pk__in=pks, lease_token=token, status=SENDING)
        .update(status=PENDING, next_attempt_at=timezone.now(), attempts=F("attempts") - 1)
    )


def release_orphans() -> None:
    """Give back the rows of claims whose statement failed (it may have been committed):
    found on the (status, next_attempt_at) index by their lease expiry, and their token."""
    with _orphans_lock:
        orphans = list(_orphans)
    for token, lease_expires in orphans:
        try:
            given_back = (
                outbox()
                .filter(status=SENDING, next_attempt_at=lease_expires, lease_token=token)
                .update(status=PENDING, next_attempt_at=timezone.now(), attempts=F("attempts") - 1)
            )
        except DatabaseError:
            return  # still down: next time
        with _orphans_lock:
            if (token, lease_expires) in _orphans:
                _orphans.remove((token, lease_expires))
        if given_back:
            logger.info(
                "%d conversion(s) claimed just before the database connection failed are due "
                "again.",
                given_back,
            )
