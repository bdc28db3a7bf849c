"""The visitor snapshot a conversion carries: its id, stored bucketing and segments."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from django_convert.conversions.sql import SNAPSHOT_FIELDS, select_snapshot
from django_convert.models import Visitor

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
