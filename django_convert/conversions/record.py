"""Recording a conversion: validate, snapshot the visitor, write the outbox row once per
(goal, transaction) in the caller's transaction. Every rule and ``track_conversion`` end here."""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Model, QuerySet

from django_convert.conversions.enabled import recording_enabled
from django_convert.conversions.snapshot import Snapshot, load_snapshot, snapshot_as_of
from django_convert.conversions.sql import (
    insert_conversion,
    insert_from_visitor,
    skips_duplicates,
    snapshots_in_sql,
)
from django_convert.conversions.values import ConversionValues
from django_convert.deadlocks import run_retrying_deadlocks
from django_convert.identity.pii import clean_visitor_id
from django_convert.models import Conversion, Visitor
from django_convert.signals import conversion_recorded

logger = logging.getLogger("django_convert")


def write_conversion(
    snapshot: Snapshot, values: ConversionValues, using: str, refresh: bool = False
) -> tuple[Conversion, bool]:
    """Insert the outbox row, or return the one already there: ``(row, created)``.

    Idempotent under concurrency: the unique (goal_id, transaction_id) constraint decides,
    not a read-then-write. A duplicate never breaks the caller's transaction: it is an
    ``ON CONFLICT DO NOTHING`` where the database has it (one statement, no savepoint),
    else an IntegrityError caught inside a savepoint.
    """
    conversion = Conversion(
        goal_id=values.goal_id,
        transaction_id=values.transaction_id,
        transaction_id_is_local=values.transaction_id_is_local,
        visitor_id=snapshot.visitor_id,
        bucketing=snapshot.bucketing,
        segments=snapshot.segments,
        amount=values.amount,
        products_count=values.products_count,
        custom_dimensions=values.custom_dimensions,
        origin=values.origin,
        source_model=values.source_model,
        source_id=values.source_id,
    )
    if skips_duplicates(using):
        created = run_retrying_deadlocks(
            partial(insert_conversion, conversion, using), using=using, what=_what(values)
        )
    else:
        try:
            if transaction.get_connection(using).in_atomic_block:
                # PostgreSQL-like backends abort the whole transaction on an error, and
                # no backend should leave the caller's transaction half-broken.
                with transaction.atomic(using=using):
                    created = insert_conversion(conversion, using)
            else:
                created = run_retrying_deadlocks(
                    partial(insert_conversion, conversion, using), using=using, what=_what(values)
                )
        except IntegrityError:
            created = False
    if not created:
        return _existing(values, using, refresh, snapshot.visitor_id), False
    _announce(conversion, using)
    return conversion, True


def write_from_visitor(
    lookup: str, value: Any, values: ConversionValues, using: str, refresh: bool = False
) -> tuple[Conversion, bool] | None:
    """:func:`write_conversion` with the snapshot read in the same statement.

    ``lookup`` is "visitor_id" or "user" (then None: that user has no visitor). The ids
    come from the Visitor table, validated when they were stored.
    """
    conversion = run_retrying_deadlocks(
        partial(insert_from_visitor, lookup, value, values, using), using=using, what=_what(values)
    )
    if conversion is not None:
        _announce(conversion, using)
        return conversion, True
    # Nothing inserted: a duplicate, or (by user) no visitor, in which case nothing is
    # recorded, as on the two-statement path, even if a row exists for this transaction.
    if lookup == "user" and not Visitor.objects.using(using).filter(user_id=value).exists():
        return None
    visitor_id = value if lookup == "visitor_id" else None
    return _existing(values, using, refresh, visitor_id), False


def _what(values: ConversionValues) -> str:
    return f"Recording goal {values.goal_id} / transaction {values.transaction_id}"


