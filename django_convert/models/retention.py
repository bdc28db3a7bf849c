"""Retention in bounded batches: what ``convert_purge`` deletes, and how.

Each table is walked in primary-key ranges of ``batch_size`` ids; each range is one short
transaction of its own: a few ``DELETE ... WHERE id >= %s AND id < %s AND <stale>``
statements, committed before the next. Nothing is loaded into Python (a visitor's
bucketing, exposures and merged ids are deleted by subquery first, then the visitors
themselves in one statement), so memory does not grow with the backlog, locks are held
for one range at a time, and the checkouts and ingests running meanwhile wait at most
one batch. On SQLite, whose one write lock the whole database shares, the purge pauses
after each batch that deleted rows (``pause``) so that a waiting writer gets the lock.
The walk costs one index range scan per batch over the whole table, stale rows or not:
its time follows the table's size, its memory and its lock time do not.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connections, models, router, transaction
from django.db.models import Max, Min, Q
from django.db.models.deletion import CASCADE, Collector

from django_convert.deadlocks import run_retrying_deadlocks
from django_convert.models.history import Exposure, MergedId
from django_convert.models.outbox import Conversion
from django_convert.models.sweep import SkippedConversion
from django_convert.models.visitors import Bucketing, Visitor

#: SQLite's pause between batches (s): longer than the longest sleep of its busy handler
#: (100 ms), so a writer waiting on the lock gets it before the next batch takes it.
SQLITE_PAUSE = 0.12


@dataclass
class PurgeProgress:
    """What one table's walk has done so far (passed to the progress callback)."""

    name: str
    deleted: int = 0
    scanned_to: int = 0  # the walk's position: ids below it are done
    first_id: int = 0
    last_id: int = 0
    batches: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def fraction(self) -> float:
        span = self.last_id - self.first_id + 1
        return 1.0 if span <= 0 else min(1.0, (self.scanned_to - self.first_id) / span)

    def __str__(self) -> str:
        return (
            f"{self.name}: {self.deleted:,} deleted, {self.fraction:.0%} of the table walked "
            f"in {time.monotonic() - self.started:.1f}s"
        )


Progress = Callable[[PurgeProgress], None]


def stale_querysets(cutoff: datetime) -> dict[str, tuple[type[models.Model], Q]]:
    """``{name: (model, condition)}`` for what retention deletes, in deletion order.

    Pending, sending and failed conversions are never deleted: they have not reached
    Convert yet.
    """
    return {
        "visitors": (Visitor, Q(last_seen__lt=cutoff)),
        "bucketing rows": (Bucketing, Q(last_seen__lt=cutoff)),
        "exposures": (Exposure, Q(last_seen__lt=cutoff)),
        "delivered conversions": (
            Conversion,
            Q(status=Conversion.Status.SENT, sent_at__lt=cutoff),
        ),
        "sweep notes": (SkippedConversion, Q(created_at__lt=cutoff)),
    }


#: How the counts name each model's rows (a stale visitor's own rows count with theirs).
NAMES: dict[type[models.Model], str] = {
    Visitor: "visitors",
    Bucketing: "bucketing rows",
    Exposure: "exposures",
    MergedId: "merged ids",
    Conversion: "delivered conversions",
    SkippedConversion: "sweep notes",
}


def count_stale(cutoff: datetime) -> dict[str, int]:
    """What :func:`purge` would delete, named as its counts are (one COUNT per table)."""
    stale_visitor = Q(visitor__last_seen__lt=cutoff)
    counts = {name: 0 for name in NAMES.values()}
    for model, condition in stale_querysets(cutoff).values():
        if model in (Bucketing, Exposure):  # and those of the stale visitors
            condition = condition | stale_visitor
        rows = model._base_manager.using(router.db_for_write(model)).filter(condition)
        counts[NAMES[model]] = rows.count()
    counts[NAMES[MergedId]] = (
        MergedId.objects.using(router.db_for_write(MergedId)).filter(stale_visitor).count()
    )
    return counts


