"""Everything one report page shows, from as few queries as the plain report needs.

:func:`build_page` fetches visitors per variation and day (and segment value, with a
breakdown), visitors seen in several variations, and converting visitors per variation and
day (and segment value) with the revenue cap and the capped sums. The report is their sum,
the trend their running sum, the breakdown their sum per segment value: a page with a
breakdown runs the same three queries, the first joined to the visitors' segments.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django_convert.reports import breakdown, queries, trend
from django_convert.reports.days import day_case, day_starts
from django_convert.reports.experiment import ExperimentReport, assemble, load_setup
from django_convert.reports.settings import report_setting


@dataclass(frozen=True)
class Page:
    report: ExperimentReport
    trend: list[trend.Series] = field(default_factory=list)
    #: The ``?segment=`` chosen ("" for none) and its reports, most visitors first.
    segment: str = ""
    segments: list[breakdown.SegmentReport] = field(default_factory=list)


def build_page(
    experience_id: str,
    goal_id: str,
    start: datetime,
    end: datetime,
    *,
    baseline_id: str | None = None,
    segment: str = "",
    using: str = "default",
) -> Page:
    """The report, its trend and, with ``segment`` (a key of
    :data:`~django_convert.reports.breakdown.SEGMENTS`), its breakdown. Raises ValueError
    when ``end`` is not after ``start`` or for an unknown segment."""
    if segment and segment not in breakdown.SEGMENTS:
        raise ValueError(f"unknown segment {segment!r}")
    from django.db import connections

    connection = connections[using]
    boundaries = day_starts(start, end)
    setup = load_setup(experience_id, goal_id, using=using)
    to_db = connection.ops.adapt_datetimefield_value
    day_sql, day_params = day_case("r.first_at", boundaries, to_db, connection.vendor)
    if segment:
        cells = breakdown.exposed_by_segment(
            experience_id, segment, start, end, boundaries, using=using
        )
        grouping = queries.Grouping(
            day_sql,
            day_params,
            second=breakdown.segment_sql(segment),
        )
    else:
        cells = {
            (variation, day, ""): n
            for (variation, day), n in trend.exposed_by_day(
                experience_id, start, end, boundaries, using=using
            ).items()
        }
        grouping = queries.Grouping(day_sql, day_params)
    by_day: dict[tuple[str, int], int] = defaultdict(int)
    by_value: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    visitors: dict[str, int] = defaultdict(int)
    for (variation_id, day, value), n in cells.items():
        by_day[variation_id, day] += n
        by_value[value][variation_id] += n
        visitors[variation_id] += n
    several = queries.in_several(experience_id, start, end, using=using) if visitors else {}
    absolute = report_setting("REVENUE_CAP")
    converting = queries.grouped_conversions(
        experience_id,
        goal_id,
        start,
        end,
        grouping=grouping,
        cap_percentile=report_setting("REVENUE_CAP_PERCENTILE"),
        absolute_cap=None if absolute is None else Decimal(str(absolute)),
        using=using,
    )
    cap = next((t.revenue_cap for t in converting.values()), None)
    report = assemble(
        setup,
        start,
        end,
        queries.Exposed(dict(visitors), several),
        queries.sum_totals(list(converting.values()), cap),
        baseline_id=baseline_id,
        adjust=not segment,
    )
    series = trend.series(report, boundaries, dict(by_day), _sum_by(converting, 0, cap))
    if not segment:
        return Page(report, series)
    segments = breakdown.segment_reports(
        setup,
        segment,
        start,
        end,
        {value: dict(counts) for value, counts in by_value.items()},
        _sum_by(converting, 1, cap),
        cap=cap,
        baseline_id=baseline_id,
    )
    # Holm over every p-value shown: the whole range's and every segment's.
    report, segments = breakdown.adjust_with(report, segments)
    return Page(report, series, segment, segments)


def _sum_by(
    grouped: dict[Any, queries.ConversionTotals], position: int, cap: float | None
) -> dict[Any, queries.ConversionTotals]:
    """Totals per day (position 0, as an int) or per segment value (position 1)."""
    parts: dict[Any, list[queries.ConversionTotals]] = defaultdict(list)
    for key, totals in grouped.items():
        value = key[position]
        parts[int(value) if position == 0 else (value or "")].append(totals)
    return {key: queries.sum_totals(items, cap) for key, items in parts.items()}
