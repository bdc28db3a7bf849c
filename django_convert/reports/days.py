"""Days of the report's range in the current time zone, and the SQL that tells them apart.

The trend groups rows by local day. ``TruncDate`` would need MySQL's time zone tables and
makes every backend convert each row; instead the day boundaries are computed here (aware
datetimes, so a daylight-saving change makes a 23- or 25-hour day) and the SQL finds a
row's day with a binary search of ``CASE WHEN t < boundary`` (about log2(days)
comparisons per row), the same on SQLite, PostgreSQL and MariaDB.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

#: The trend's longest range; a longer range is summed into this many last days.
MAX_DAYS = 400


def day_starts(start: datetime, end: datetime) -> list[datetime]:
    """The local midnights after ``start`` and before ``end`` (``start`` itself excluded):
    the boundaries between the range's days. Raises ValueError for an empty range."""
    if end <= start:
        raise ValueError("the end of the range must be after its start")
    zone = timezone.get_current_timezone()
    day: date = timezone.localtime(start, zone).date() + timedelta(days=1)
    starts: list[datetime] = []
    while True:
        boundary = timezone.make_aware(datetime.combine(day, time.min), zone)
        if boundary >= end:
            return starts[-MAX_DAYS:]
        starts.append(boundary)
        day += timedelta(days=1)


def day_case(
    column: str,
    boundaries: list[datetime],
    to_db: Callable[[Any], Any],
    vendor: str = "",
) -> tuple[str, list[Any]]:
    """SQL giving ``column``'s day index (0 = the first day) and its parameters.

    On PostgreSQL (``vendor``) ``width_bucket`` over an array of the boundaries does the
    same binary search in one function call (0.1 s instead of 0.4 s for 1,000,000 rows).
    """
    if vendor == "postgresql" and boundaries:
        return f"width_bucket({column}, CAST(%s AS timestamptz[]))", [
            [to_db(b) for b in boundaries]
        ]

    def search(low: int, high: int) -> tuple[str, list[Any]]:
        # Rows here have an index in [low, high]: boundaries[low:high] split them.
        if low == high:
            return str(low), []
        middle = (low + high + 1) // 2
        left, left_params = search(low, middle - 1)
        right, right_params = search(middle, high)
        sql = f"CASE WHEN {column} < %s THEN {left} ELSE {right} END"
        return sql, [to_db(boundaries[middle - 1]), *left_params, *right_params]

    return search(0, len(boundaries))
