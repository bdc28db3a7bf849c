"""The experiment report's counts, as the queries return them (no database access here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class VariationConversions:
    """Conversions of one goal attributed to one variation.

    ``revenue`` sums ``amount`` (a conversion without one adds 0); ``revenue_squares``
    sums each converting visitor's revenue squared (the variance of revenue per visitor);
    ``conversions_with_amount`` is the divisor of the average order value. The ``capped_``
    figures are the same sums after each visitor's revenue was capped at
    :attr:`ConversionTotals.revenue_cap` (equal to the uncapped ones when there is no cap), and
    ``capped_visitors`` counts the visitors whose revenue was above it.
    """

    converting_visitors: int
    conversions: int
    conversions_with_amount: int
    revenue: Decimal
    revenue_squares: Decimal
    capped_revenue: Decimal | None = None
    capped_revenue_squares: Decimal | None = None
    capped_visitors: int = 0


NO_CONVERSIONS = VariationConversions(0, 0, 0, Decimal(0), Decimal(0))


@dataclass(frozen=True)
class ConversionTotals:
    by_variation: dict[str, VariationConversions]
    #: Converting visitors first exposed before the range (not among its visitors).
    left_out_visitors: int = 0
    left_out_conversions: int = 0
    #: Conversions whose snapshot names the experience but whose visitor has no exposure
    #: history any more (purged or erased): not attributable on the first-exposure basis.
    unattributed_conversions: int = 0
    #: The per-visitor revenue cap applied to the ``capped_`` sums; None: no cap.
    revenue_cap: float | None = None


@dataclass(frozen=True)
class Exposed:
    """Visitors first exposed in the range, per variation of that first exposure."""

    visitors: dict[str, int]
    #: Of those, visitors also seen in another variation (re-bucketed or merged), per
    #: their first variation.
    in_several: dict[str, int] = field(default_factory=dict)

    @property
    def several_total(self) -> int:
        return sum(self.in_several.values())


def sum_totals(parts: list[ConversionTotals], cap: float | None) -> ConversionTotals:
    """Totals of disjoint groups of visitors (days, segments): every figure adds up."""
    by_variation: dict[str, VariationConversions] = {}
    for part in parts:
        for variation_id, row in part.by_variation.items():
            old = by_variation.get(variation_id)
            by_variation[variation_id] = row if old is None else _add(old, row)
    return ConversionTotals(
        by_variation,
        sum(p.left_out_visitors for p in parts),
        sum(p.left_out_conversions for p in parts),
        sum(p.unattributed_conversions for p in parts),
        cap,
    )


def _add(a: VariationConversions, b: VariationConversions) -> VariationConversions:
    return VariationConversions(
        a.converting_visitors + b.converting_visitors,
        a.conversions + b.conversions,
        a.conversions_with_amount + b.conversions_with_amount,
        a.revenue + b.revenue,
        a.revenue_squares + b.revenue_squares,
        (a.capped_revenue or Decimal(0)) + (b.capped_revenue or Decimal(0)),
        (a.capped_revenue_squares or Decimal(0)) + (b.capped_revenue_squares or Decimal(0)),
        a.capped_visitors + b.capped_visitors,
    )


def totals_from_rows(rows: list[Any], cap: Decimal | None) -> dict[Any, ConversionTotals]:
    by_group: dict[Any, dict[str, Any]] = {}
    for variation_id, first, second, n, count, with_amount, total, squares, *more in rows:
        c_total, c_sq, n_c, *rest = more
        grp = (first, second)
        if rest and rest[0] is not None:
            cap = decimal(rest[0])
        group = by_group.setdefault(grp, {"by": {}, "lv": 0, "lc": 0, "un": 0})
        if variation_id is None:
            group["lv"] += int(n)
            group["lc"] += int(count)
        elif variation_id == "":
            group["un"] += int(count)
        else:
            group["by"][variation_id] = VariationConversions(
                converting_visitors=int(n),
                conversions=int(count),
                conversions_with_amount=int(with_amount),
                revenue=decimal(total),
                revenue_squares=decimal(squares),
                capped_revenue=decimal(c_total),
                capped_revenue_squares=decimal(c_sq),
                capped_visitors=int(n_c or 0),
            )
    revenue_cap = None if cap is None else float(cap)
    return {
        grp: ConversionTotals(g["by"], g["lv"], g["lc"], g["un"], revenue_cap)
        for grp, g in by_group.items()
    }


def decimal(value: object) -> Decimal:
    """PostgreSQL returns Decimal; SQLite returns int or float for a decimal column."""
    return value if isinstance(value, Decimal) else Decimal(str(value or 0))
