"""The visitor snapshot a conversion carries: its id, stored bucketing and segments.

At save time the snapshot is the stored bucketing (now is the conversion's moment). A
conversion recorded later (the sweep) takes the bucketing as of the order's moment, from
the exposure history (:func:`snapshot_as_of`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from django.db.models import Q

from django_convert.conversions.sql import SNAPSHOT_FIELDS, select_snapshot
from django_convert.models import Bucketing, Exposure, Visitor

# The Visitor columns that make up its segments (see Visitor.segments()).
SEGMENT_FIELDS = SNAPSHOT_FIELDS[1:]


@dataclass(frozen=True)
class Snapshot:
    visitor_id: str
    bucketing: dict[str, str] = field(default_factory=dict)
    segments: dict[str, Any] = field(default_factory=dict)


def load_snapshot(
    *, visitor_id: str | None = None, user_id: Any = None, using: str = "default"
) -> Snapshot | None:
    """Read a visitor and its bucketing in ONE query (a LEFT JOIN), by visitor id or user.

    Used where the snapshot cannot be built inside the INSERT (not PostgreSQL).

    Returns None when no Visitor row matches. One row comes back per bucketing row (or a
    single row with NULL bucketing), which is cheaper than a prefetch's second query.
    """
    if user_id is None:
        rows = select_snapshot("visitor_id", visitor_id, using)
    else:
        rows = select_snapshot("user", user_id, using)
    if not rows:
        return None
    first = rows[0]
    # Visitor.segments() only reads these attributes: call it on them, without paying
    # for a model instance, so the API shape stays defined in one place.
    columns = SimpleNamespace(**dict(zip(SEGMENT_FIELDS, first[1:-2], strict=True)))
    bucketing = {row[-2]: row[-1] for row in rows if row[-2] is not None}
    return Snapshot(
        visitor_id=first[0],
        bucketing=bucketing,
        segments=Visitor.segments(columns),  # type: ignore[arg-type]
    )


# The snapshots the sweep read for a whole chunk of rows at once (see :func:`preloaded`).
_preloaded: ContextVar[dict[tuple[str, Any, datetime], Snapshot | None] | None] = ContextVar(
    "django_convert_preloaded_snapshots", default=None
)


def snapshot_as_of(
    *, visitor_id: str | None = None, user_id: Any = None, as_of: datetime, using: str
) -> Snapshot | None:
    """The visitor's snapshot as it was at ``as_of``: what a conversion made then carries.

    Per experience, the variation of the exposure first seen last at or before ``as_of``
    (a visitor Convert re-bucketed later is sent with the variation they had then);
    experiences first seen after ``as_of`` are left out. An experience with no exposure
    history (rows written before it existed, or by hand) falls back to its Bucketing row
    if that was first seen by then. Segments are the stored ones (they have no history).
    None when ``user_id`` has no visitor; a ``visitor_id`` with no row gives an empty
    snapshot, as at save time.
    """
    key = ("user", user_id) if user_id is not None else ("visitor_id", visitor_id)
    cache = _preloaded.get()
    if cache is not None and (*key, as_of) in cache:
        return cache[(*key, as_of)]
    return load_snapshots_as_of([(*key, as_of)], using)[(*key, as_of)]


def load_snapshots_as_of(
    wanted: Iterable[tuple[str, Any, datetime]], using: str
) -> dict[tuple[str, Any, datetime], Snapshot | None]:
    """:func:`snapshot_as_of` for many ``(lookup, value, as_of)`` at once, in three queries
    (visitors, their exposures, their bucketing); ``lookup`` is "visitor_id" or "user"."""
    wanted = list(wanted)
    by_id = {value for lookup, value, _ in wanted if lookup == "visitor_id"}
    by_user = {value for lookup, value, _ in wanted if lookup == "user"}
    fields = ["pk", "visitor_id", "user_id", *SEGMENT_FIELDS]
    rows = (
        Visitor.objects.using(using)
        .filter(Q(visitor_id__in=by_id) | Q(user_id__in=by_user))
        .values_list(*fields)
    )
    visitors = {}
    for row in rows:
        visitors[("visitor_id", row[1])] = row
        if row[2] is not None:
            visitors[("user", row[2])] = row
    pks = {row[0] for row in visitors.values()}
    history: dict[Any, list[Any]] = {pk: [] for pk in pks}
    for pk, *exposure in (
        Exposure.objects.using(using)
        .filter(visitor__in=pks)
        .values_list("visitor", "experience_id", "variation_id", "first_seen")
    ):
        history[pk].append(tuple(exposure))
    current: dict[Any, list[Any]] = {pk: [] for pk in pks}
    for pk, *bucketing in (
        Bucketing.objects.using(using)
        .filter(visitor__in=pks)
        .values_list("visitor", "experience_id", "variation_id", "first_seen")
    ):
        current[pk].append(tuple(bucketing))
    found: dict[tuple[str, Any, datetime], Snapshot | None] = {}
    for lookup, value, as_of in wanted:
        row = visitors.get((lookup, value))
        if row is None:
            found[(lookup, value, as_of)] = (
                None if lookup == "user" else Snapshot(visitor_id=str(value))
            )
            continue
        columns = SimpleNamespace(**dict(zip(SEGMENT_FIELDS, row[3:], strict=True)))
        found[(lookup, value, as_of)] = Snapshot(
            visitor_id=row[1],
            bucketing=_bucketing_at(history[row[0]], current[row[0]], as_of),
            segments=Visitor.segments(columns),  # type: ignore[arg-type]
        )
    return found


def _bucketing_at(
    history: list[tuple[str, str, datetime]],
    current: list[tuple[str, str, datetime]],
    as_of: datetime,
) -> dict[str, str]:
    latest: dict[str, tuple[datetime, str]] = {}
    for experience_id, variation_id, first_seen in history:
        if first_seen <= as_of and (
            experience_id not in latest or first_seen > latest[experience_id][0]
        ):
            latest[experience_id] = (first_seen, variation_id)
    bucketing = {experience_id: variation for experience_id, (_, variation) in latest.items()}
    with_history = {experience_id for experience_id, _, _ in history}
    for experience_id, variation_id, first_seen in current:
        if experience_id not in with_history and first_seen <= as_of:
            bucketing[experience_id] = variation_id
    return dict(sorted(bucketing.items()))


@contextmanager
def preloaded(
    snapshots: dict[tuple[str, Any, datetime], Snapshot | None],
) -> Iterator[None]:
    """Within the block, :func:`snapshot_as_of` answers from ``snapshots`` (the sweep reads
    a whole chunk's visitors in three queries, then records row by row)."""
    token = _preloaded.set(snapshots)
    try:
        yield
    finally:
        _preloaded.reset(token)
