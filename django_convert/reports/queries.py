"""The experiment report's aggregate queries over Bucketing and Conversion.

Read-only. Each returns one row per variation however many visitors there are: with
1,000,000 bucketed visitors the database counts, Python never sees the rows.

Attribution (see docs/report.rst): a visitor is in the report when their Bucketing row for
the experience was first seen in ``[start, end)``. A conversion counts for a variation when

- it is for the goal and was recorded in ``[start, end)``;
- its own ``bucketing`` snapshot (what was sent to Convert as ``bucketingData``) puts the
  visitor in that variation, so a conversion made before the visitor was bucketed never
  counts, and one made after is attributed as Convert attributes it;
- when some visitors were bucketed before ``start``: the visitor is not one of them (they
  are not among the report's visitors). Those conversions are counted as left out.

A conversion is always made after its visitor's bucketing, so nobody bucketed after ``end``
can convert in the range. Checking visitors one by one costs an index probe per converting
visitor, so it only runs for a range that starts after the experience's first visitor.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import connections, transaction
from django.db.models import Count

from django_convert.models import Bucketing, Conversion, Visitor

#: work_mem for the conversions query (PostgreSQL): its per-visitor groups fit in memory.
POSTGRESQL_WORK_MEM = "32MB"


@dataclass(frozen=True)
class VariationConversions:
    """Conversions of one goal attributed to one variation.

    ``revenue`` sums ``amount`` (a conversion without one adds 0);
    ``revenue_squares`` sums each converting visitor's revenue squared (for the variance of
    revenue per visitor); ``conversions_with_amount`` is the divisor of the average order
    value.
    """

    converting_visitors: int
    conversions: int
    conversions_with_amount: int
    revenue: Decimal
    revenue_squares: Decimal
    #: The same sums after capping each visitor's revenue at ``ConversionTotals.revenue_cap``
    #: (None: not capped), and how many visitors were above the cap (reports/capping.py).
    capped_revenue: Decimal | None = None
    capped_revenue_squares: Decimal | None = None
    capped_visitors: int = 0


@dataclass(frozen=True)
class ConversionTotals:
    by_variation: dict[str, VariationConversions]
    #: Converting visitors whose snapshot names the experience but who were bucketed
    #: before the range (so they are not among the report's visitors).
    left_out_visitors: int
    left_out_conversions: int
    #: The per-visitor revenue cap applied to the capped sums (None: no cap).
    revenue_cap: float | None = None


def visitors_by_variation(
    experience_id: str, start: datetime, end: datetime, *, using: str = "default"
) -> dict[str, int]:
    """``{variation_id: visitors}`` first bucketed in ``[start, end)`` (one query)."""
    rows = (
        Bucketing.objects.using(using)
        .filter(experience_id=experience_id, first_seen__gte=start, first_seen__lt=end)
        .order_by()
        .values_list("variation_id")
        .annotate(visitors=Count("*"))
    )
    return {variation_id: visitors for variation_id, visitors in rows}


def bucketed_before(experience_id: str, start: datetime, *, using: str = "default") -> bool:
    """Whether any visitor was bucketed into the experience before ``start`` (one query)."""
    return (
        Bucketing.objects.using(using)
        .filter(experience_id=experience_id, first_seen__lt=start)
        .order_by()
        .exists()
    )


def _json_key_text(vendor: str, column: str, key: str) -> tuple[str, str]:
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


def conversions_by_variation(
    experience_id: str,
    goal_id: str,
    start: datetime,
    end: datetime,
    *,
    leave_out_earlier_visitors: bool,
    using: str = "default",
) -> ConversionTotals:
    """Conversions of ``goal_id`` recorded in ``[start, end)`` per variation (one query).

    ``leave_out_earlier_visitors``: check each converting visitor's bucketing and leave out
    those bucketed before ``start`` (pass :func:`bucketed_before`'s answer).
    """
    connection = connections[using]
    quote = connection.ops.quote_name
    variation_sql, key = _json_key_text(connection.vendor, "c.bucketing", experience_id)
    to_db = connection.ops.adapt_datetimefield_value
    attributed, attributed_params = "per.variation_id", []
    if leave_out_earlier_visitors:
        # NULL (left out) when the visitor's bucketing predates the range. A scalar
        # subquery, not EXISTS: PostgreSQL may turn EXISTS into a hash of every earlier
        # visitor (a scan of all visitors, 1.98 s in bench_report) instead of two index
        # lookups per converting visitor (1.12 s).
        attributed = f"""CASE WHEN (
            SELECT b.first_seen FROM {quote(Visitor._meta.db_table)} v
            JOIN {quote(Bucketing._meta.db_table)} b ON b.visitor_id = v.id
            WHERE v.visitor_id = per.visitor_id AND b.experience_id = %s
        ) < %s THEN NULL ELSE per.variation_id END"""  # noqa: S608 - identifiers from model metadata
        attributed_params = [experience_id, to_db(start)]
    # Per visitor first (revenue per visitor is the Welch sample), then per variation.
    sql = f"""
        SELECT {attributed}, COUNT(*), SUM(per.conversions), SUM(per.with_amount),
               SUM(per.revenue), SUM(per.revenue * per.revenue)
        FROM (
            SELECT c.visitor_id AS visitor_id, {variation_sql} AS variation_id,
                   COUNT(*) AS conversions, COUNT(c.amount) AS with_amount,
                   COALESCE(SUM(c.amount), 0) AS revenue
            FROM {quote(Conversion._meta.db_table)} c
            WHERE c.goal_id = %s AND c.created_at >= %s AND c.created_at < %s
              AND {variation_sql} IS NOT NULL
            GROUP BY 1, 2
        ) per
        GROUP BY 1
    """  # noqa: S608 - identifiers come from model metadata, values are parameters
    params = [*attributed_params, key, goal_id, to_db(start), to_db(end), key]
    by_variation: dict[str, VariationConversions] = {}
    left_out_visitors = left_out_conversions = 0
    on_postgresql = connection.vendor == "postgresql"
    scope = transaction.atomic(using=using) if on_postgresql else nullcontext()
    with scope, connection.cursor() as cursor:
        if on_postgresql:
            # For this transaction only: no JIT (the per-visitor check's estimated cost
            # passes its threshold, and compiling cost ~1 s of 2 s in bench_report), and
            # enough memory to group 50,000 visitors by hashing instead of a sort that
            # spills to disk (0.80 -> 0.33 s measured).
            cursor.execute(
                "SELECT set_config('jit', 'off', true), set_config('work_mem', %s, true)",
                [POSTGRESQL_WORK_MEM],
            )
        cursor.execute(sql, params)
        for variation_id, visitors, conversions, with_amount, revenue, squares in cursor:
            if variation_id is None:
                left_out_visitors, left_out_conversions = int(visitors), int(conversions)
                continue
            by_variation[variation_id] = VariationConversions(
                converting_visitors=int(visitors),
                conversions=int(conversions),
                conversions_with_amount=int(with_amount),
                revenue=_decimal(revenue),
                revenue_squares=_decimal(squares),
            )
    return ConversionTotals(by_variation, left_out_visitors, left_out_conversions)


def _decimal(value: object) -> Decimal:
    # PostgreSQL returns Decimal; SQLite returns int or float for a decimal column.
    return value if isinstance(value, Decimal) else Decimal(str(value or 0))