def _existing(
    values: ConversionValues, using: str, refresh: bool = False, visitor_id: str | None = None
) -> Conversion:
    goal_id, transaction_id = values.goal_id, values.transaction_id
    rows = Conversion.objects.using(using).filter(goal_id=goal_id, transaction_id=transaction_id)
    existing: Conversion | None = rows.first()
    if existing is None and transaction.get_connection(using).vendor == "mysql":
        existing = _read_committed(rows, using)
    if existing is None:
        raise IntegrityError(
            f"The conversion for goal {goal_id} / transaction {transaction_id} conflicts "
            "with a row this transaction cannot see (isolation level?) or another constraint"
            " (which MySQL/MariaDB's INSERT IGNORE skips with a warning)."
        )
    other = "" if refresh else _another_conversion(existing, values, visitor_id)
    if other:
        # Not a retry of the same conversion: another order (or visitor) reusing an id,
        # which records nothing. Say so: the shop loses every order after the first.
        logger.warning(
            "Conversion for goal %s / transaction %s not recorded: that transaction id was "
            "already recorded (id %s) for %s. Transaction ids must be unique per order; "
            "this one counts only once at Convert.",
            goal_id,
            transaction_id,
            existing.pk,
            other,
        )
    else:
        logger.debug(
            "Conversion for goal %s / transaction %s already recorded (id %s); not adding another.",
            goal_id,
            transaction_id,
            existing.pk,
        )
    if refresh:
        _refresh(existing, values, using)
    return existing


def _refresh(existing: Conversion, values: ConversionValues, using: str) -> None:
    """Bring a pending row's goal values up to date with a later save; never a sent one.

    The UPDATE is conditional on ``status = 'pending'``, so a worker that claims the row
    between the SELECT and the UPDATE wins: the row it sends is never changed under it.
    The bucketing and segments stay those of the first recording: what the visitor had
    seen when they converted.
    """
    fresh = {
        "amount": values.amount,
        "products_count": values.products_count,
        "custom_dimensions": values.custom_dimensions,
    }
    if all(getattr(existing, name) == value for name, value in fresh.items()):
        return
    updated = 0
    if existing.status == Conversion.Status.PENDING:
        updated = (
            Conversion.objects.using(using)
            .filter(pk=existing.pk, status=Conversion.Status.PENDING)
            .update(**fresh)
        )
    if updated:
        for name, value in fresh.items():
            setattr(existing, name, value)
        return
    status = existing.status
    if status == Conversion.Status.PENDING:
        status = "claimed by a worker meanwhile"  # the conditional UPDATE found it gone
    logger.warning(
        "Conversion for goal %s / transaction %s (%s) changed after it left the outbox "
        "(status %s): Convert keeps amount %s, products count %s, custom dimensions %s; "
        "the new values (%s, %s, %s) are not sent.",
        values.goal_id,
        values.transaction_id,
        values.origin,
        status,
        existing.amount,
        existing.products_count,
        existing.custom_dimensions,
        values.amount,
        values.products_count,
        values.custom_dimensions,
    )


def _read_committed(rows: QuerySet[Conversion], using: str) -> Conversion | None:
    """The row as last committed, for InnoDB at REPEATABLE READ.

    There a plain SELECT reads the snapshot taken at the transaction's first read, which
    can predate the row that made this INSERT a duplicate. A locking read sees the latest
    committed row. A shared lock, not FOR UPDATE: the duplicate check already holds one
    on that row, and several transactions upgrading it to exclusive would deadlock.
    """
    sql, params = rows.order_by("pk")[:1].query.sql_with_params()
    found = list(Conversion.objects.raw(f"{sql} LOCK IN SHARE MODE", params, using=using))
    return found[0] if found else None


def _announce(conversion: Conversion, using: str) -> None:
    # Only after commit: a rolled-back order must not wake the delivery layer, and the
    # delivery layer must be able to read the row when it wakes.
    transaction.on_commit(
        partial(conversion_recorded.send, sender=Conversion, conversion=conversion),
        using=using,
        robust=True,
    )


def _another_conversion(
    existing: Conversion, values: ConversionValues, visitor_id: str | None
) -> str:
    """What tells a duplicate key's row apart from this conversion ("another visitor",
    "another amount"), or "" when it is the same one recorded again (a retried webhook,
    a second save)."""
    if visitor_id is not None and existing.visitor_id != visitor_id:
        return "another visitor"
    return "another amount" if existing.amount != values.amount else ""


