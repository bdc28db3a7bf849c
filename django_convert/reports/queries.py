"""The experiment report's aggregate queries, on one basis: the visitor's FIRST exposure.

Read-only. Each returns one row per variation (or per variation and segment, or day)
however many visitors there are: with 1,000,000 exposed visitors the database counts,
Python never sees the rows.

Attribution (docs/report.rst, "Who is counted"):

- a visitor is in the report when their first exposure to the experience (the
  :class:`~django_convert.models.Exposure` row with ``is_first``) was first seen in
  ``[start, end)``, and counts in that variation for good: a visitor Convert re-bucketed,
  or a guest merged into an account bucketed elsewhere, is counted once, where they started;
- a conversion of the goal recorded in ``[start, end)`` whose snapshot names the experience
  (the ``bucketingData`` sent to Convert: a purchase made before the visitor was bucketed
  never counts, as at Convert) counts for the variation of its visitor's first exposure,
  whatever variation the snapshot names. Its visitor is found by id, or, for a guest
  merged into an account by login, through :class:`~django_convert.models.MergedId`;
- conversions by visitors first exposed before ``start`` are *left out* and counted, and so
  are conversions whose snapshot names the experience but whose visitor has no exposure
  history (deleted by ``convert_purge``, or erased).

Every query is set-based: the conversions of the goal in the range are joined to their
visitors and first exposures in one statement, never checked one by one.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from django_convert.models import Conversion, Exposure, MergedId, Visitor
from django_convert.reports.totals import (
    NO_CONVERSIONS,
    ConversionTotals,
    Exposed,
    VariationConversions,
    decimal,
    sum_totals,
    totals_from_rows,
)

__all__ = [
    "NO_CONVERSIONS",
    "ConversionTotals",
    "Exposed",
    "VariationConversions",
    "conversions",
    "decimal",
    "exposed",
    "grouped_conversions",
    "in_several",
    "sum_totals",
]

#: work_mem for the conversions queries (PostgreSQL): per-visitor groups hash in memory.
POSTGRESQL_WORK_MEM = "32MB"


def table(model: Any, connection: BaseDatabaseWrapper) -> str:
    return str(connection.ops.quote_name(model._meta.db_table))


def exposed(
    experience_id: str, start: datetime, end: datetime, *, using: str = "default"
) -> Exposed:
    """Visitors per first variation, and those seen in more than one (two queries).

    The first is an index-only scan of ``django_convert_exposed_range`` on PostgreSQL; the
    second reads only the experience's re-exposures (rows without ``is_first``: few).
    """
    first = Exposure.objects.using(using).filter(
        experience_id=experience_id, is_first=True, first_seen__gte=start, first_seen__lt=end
    )
    rows = first.order_by().values_list("variation_id").annotate(n=_count())
    visitors = {variation_id: n for variation_id, n in rows}
    if not visitors:
        return Exposed({})
    return Exposed(visitors, in_several(experience_id, start, end, using=using))


def in_several(
    experience_id: str, start: datetime, end: datetime, *, using: str = "default"
) -> dict[str, int]:
    """Visitors first exposed in the range and also seen in another variation, per first
    variation (one query over the experience's re-exposures, which are few)."""
    connection = connections[using]
    to_db = connection.ops.adapt_datetimefield_value
    exposure = table(Exposure, connection)
    sql = f"""
        SELECT f.variation_id, COUNT(DISTINCT f.visitor_id)
        FROM {exposure} o JOIN {exposure} f
          ON f.visitor_id = o.visitor_id AND f.experience_id = o.experience_id
        WHERE o.experience_id = %s AND o.is_first = %s AND f.is_first = %s
          AND f.first_seen >= %s AND f.first_seen < %s
        GROUP BY f.variation_id
    """  # noqa: S608 - identifiers from model metadata, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [experience_id, False, True, to_db(start), to_db(end)])
        return {variation_id: int(n) for variation_id, n in cursor.fetchall()}


def _count() -> Any:
    from django.db.models import Count

    return Count("*")


def json_key_text(vendor: str, column: str, key: str) -> tuple[str, str]:
    """SQL for the text value of ``column[key]``, and its parameter.

    Django's JSONField key lookups take a digit-only key such as an experience id for an
    array index, so the report writes this one expression per backend.
    """
    if vendor == "postgresql":
        return f"({column} ->> CAST(%s AS text))", key
    if '"' in key or "\\" in key:
        raise ValueError(f"unsupported experience id {key!r}")
    path = f'$."{key}"'
    if vendor == "mysql":
        return f"JSON_UNQUOTE(JSON_EXTRACT({column}, %s))", path
    return f"json_extract({column}, %s)", path


@dataclass(frozen=True)
class Grouping:
    """Extra GROUP BY columns of the conversions query beyond the variation: a SQL
    expression over ``r`` (the visitor's conversions: ``r.first_at``, ``r.pk``) and ``s``
    (the visitor's row, joined when ``needs_visitor``), with its parameters."""

    expression: str
    params: list[Any]
    needs_visitor: bool = False
    #: A second expression (grouped as ``grp2``), e.g. the day beside a segment.
    second: str = "''"
    second_params: list[Any] = field(default_factory=list)


def per_visitor_sql(
    connection: BaseDatabaseWrapper,
    experience_id: str,
    goal_id: str,
    start: datetime,
    end: datetime,
    grouping: Grouping | None = None,
) -> tuple[str, list[Any]]:
    """The CTEs ``r`` (conversions per visitor) and ``per`` (each with its first variation).

    ``r``: the goal's conversions recorded in ``[start, end)`` whose snapshot names the
    experience (the ``bucketingData`` sent to Convert: a purchase made before the visitor
    was bucketed never counts, as at Convert), grouped by the visitor's primary key: the
    row with the conversion's id, else the account a guest id was merged into.
    ``per``: ``variation_id`` is the first exposure's variation, NULL when it was before
    ``start`` (left out), ``''`` when the visitor has no history (unattributable);
    ``grp`` is the grouping's value ('' without one).
    """
    to_db = connection.ops.adapt_datetimefield_value
    snapshot, key = json_key_text(connection.vendor, "c.bucketing", experience_id)
    exposure, visitor = table(Exposure, connection), table(Visitor, connection)
    group = grouping or Grouping("''", [])
    # SQLite, without ANALYZE statistics, looks the exposure up by the experience's range
    # index (every first exposure of the experience, for each converting visitor: 2.2 s
    # of the demo's 10,000 visitors) rather than by visitor; a unary + keeps those two
    # terms off any index, so it searches the (visitor, experience, variation) unique
    # index: 3 ms (EXPLAIN QUERY PLAN; "Disqualifying WHERE clause terms using unary +",
    # https://www.sqlite.org/optoverview.html). Elsewhere the statement is unchanged
    # (PostgreSQL: set_postgresql_session; the demo's page 39-44 ms either way).
    plus = "+" if connection.vendor == "sqlite" else ""
    segment_join = f"LEFT JOIN {visitor} s ON s.id = r.pk" if group.needs_visitor else ""
    sql = f"""
        r AS (
            SELECT COALESCE(v.id, (SELECT m.visitor_id FROM {table(MergedId, connection)} m
                                   WHERE m.merged_id = c.visitor_id ORDER BY m.id
                                   LIMIT 1)) AS pk,
                   COUNT(*) AS conversions, COUNT(c.amount) AS with_amount,
                   COALESCE(SUM(c.amount), 0) AS revenue, MIN(c.created_at) AS first_at
            FROM {table(Conversion, connection)} c
            LEFT JOIN {visitor} v ON v.visitor_id = c.visitor_id
            WHERE c.goal_id = %s AND c.created_at >= %s AND c.created_at < %s
              AND {snapshot} IS NOT NULL
            GROUP BY 1
        ),
        per AS (
            SELECT CASE WHEN e.visitor_id IS NULL THEN '' WHEN e.first_seen < %s THEN NULL
                        ELSE e.variation_id END AS variation_id,
                   r.conversions, r.with_amount, r.revenue, {group.expression} AS grp,
                   {group.second} AS grp2
            FROM r LEFT JOIN {exposure} e
              ON e.visitor_id = r.pk AND {plus}e.experience_id = %s AND {plus}e.is_first = %s
            {segment_join}
        )
    """  # noqa: S608 - identifiers from model metadata, values are parameters
    params = [goal_id, to_db(start), to_db(end), key, to_db(start), *group.params]
    params += group.second_params
    return sql, [*params, experience_id, True]


def postgresql_scope(connection: BaseDatabaseWrapper, using: str) -> Any:
    """A transaction for the session settings below on PostgreSQL (nothing elsewhere)."""
    if connection.vendor != "postgresql":
        return nullcontext()
    return transaction.atomic(using=using)


def set_postgresql_session(
    connection: BaseDatabaseWrapper, cursor: Any, *, index_lookups: bool = True
) -> None:
    """For this transaction only: no JIT (compiling costs more than it saves for a query
    run once: ~1 s of 2 s measured), work_mem for 50,000 per-visitor groups, and, with
    ``index_lookups``, joins by index lookups. The planner's default costs (random reads 4
    times a sequential one) make it hash all 1,000,000 exposures and 1,500,000 visitors
    (1.4 s) to join 50,000 converting visitors, which covering indexes look up in 0.3 s
    (bench_report)."""
    if connection.vendor != "postgresql":
        return
    cursor.execute(
        "SELECT set_config('jit', 'off', true), set_config('work_mem', %s, true)",
        [POSTGRESQL_WORK_MEM],
    )
    if index_lookups:
        cursor.execute(
            "SELECT set_config('enable_hashjoin', 'off', true), "
            "set_config('enable_mergejoin', 'off', true)"
        )


def conversions(
    experience_id: str,
    goal_id: str,
    start: datetime,
    end: datetime,
    *,
    cap_percentile: float | None = None,
    absolute_cap: Decimal | None = None,
    using: str = "default",
) -> ConversionTotals:
    """Conversions of ``goal_id`` recorded in ``[start, end)`` per first variation.

    With ``cap_percentile`` (0-100) and/or ``absolute_cap``: the cap is the lower of the
    percentile of the non-zero per-visitor revenues of every variation together (linear
    interpolation, as PostgreSQL's ``percentile_cont`` and numpy's default) and the
    absolute cap; see :mod:`django_convert.reports.revenue_sql`. Raises ValueError for a
    percentile outside (0, 100].
    """
    grouped = grouped_conversions(
        experience_id,
        goal_id,
        start,
        end,
        cap_percentile=cap_percentile,
        absolute_cap=absolute_cap,
        using=using,
    )
    return grouped.get(("", ""), ConversionTotals({}, revenue_cap=None))


def grouped_conversions(
    experience_id: str,
    goal_id: str,
    start: datetime,
    end: datetime,
    *,
    grouping: Grouping | None = None,
    cap_percentile: float | None = None,
    absolute_cap: Decimal | None = None,
    fixed_cap: float | None = None,
    using: str = "default",
) -> dict[Any, ConversionTotals]:
    """:func:`conversions` per ``(value, second value)`` of ``grouping`` (``{("", ""):
    totals}`` without one).

    ``fixed_cap`` caps at a cap already computed (a segment breakdown uses the whole
    report's cap, so every segment is capped alike). One statement on PostgreSQL; two
    elsewhere (the cap, then the sums).
    """
    from django_convert.reports import revenue_sql

    if cap_percentile is not None and not 0 < cap_percentile <= 100:
        raise ValueError("the revenue cap percentile must be in (0, 100]")
    connection = connections[using]
    ctes, params = per_visitor_sql(connection, experience_id, goal_id, start, end, grouping)
    with postgresql_scope(connection, using), connection.cursor() as cursor:
        set_postgresql_session(connection, cursor)
        if fixed_cap is not None:
            cap: Decimal | None = Decimal(repr(fixed_cap))
            sql, all_params = revenue_sql.sums_sql(connection.vendor, ctes, params, cap)
        elif connection.vendor == "postgresql":
            cap = None
            sql, all_params = revenue_sql.sums_with_cap_sql(
                ctes, params, cap_percentile, absolute_cap
            )
        else:
            cap = revenue_sql.cap_in_sql(
                cursor, connection.vendor, ctes, params, cap_percentile, absolute_cap
            )
            sql, all_params = revenue_sql.sums_sql(connection.vendor, ctes, params, cap)
        cursor.execute(sql, all_params)
        rows = cursor.fetchall()
    return totals_from_rows(rows, cap)
