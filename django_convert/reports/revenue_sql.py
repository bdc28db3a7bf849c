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
    ctes: str,
    params: list[Any],
    percentile: float | None,
    absolute: Decimal | None,
) -> Decimal | None:
    """The cap on SQLite and MariaDB: the ``percentile`` (0-100) of the non-zero
    per-visitor revenues of ``per`` (see ``queries.per_visitor_sql``), lowered to
    ``absolute``; None when neither applies. The two ranks around the percentile are read
    with ``ROW_NUMBER()`` and interpolated here."""
    if percentile is None:
        return absolute
    fraction = percentile / 100
    rank = "FLOOR((n - 1) * %s)" if vendor == "mysql" else "CAST((n - 1) * %s AS INTEGER)"
    cursor.execute(
        f"""WITH {ctes}
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


_PERCENTILE = (
    "(SELECT CAST(percentile_cont(%s) WITHIN GROUP (ORDER BY revenue) AS numeric) "
    "FROM per WHERE variation_id IS NOT NULL AND variation_id <> '' AND revenue > 0)"
)
_SUMS = """SELECT variation_id, grp, grp2, COUNT(*), SUM(conversions), SUM(with_amount),
               SUM(revenue), SUM(revenue * revenue),
               SUM({capped}), SUM(({capped}) * ({capped})), SUM({above}){extra}
        FROM per{join} GROUP BY variation_id, grp, grp2"""


def sums_sql(
    vendor: str, ctes: str, params: list[Any], cap: Decimal | None
) -> tuple[str, list[Any]]:
    """Per variation and group: visitors, conversions, with amount, revenue, Σrevenue², the
    same two sums capped at ``cap``, and the visitors above it (no cap: uncapped, 0)."""
    capped, above, cap_params = "revenue", "0", []
    if cap is not None:
        # SQLite compares a Decimal parameter (sent as text) as text: send a float there.
        value: Any = float(cap) if vendor == "sqlite" else cap
        capped = "CASE WHEN revenue > %s THEN %s ELSE revenue END"
        above = "CASE WHEN revenue > %s THEN 1 ELSE 0 END"
        cap_params = [value] * 7
    sums = _SUMS.format(capped=capped, above=above, extra="", join="")
    return f"WITH {ctes} {sums}", [*params, *cap_params]


def sums_with_cap_sql(
    ctes: str, params: list[Any], percentile: float | None, absolute: Decimal | None
) -> tuple[str, list[Any]]:
    """PostgreSQL, one statement: the cap by ``percentile_cont`` in a CTE (``per`` is then
    materialized once), the sums capped at it, and the cap as an 11th column."""
    if percentile is None and absolute is None:
        sums = _SUMS.format(capped="revenue", above="0", extra=", NULL", join="")
        return f"WITH {ctes} {sums}", params
    candidates: list[str] = []
    cap_params: list[Any] = []
    if percentile is not None:
        candidates.append(_PERCENTILE)
        cap_params.append(percentile / 100)
    if absolute is not None:
        candidates.append("CAST(%s AS numeric)")
        cap_params.append(absolute)
    cap = f"LEAST({', '.join(candidates)})" if len(candidates) > 1 else candidates[0]
    sums = _SUMS.format(
        capped="CASE WHEN revenue > cap.value THEN cap.value ELSE revenue END",
        above="CASE WHEN revenue > cap.value THEN 1 ELSE 0 END",
        extra=", MAX(cap.value)",
        join=" CROSS JOIN cap",
    )
    # MATERIALIZED: computed once (inlined, PostgreSQL ran the percentile once per use).
    return f"WITH {ctes}, cap AS MATERIALIZED (SELECT {cap} AS value) {sums}", [
        *params,
        *cap_params,
    ]
