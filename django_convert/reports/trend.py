"""The trend: the report as it stood at the end of each day, for the cumulative chart.

Day ``k``'s point is the report over ``[start, end of day k)``: visitors first exposed by
then, converting visitors whose first conversion in the range came by then (GrowthBook's
"cumulative" time series: https://docs.growthbook.io/app/experiment-results). Two grouped
queries give every day at once: visitors per variation and day of first exposure, and
converting visitors per variation and day of first conversion (the report's totals are
their sums, so the page pays nothing extra for the trend). Each point's uplift and
interval come from :func:`django_convert.reports.compare.compare_rates`: always-valid,
so the band may be read at any day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connections

from django_convert.models import Exposure
from django_convert.reports import compare, queries
from django_convert.reports.days import day_case
from django_convert.reports.experiment import ExperimentReport


@dataclass(frozen=True)
class Point:
    #: The end of the day (exclusive): the point is the report over [start, end).
    end: datetime
    visitors: int
    baseline_visitors: int
    uplift: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class Series:
    """One variation's cumulative conversion-rate uplift against the baseline, per day."""

    variation_id: str
    name: str
    points: list[Point]


def exposed_by_day(
    experience_id: str,
    start: datetime,
    end: datetime,
    boundaries: list[datetime],
    *,
    using: str = "default",
) -> dict[tuple[str, int], int]:
    """``{(variation, day index): visitors first exposed that day}`` (one query)."""
    connection = connections[using]
    to_db = connection.ops.adapt_datetimefield_value
    day, day_params = day_case("e.first_seen", boundaries, to_db, connection.vendor)
    sql = f"""
        SELECT e.variation_id, {day}, COUNT(*)
        FROM {queries.table(Exposure, connection)} e
        WHERE e.experience_id = %s AND e.is_first = %s
          AND e.first_seen >= %s AND e.first_seen < %s
        GROUP BY 1, 2
    """  # noqa: S608 - identifiers from model metadata, values are parameters
    params = [*day_params, experience_id, True, to_db(start), to_db(end)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {(variation, int(index)): int(n) for variation, index, n in cursor.fetchall()}


def series(
    report: ExperimentReport,
    boundaries: list[datetime],
    visitors: dict[tuple[str, int], int],
    converting: dict[Any, queries.ConversionTotals],
) -> list[Series]:
    """Each non-baseline variation's points, day by day (``visitors``: per variation and
    day index; ``converting``: converting visitors per day index of their first
    conversion). Empty without a baseline or before a second day."""
    baseline = next((v for v in report.variations if v.is_baseline), None)
    if baseline is None or not boundaries:
        return []
    ends = [*boundaries, report.end]
    days = len(ends)

    def cumulative(variation_id: str) -> tuple[list[int], list[int]]:
        seen, bought, total_seen, total_bought = [], [], 0, 0
        for index in range(days):
            total_seen += visitors.get((variation_id, index), 0)
            day = converting.get(index)
            row = day.by_variation.get(variation_id) if day else None
            total_bought += row.converting_visitors if row else 0
            seen.append(total_seen)
            bought.append(total_bought)
        return seen, bought

    base_seen, base_bought = cumulative(baseline.variation_id)
    result = []
    for v in report.variations:
        if v.is_baseline:
            continue
        seen, bought = cumulative(v.variation_id)
        points = []
        for index in range(days):
            uplift = low = high = None
            if seen[index] and base_seen[index]:
                c = compare.compare_rates(
                    base_bought[index],
                    base_seen[index],
                    bought[index],
                    seen[index],
                    with_chance=False,  # the trend shows the uplift and its band only
                )
                uplift = c.uplift
                if c.interval is not None:
                    low, high = c.interval.low, c.interval.high
            points.append(Point(ends[index], seen[index], base_seen[index], uplift, low, high))
        result.append(Series(v.variation_id, v.name, points))
    return result


def day_label(point: Point) -> datetime:
    """The day a point stands for (its end is the next midnight)."""
    return point.end - timedelta(seconds=1)
