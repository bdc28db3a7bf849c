"""The report broken down by a stored segment: device, browser, source, country, visitor type.

Each visitor counts in the segment their first exposure recorded: the segments the
browser had reported when the visitor was first bucketed (the
:class:`~django_convert.models.Exposure` row's columns; rows from before migration 0011
hold the visitor's segments at that migration). A visitor who later reports another
device or country stays in the segment they were bucketed in.

Every segment value gets its own report on the first-exposure basis, revenue capped at
the whole report's cap, and Holm's correction runs once over every p-value of every
segment shown (GrowthBook corrects "across all metrics, variations and
dimensions" likewise: https://docs.growthbook.io/statistics/multiple-corrections).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.db import connections
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from django_convert.models import Exposure
from django_convert.reports import figures, queries
from django_convert.reports.days import day_case
from django_convert.reports.experiment import ExperimentReport, Setup, assemble
from django_convert.segments import Browser, Source, VisitorType

DEVICE_LABELS = {
    "phone": gettext_lazy("Phone"),
    "tablet": gettext_lazy("Tablet"),
    "desktop": gettext_lazy("Desktop"),
    "other": gettext_lazy("Other device"),
}
#: ``?segment=`` values and their labels, in the page's order.
SEGMENTS = {
    "device": gettext_lazy("Device"),
    "browser": gettext_lazy("Browser"),
    "source": gettext_lazy("Source"),
    "country": gettext_lazy("Country"),
    "visitor_type": gettext_lazy("Visitor type"),
}


def segment_sql(segment: str, alias: str = "e", *, left_joined: bool = True) -> str:
    """The SQL of an exposure's recorded value of ``segment`` ('' when unknown or, when
    ``left_joined``, when the exposure ``alias`` is NULL). Raises KeyError for a segment
    not in :data:`SEGMENTS`.

    The bare column when not ``left_joined`` (it is NOT NULL): PostgreSQL's planner then
    knows its few distinct values and hashes the groups, where ``COALESCE(...)`` made it
    expect 150,000 groups and sort 1,000,000 rows on disk."""
    if segment not in SEGMENTS:
        raise KeyError(segment)
    return f"COALESCE({alias}.{segment}, '')" if left_joined else f"{alias}.{segment}"


def value_label(segment: str, value: str) -> str:
    """How the page names a segment value: "Phone", "Chrome", "US"; "unknown" for ''."""
    if not value:
        return str(_("unknown"))
    every: dict[str, dict[str, Any]] = {
        "device": dict(DEVICE_LABELS),
        "browser": dict(Browser.choices),
        "source": dict(Source.choices),
        "visitor_type": dict(VisitorType.choices),
    }
    labels = every.get(segment, {})
    return str(labels.get(value, value))


def exposed_by_segment(
    experience_id: str,
    segment: str,
    start: datetime,
    end: datetime,
    boundaries: list[datetime],
    *,
    using: str = "default",
) -> dict[tuple[str, int, str], int]:
    """``{(variation, day index, segment value): visitors}`` first exposed in
    ``[start, end)`` (one query over the exposures alone: each first exposure holds the
    visitor's segments when it was written; on PostgreSQL one more sets the transaction's
    work_mem)."""
    connection = connections[using]
    to_db = connection.ops.adapt_datetimefield_value
    day, day_params = day_case("e.first_seen", boundaries, to_db, connection.vendor)
    sql = f"""
        SELECT e.variation_id, {day}, {segment_sql(segment, left_joined=False)}, COUNT(*)
        FROM {queries.table(Exposure, connection)} e
        WHERE e.experience_id = %s AND e.is_first = %s
          AND e.first_seen >= %s AND e.first_seen < %s
        GROUP BY 1, 2, 3
    """  # noqa: S608 - identifiers from model metadata, values are parameters
    params = [*day_params, experience_id, True, to_db(start), to_db(end)]
    # PostgreSQL: no JIT and work_mem for the groups, for this transaction only (it
    # expects ~150,000 (variation, day, value) groups where there are a few hundred, and
    # otherwise sorts 1,000,000 rows on disk: 0.8-1.5 s measured in bench_report).
    with queries.postgresql_scope(connection, using), connection.cursor() as cursor:
        queries.set_postgresql_session(connection, cursor, index_lookups=False)
        cursor.execute(sql, params)
        return {
            (variation_id, int(index), value or ""): int(n)
            for variation_id, index, value, n in cursor.fetchall()
        }


@dataclass(frozen=True)
class SegmentReport:
    value: str
    label: str
    report: ExperimentReport


def segment_reports(
    setup: Setup,
    segment: str,
    start: datetime,
    end: datetime,
    visitors: dict[str, dict[str, int]],
    conversions: dict[str, queries.ConversionTotals],
    *,
    cap: float | None,
    baseline_id: str | None = None,
) -> list[SegmentReport]:
    """One report per value of ``segment`` (most visitors first) from the page's counts
    (``{value: {variation: visitors}}``, ``{value: totals}``), its p-values not yet
    adjusted: :func:`adjust_with` adjusts them together with the whole range's.
    ``cap``: the whole report's revenue cap."""
    values = sorted(visitors, key=lambda value: (-sum(visitors[value].values()), value))
    return [
        SegmentReport(
            value,
            value_label(segment, value),
            assemble(
                setup,
                start,
                end,
                queries.Exposed(visitors[value]),
                conversions.get(value, queries.ConversionTotals({}, revenue_cap=cap)),
                baseline_id=baseline_id,
                adjust=False,
            ),
        )
        for value in values
    ]


def adjust_with(
    report: ExperimentReport, segments: list[SegmentReport]
) -> tuple[ExperimentReport, list[SegmentReport]]:
    """The whole range's report and every segment's, with Holm's correction over every
    p-value the page shows (theirs together), each report knowing the family's size."""
    tables = [report.variations, *(s.report.variations for s in segments)]
    adjusted = figures.adjust_page(*tables)
    size = figures.family_size(*tables)
    # The whole range's note named its own family; the page's is larger now.
    stale = set(figures.page_notes(report.variations, None))
    notes = [note for note in report.notes if note not in stale]
    if size > 1:
        notes.append(
            _(
                "P-values are adjusted for the %(count)d comparisons on this page, the whole "
                "range's and every segment's (Holm), and are always valid: looking every day "
                "does not make a false win more likely."
            )
            % {"count": size}
        )
    whole = replace(report, variations=adjusted[0], compared_p_values=size, notes=notes)
    parts = [
        replace(s, report=replace(s.report, variations=rows, compared_p_values=size))
        for s, rows in zip(segments, adjusted[1:], strict=True)
    ]
    return whole, parts