def record_conversion(
    *,
    visitor_id: str | None,
    user_id: Any,
    goal_id: object,
    amount: object,
    products_count: object,
    transaction_id: object,
    custom_dimensions: object,
    origin: str,
    using: str,
    refresh: bool = False,
    source: Model | None = None,
    as_of: datetime | None = None,
    transaction_id_is_local: bool = False,
) -> Conversion | None:
    """Validate, snapshot the visitor (one query) and write the outbox row.

    Exactly one of ``visitor_id`` / ``user_id`` is given. ``source`` is the saved object
    that caused it (the admin links to it; no query: its model's label and its key).
    Everything is validated before the first query, so bad input costs nothing and
    writes nothing. With ``refresh`` (the rules), a row already recorded for this goal
    and transaction that is still pending takes the new amount, products count and
    custom dimensions; its snapshot stays.
    ``as_of``: when the conversion happened, if not now (the sweep records orders made
    earlier): the snapshot is then the bucketing the visitor had at that moment
    (``snapshot.snapshot_as_of``), never one first seen after it.
    ``transaction_id_is_local`` marks a transaction id made up for deduplication only
    (never sent to Convert).
    """
    if not recording_enabled():
        return None
    values = ConversionValues.clean(
        goal_id=goal_id,
        transaction_id=transaction_id,
        amount=amount,
        products_count=products_count,
        custom_dimensions=custom_dimensions,
        origin=origin,
        source=_source_key(source),
        transaction_id_is_local=transaction_id_is_local,
    )
    if user_id is None:
        clean_visitor_id(visitor_id)
    written: tuple[Conversion, bool] | None
    if as_of is not None:
        snapshot = snapshot_as_of(visitor_id=visitor_id, user_id=user_id, as_of=as_of, using=using)
        if snapshot is not None and user_id is not None:
            clean_visitor_id(snapshot.visitor_id)
        written = None if snapshot is None else write_conversion(snapshot, values, using, refresh)
    elif snapshots_in_sql(using):  # one statement: the floor
        if user_id is None:
            written = write_from_visitor("visitor_id", visitor_id, values, using, refresh)
        else:
            written = write_from_visitor("user", user_id, values, using, refresh)
    else:
        snapshot = _load_snapshot(visitor_id, user_id, using)
        written = None if snapshot is None else write_conversion(snapshot, values, using, refresh)
    if written is None:
        _warn_no_visitor(values, user_id)
        return None
    conversion, created = written
    if created and user_id is None and not (conversion.bucketing or conversion.segments):
        # A real id with nothing stored yet (the listener never posted): still recorded;
        # Convert attributes it with enrichData, or counts it without experiences.
        logger.info(
            "Recording goal %s for visitor %s, who has no stored bucketing or segments.",
            values.goal_id,
            visitor_id,
        )
    return conversion


def _source_key(source: Model | None) -> tuple[str, object] | None:
    """``(model label, primary key)`` of the object that caused the conversion: the
    concrete model's, as for the default transaction id (a proxy's save is its model's)."""
    if source is None or source.pk is None:
        return None
    model = source._meta.concrete_model or type(source)
    return model._meta.label_lower, source.pk


def _load_snapshot(visitor_id: str | None, user_id: Any, using: str) -> Snapshot | None:
    """The two-statement path's snapshot; None when ``user_id`` has no visitor."""
    if user_id is None:
        snapshot = load_snapshot(visitor_id=visitor_id, using=using)
        return snapshot or Snapshot(visitor_id=str(visitor_id))
    snapshot = load_snapshot(user_id=user_id, using=using)
    if snapshot is not None:
        clean_visitor_id(snapshot.visitor_id)
    return snapshot


def _warn_no_visitor(values: ConversionValues, user_id: Any) -> None:
    from django_convert.identity.visitor import why_user_has_no_visitor

    logger.warning(
        "No conversion recorded for goal %s (%s, transaction %s): user %s has no "
        "Convert visitor yet (%s). Nothing is sent with a made-up id.",
        values.goal_id,
        values.origin,
        values.transaction_id,
        user_id,
        why_user_has_no_visitor(),
    )
