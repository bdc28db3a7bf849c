"""Revenue capping in SQL: the cap over per-visitor revenue, and the capped sums.

One order of 100,000 must not decide a revenue comparison: as GrowthBook's percentile
capping (https://docs.growthbook.io/app/metrics) and Statsig's winsorization
(https://docs.statsig.com/stats-engine/methodologies/winsorization) do, each visitor's
revenue in the range is replaced by ``min(revenue, cap)``. The cap is the percentile of the
non-zero per-visitor revenues of all variations together (one cap for every arm), with
linear interpolation between the two nearest ranks: PostgreSQL's ``percentile_cont``
(https://www.postgresql.org/docs/current/functions-aggregate.html) and numpy's default.
SQLite and MariaDB have no ordered-set aggregate: there the two ranks are read with a
window function and interpolated here. The statistics on the capped sums are
:mod:`django_convert.reports.capping`'s.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

#: A per-visitor row of the experience: attributed to a variation in the range.
_IN_RANGE = "variation_id IS NOT NULL AND variation_id <> ''"


def _lowest(cap: Decimal | None, absolute: Decimal | None) -> Decimal | None:
    candidates = [c for c in (cap, absolute) if c is not None]
    return min(candidates) if candidates else None


def cap_in_sql(
    cursor: Any,
    vendor: str,
    per_visitor: str,
    params: list[Any],
    percentile: float | None,
    absolute: Decimal | None,
) -> Decimal | None:
    """The cap: the ``percentile`` (0-100) of the non-zero per-visitor revenues in
    ``per_visitor`` (a SELECT with ``variation_id`` and ``revenue`` columns), lowered to
    ``absolute``; None when neither applies."""
    if percentile is None:
        return absolute
    fraction = percentile / 100
    if vendor == "postgresql":
        cursor.execute(
            f"WITH per AS ({per_visitor}) SELECT CAST(percentile_cont(%s) WITHIN GROUP "  # noqa: S608
            f"(ORDER BY revenue) AS numeric) FROM per WHERE {_IN_RANGE} AND revenue > 0",
            [*params, fraction],
        )
        (value,) = cursor.fetchone()
        return _lowest(None if value is None else Decimal(value), absolute)
    floor = "FLOOR" if vendor == "mysql" else "CAST"
    rank = f"{floor}((n - 1) * %s{'' if vendor == 'mysql' else ' AS INTEGER'})"
    cursor.execute(
        f"""WITH per AS ({per_visitor})
        SELECT revenue, r, n FROM (
            SELECT revenue, ROW_NUMBER() OVER (ORDER BY revenue) - 1 AS r, COUNT(*) OVER () AS n
            FROM per WHERE {_IN_RANGE} AND revenue > 0
        ) ranked WHERE r = {rank} OR r = {rank} + 1 ORDER BY r""",  # noqa: S608
        [*params, fraction, fraction],
    )
    rows = cursor.fetchall()
    if not rows:
        return absolute
    n = int(rows[0][2])
    h = (n - 1) * fraction
    low = Decimal(str(rows[0][0]))
    high = Decimal(str(rows[-1][0]))
    value = low + (high - low) * Decimal(repr(h - math.floor(h)))
    return _lowest(value, absolute)


def capped_sums_sql(
    vendor: str, per_visitor: str, params: list[Any], cap: Decimal | None
) -> tuple[str, list[Any]]:
    """Per variation: visitors, conversions, with amount, revenue, Σrevenue², and the same
    two sums capped at ``cap``, and the number of visitors above it (no cap: uncapped, 0)."""
    capped, above, cap_params = "revenue", "0", []
    if cap is not None:
        # SQLite compares a Decimal parameter (sent as text) as text: send a float there.
        value: Any = float(cap) if vendor == "sqlite" else cap
        capped = "CASE WHEN revenue > %s THEN %s ELSE revenue END"
        above = "CASE WHEN revenue > %s THEN 1 ELSE 0 END"
        cap_params = [value] * 7
    sql = f"""WITH per AS ({per_visitor})
        SELECT variation_id, COUNT(*), SUM(conversions), SUM(with_amount),
               SUM(revenue), SUM(revenue * revenue),
               SUM({capped}), SUM(({capped}) * ({capped})), SUM({above})
        FROM per GROUP BY variation_id"""  # noqa: S608 - built from the caller's SQL
    return sql, [*params, *cap_params]