def purge(
    cutoff: datetime,
    *,
    batch_size: int = 1000,
    pause: float | None = None,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Delete what retention says is stale, table by table, in batches; the counts.

    :param cutoff: rows not seen (or delivered) since this moment go.
    :param batch_size: ids per batch (one transaction each).
    :param pause: seconds to wait between batches; None: :data:`SQLITE_PAUSE` on SQLite,
        0 elsewhere.
    :param progress: called after each batch with the table's :class:`PurgeProgress`.
    """
    counts = {name: 0 for name in NAMES.values()}
    for name, (model, condition) in stale_querysets(cutoff).items():
        for deleted_model, count in _purge_table(
            name, model, condition, batch_size, pause, progress
        ).items():
            label = NAMES.get(deleted_model, deleted_model._meta.label)
            counts[label] = counts.get(label, 0) + count
    return counts


def _purge_table(
    name: str,
    model: type[models.Model],
    condition: Q,
    batch_size: int,
    pause: float | None,
    progress: Progress | None,
) -> dict[type[models.Model], int]:
    using = router.db_for_write(model)
    rows = model._base_manager.using(using)
    bounds = rows.aggregate(first=Min("pk"), last=Max("pk"))
    state = PurgeProgress(name=name)
    deleted: dict[type[models.Model], int] = {}
    if bounds["first"] is None:
        return deleted
    state.first_id = state.scanned_to = int(bounds["first"])
    state.last_id = int(bounds["last"])
    if pause is None:
        pause = SQLITE_PAUSE if connections[using].vendor == "sqlite" else 0.0
    while state.scanned_to <= state.last_id:
        start, end = state.scanned_to, state.scanned_to + batch_size
        batch = rows.filter(condition, pk__gte=start, pk__lt=end)
        counts = run_retrying_deadlocks(
            lambda batch=batch: _delete_batch(batch, using),  # type: ignore[misc]
            using=using,
            what=f"convert_purge ({name})",
        )
        for deleted_model, count in counts.items():
            deleted[deleted_model] = deleted.get(deleted_model, 0) + count
        state.deleted += counts.get(model, 0)
        state.scanned_to = end
        state.batches += 1
        if progress is not None:
            progress(state)
        if pause and counts.get(model) and state.scanned_to <= state.last_id:
            time.sleep(pause)  # after a batch that wrote: a waiting writer's turn
    return deleted


def _delete_batch(batch: models.QuerySet[Any], using: str) -> dict[type[models.Model], int]:
    """Delete one range's rows and what cascades from them, in one transaction."""
    model = batch.model
    with transaction.atomic(using=using):
        children = _cascades(model)
        if children is None:  # a relation Django must handle itself (signals, SET_NULL)
            _, by_label = batch.delete()
            return {m: by_label.get(m._meta.label, 0) for m in (model, *NAMES)}
        counts = {
            related_model: related_model._base_manager.using(using)
            .filter(**{f"{field_name}__in": batch.values("pk")})
            .delete()[0]
            for related_model, field_name in children
        }
        counts[model] = int(batch._raw_delete(using))  # nothing refers to them any more
        return counts


def _cascades(model: type[models.Model]) -> list[tuple[type[models.Model], str]] | None:
    """The (model, field) pairs that CASCADE from ``model``, when each can be deleted in one
    statement (no signal receivers, nothing cascading further); None otherwise."""
    found = []
    collector = Collector(using="default", origin=None)
    for relation in model._meta.related_objects:
        related_model: Any = relation.related_model
        if relation.on_delete is not CASCADE or not collector.can_fast_delete(related_model):
            return None
        found.append((related_model, relation.field.name))
    return None if _has_signals(model) else found


def _has_signals(model: type[models.Model]) -> bool:
    from django.db.models import signals

    return any(
        signal.has_listeners(model)
        for signal in (signals.pre_delete, signals.post_delete, signals.m2m_changed)
    )
