"""Everything one report page shows, from as few queries as the plain report needs.

:func:`build_page` fetches visitors per variation and day, visitors seen in several
variations, and converting visitors per variation and day (with the revenue cap and the
capped sums); the report is their sum and the trend their running sum. A segment breakdown
adds two queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django_convert.reports import breakdown, queries, trend
from django_convert.reports.days import day_starts
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
    boundaries = day_starts(start, end)
    setup = load_setup(experience_id, goal_id, using=using)
    by_day = trend.exposed_by_day(experience_id, start, end, boundaries, using=using)
    visitors: dict[str, int] = {}
    for (variation_id, _day), n in by_day.items():
        visitors[variation_id] = visitors.get(variation_id, 0) + n
    several = queries.in_several(experience_id, start, end, using=using) if visitors else {}
    absolute = report_setting("REVENUE_CAP")
    converting = queries.grouped_conversions(
        experience_id,
        goal_id,
        start,
        end,
        grouping=trend.day_grouping(boundaries, using),
        cap_percentile=report_setting("REVENUE_CAP_PERCENTILE"),
        absolute_cap=None if absolute is None else Decimal(str(absolute)),
        using=using,
    )
    cap = next((t.revenue_cap for t in converting.values()), None)
    totals = queries.sum_totals(list(converting.values()), cap)
    report = assemble(
        setup,
        start,
        end,
        queries.Exposed(visitors, several),
        totals,
        baseline_id=baseline_id,
        adjust=not segment,
    )
    segments = []
    if segment:
        segments = breakdown.segment_reports(
            setup, segment, start, end, cap=cap, baseline_id=baseline_id, using=using
        )
        # Holm over every p-value shown: the whole range's and every segment's.
        report, segments = breakdown.adjust_with(report, segments)
    return Page(report, trend.series(report, boundaries, by_day, converting), segment, segments)
