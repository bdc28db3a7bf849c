"""The visitor snapshot a conversion carries: its id, stored bucketing and segments."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django_convert.models import Visitor

# The Visitor columns that make up its segments (see Visitor.segments()).
SEGMENT_FIELDS = (
    "browser",
    "devices",
    "source",
    "visitor_type",
    "country",
    "campaign",
    "custom_segments",
)


@dataclass(frozen=True)
class Snapshot:
    visitor_id: str
    bucketing: dict[str, str] = field(default_factory=dict)
    segments: dict[str, Any] = field(default_factory=dict)
    #: False when no Visitor row exists for the id (nothing stored yet).
    stored: bool = True


def load_snapshot(
    *, visitor_id: str | None = None, user_id: Any = None, using: str = "default"
) -> Snapshot | None:
    """Read a visitor and its bucketing in ONE query (a LEFT JOIN), by visitor id or user.

    Returns None when no Visitor row matches. One row comes back per bucketing row (or a
    single row with NULL bucketing), which is cheaper than a prefetch's second query.
    """
    lookup = {"visitor_id": visitor_id} if user_id is None else {"user_id": user_id}
    rows = list(
        Visitor.objects.using(using)
        .filter(**lookup)
        .order_by()
        .values_list(
            "visitor_id",
            *SEGMENT_FIELDS,
            "bucketings__experience_id",
            "bucketings__variation_id",
        )
    )
    if not rows:
        return None
    first = rows[0]
    visitor = Visitor(visitor_id=first[0], **dict(zip(SEGMENT_FIELDS, first[1:-2], strict=True)))
    bucketing = {row[-2]: row[-1] for row in rows if row[-2] is not None}
    return Snapshot(visitor_id=first[0], bucketing=bucketing, segments=visitor.segments())
