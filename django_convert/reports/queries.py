"""The experiment report's two aggregate queries over Bucketing and Conversion.

Read-only. Each returns one row per variation however many visitors there are: with
1,000,000 bucketed visitors the database counts, Python never sees the rows.

Attribution (see docs/report.rst): a visitor is in the report when their Bucketing row for
the experience was first seen in the range. A conversion counts for a variation when

- it is for the goal and was recorded in the range;
- its own ``bucketing`` snapshot (what was sent to Convert as ``bucketingData``) puts the
  visitor in that variation of the experience, so conversions made before the visitor was
  bucketed never count;
- that visitor is one of the report's visitors, in the same variation.

Conversions that pass the first two tests but not the third are counted as left out, so
the report can say how many and why instead of dropping them silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import connections
from django.db.models import Count

from django_convert.models import Bucketing, Conversion, Visitor


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


@dataclass(frozen=True)
class ConversionTotals:
    by_variation: dict[str, VariationConversions]
    #: Converting visitors whose snapshot names the experience but who are not among the
    #: report's visitors in that variation (bucketed before the range, re-bucketed since,
    #: or their bucketing was deleted).
    left_out_visitors: int
    left_out_conversions: int


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
    experience_id: str, goal_id: str, start: datetime, end: datetime, *, using: str = "default"
) -> ConversionTotals:
    """Conversions of ``goal_id`` recorded in ``[start, end)`` per variation (one query)."""
    connection = connections[using]
    quote = connection.ops.quote_name
    conversion = quote(Conversion._meta.db_table)
    visitor = quote(Visitor._meta.db_table)
    bucketing = quote(Bucketing._meta.db_table)
    variation_sql, key = _json_key_text(connection.vendor, "c.bucketing", experience_id)
    to_db = connection.ops.adapt_datetimefield_value
    # Per visitor first (revenue per visitor is the Welch sample), then per variation. The
    # LEFT JOIN keeps the left-out visitors as the NULL group.
    sql = f"""
        SELECT b.variation_id, COUNT(*), SUM(per.conversions), SUM(per.with_amount),
               SUM(per.revenue), SUM(per.revenue * per.revenue)
        FROM (
            SELECT c.visitor_id AS visitor_id, {variation_sql} AS variation_id,
                   COUNT(*) AS conversions, COUNT(c.amount) AS with_amount,
                   COALESCE(SUM(c.amount), 0) AS revenue
            FROM {conversion} c
            WHERE c.goal_id = %s AND c.created_at >= %s AND c.created_at < %s
              AND {variation_sql} IS NOT NULL
            GROUP BY 1, 2
        ) per
        LEFT JOIN {visitor} v ON v.visitor_id = per.visitor_id
        LEFT JOIN {bucketing} b ON b.visitor_id = v.id AND b.experience_id = %s
            AND b.variation_id = per.variation_id
            AND b.first_seen >= %s AND b.first_seen < %s
        GROUP BY b.variation_id
    """  # noqa: S608 - identifiers come from model metadata, values are parameters
    params = [
        key,
        goal_id,
        to_db(start),
        to_db(end),
        key,
        experience_id,
        to_db(start),
        to_db(end),
    ]
    by_variation: dict[str, VariationConversions] = {}
    left_out_visitors = left_out_conversions = 0
    with connection.cursor() as cursor:
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
