"""The report page's statistics across its rows: Holm over the page, withholding, the plan.

:func:`django_convert.reports.experiment.build_report` computes each variation's
comparisons (:mod:`.compare`); these functions then treat the page as a whole. They take any
rows with ``rate_comparison`` and ``revenue_comparison`` (the report's ``VariationResult``,
or a segment's rows), so a page with segments adjusts every table in one family.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any, ClassVar, Protocol, TypeVar

from django.utils.translation import gettext as _

from django_convert.reports import compare, power, stats
from django_convert.reports.stats import Comparison


class Row(Protocol):
    """What these functions read of a row (a frozen dataclass: changed by ``replace``)."""

    __dataclass_fields__: ClassVar[dict[str, Any]]

    @property
    def rate_comparison(self) -> Comparison | None: ...
    @property
    def revenue_comparison(self) -> Comparison | None: ...
    @property
    def is_baseline(self) -> bool: ...
    @property
    def visitors(self) -> int: ...
    @property
    def rate(self) -> float | None: ...
    @property
    def capped_visitors(self) -> int: ...


R = TypeVar("R", bound=Row)


def _comparisons(rows: Sequence[Row]) -> list[Comparison | None]:
    return [c for row in rows for c in (row.rate_comparison, row.revenue_comparison)]


def adjust_page(*tables: Sequence[R]) -> list[list[R]]:
    """Every table with its p-values adjusted by Holm across all of them, in one family.

    Pass every table the page shows (the whole range, then each segment's). Returns the
    tables in the same order, rows with their comparisons' ``adjusted_p_value`` set.
    """
    adjusted = iter(compare.adjust([c for table in tables for c in _comparisons(table)]))
    return [
        [
            replace(row, rate_comparison=next(adjusted), revenue_comparison=next(adjusted))
            for row in table
        ]
        for table in tables
    ]


def family_size(*tables: Sequence[Row]) -> int:
    """How many p-values the page shows (the size of Holm's family)."""
    return sum(
        1
        for table in tables
        for c in _comparisons(table)
        if c is not None and c.p_value is not None
    )


def _withheld(comparison: Comparison | None, note: str) -> Comparison | None:
    if comparison is None:
        return None
    return replace(comparison, withheld=True, notes=(*comparison.notes, note))


def withhold(rows: Sequence[R], note: str) -> list[R]:
    """The rows with every comparison marked not decision-ready, ``note`` saying why."""
    return [
        replace(
            row,
            rate_comparison=_withheld(row.rate_comparison, note),
            revenue_comparison=_withheld(row.revenue_comparison, note),
        )
        for row in rows
    ]


def sample_ratio_note(p_value: float) -> str:
    """The note a sample-ratio mismatch adds to every comparison."""
    return _(
        "Withheld: the visitors are not split as the traffic allocation says (sample ratio "
        "mismatch, p = %(p)s); no comparison can be trusted until that is explained."
    ) % {"p": f"{p_value:.2g}"}


def plan(rows: Sequence[Row], days: float, mde: float) -> power.Plan | None:
    """The planned sample at the baseline's rate (:func:`.power.plan`); None when it cannot
    be sized (no scipy, no baseline, a baseline rate of 0, or one too high for the effect)."""
    baseline = next((row for row in rows if row.is_baseline), None)
    if not stats.have_scipy() or baseline is None or baseline.rate is None:
        return None
    if not 0 < baseline.rate * (1 + mde) < 1:
        return None
    return power.plan(baseline.rate, [row.visitors for row in rows], days, mde=mde)


def capping_note(cap: float, capped: int, baseline_capped: int) -> str:
    """The note a capped revenue comparison carries (for the page's cell and the CSV)."""
    return _(
        "Revenue per visitor capped at %(cap)s: %(capped)d visitor(s) here and "
        "%(baseline)d in the baseline spent more and count as %(cap)s."
    ) % {"cap": f"{cap:,.2f}", "capped": capped, "baseline": baseline_capped}


def page_notes(rows: Sequence[Row], cap: float | None) -> list[str]:
    """The page's notes on its statistics: what was capped, and the correction applied."""
    notes = []
    capped = sum(row.capped_visitors for row in rows)
    if capped and cap is not None:
        notes.append(
            _(
                "Revenue per visitor is capped at %(cap)s: %(count)d visitor(s) spent more in "
                "this range and count as spending %(cap)s in the revenue comparison, so one "
                "large order cannot decide it."
            )
            % {"cap": f"{cap:,.2f}", "count": capped}
        )
    if family_size(rows) > 1:
        notes.append(
            _(
                "P-values are adjusted for the %(count)d comparisons on this page (Holm) and "
                "are always valid: looking every day does not make a false win more likely. "
                "Each change's interval is widened to the level Holm used for it, so it "
                "leaves out 0 only when the adjusted p-value is below 0.05."
            )
            % {"count": family_size(rows)}
        )
    return notes
