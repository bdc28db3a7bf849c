"""The experiment report's statistics: pure functions on counts and sums, no models.

Inference comes from ``scipy.stats`` (the ``stats`` extra: ``pip install
django-convert[stats]``), imported at call time so the report still shows counts and rates
without it. Every function that needs scipy returns ``None`` when it is missing; call
:func:`have_scipy` to say why in the interface.

Methods (all two-sided, at :data:`CONFIDENCE`):

- conversion rate per variation: Wilson score interval;
- sample ratio mismatch: chi-squared goodness of fit against the configured allocation;
- the family of p-values a page shows: Holm's adjustment (:func:`adjust_holm`).

The comparisons with the baseline (:class:`Comparison`) are computed in
:mod:`django_convert.reports.compare` from :mod:`.sequential` (always-valid p-values and
intervals), :mod:`.bayes` (chance to beat the baseline, expected loss), :mod:`.capping`
(revenue capped per visitor) and :mod:`.power` (the planned sample).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import ModuleType

CONFIDENCE = 0.95
#: Below this SRM p-value the split is flagged: the usual threshold for SRM alarms, strict
#: because the check runs on every report view.
SRM_ALPHA = 0.001


@dataclass(frozen=True)
class Interval:
    low: float
    high: float


@dataclass(frozen=True)
class Comparison:
    """A variation against the baseline on one metric (:mod:`.compare` computes it).

    - ``uplift``: relative change ``(variation - baseline) / baseline`` (0.1 is +10 %); None
      when the baseline is 0.
    - ``interval``: the always-valid interval of ``uplift`` (a score interval for rates,
      Fieller's for revenue, both at the sequential level of :mod:`.sequential`) at the
      two-sided level ``interval_level``: 0.05 for a comparison alone, the level of its Holm
      step once the page is adjusted (:func:`django_convert.reports.compare.adjust`), so it
      excludes 0 exactly when ``decision_p_value < 0.05``; never below -1 (-100 %); None when
      the data cannot bound it (see ``notes``).
    - ``p_value``: the always-valid (sequential) p-value of "no difference", before any
      correction; ``adjusted_p_value``: after Holm's correction across every p-value of the
      page (the report sets it; None until then). The interval agrees with
      ``decision_p_value``: it excludes 0 exactly when that is below 0.05.
    - ``fixed_p_value``: the single-look p-value of the same test (score or Welch), valid only
      for one look at a planned end; shown for comparison, never used for the decision.
    - ``chance_to_beat_baseline`` (0..1) and ``expected_loss`` (a share of the baseline's
      value): Bayesian, see :mod:`.bayes`.
    - ``enough_data``: the minimum-data guard passed (100 visitors and 25 conversions in each
      of the two arms).
    - ``withheld``: the page cannot trust any comparison (a sample ratio mismatch); see
      ``notes``.
    - ``notes``: why a figure is withheld or to be read with care, in words for the page.
    - ``interval_level``: the two-sided alpha ``interval`` is built at (None without one);
      ``interval_notes``: the notes (also in ``notes``) that depend on that level;
      ``bounds_at``: recomputes ``(interval, interval_notes)`` at another level (what
      :func:`django_convert.reports.compare.adjust` calls); None without scipy.
    """

    uplift: float | None
    interval: Interval | None
    p_value: float | None
    adjusted_p_value: float | None = None
    fixed_p_value: float | None = None
    chance_to_beat_baseline: float | None = None
    expected_loss: float | None = None
    enough_data: bool = False
    notes: tuple[str, ...] = ()
    withheld: bool = False
    interval_level: float | None = None
    interval_notes: tuple[str, ...] = ()
    bounds_at: Callable[[float], tuple[Interval | None, tuple[str, ...]]] | None = field(
        default=None, repr=False, compare=False
    )

    @property
    def decision_p_value(self) -> float | None:
        """The p-value the decision uses: adjusted when the report has adjusted it."""
        return self.adjusted_p_value if self.adjusted_p_value is not None else self.p_value

    @property
    def significant(self) -> bool:
        """Decision-ready: enough data, not withheld, and the (adjusted) always-valid p-value
        below 0.05."""
        p = self.decision_p_value
        return self.enough_data and not self.withheld and p is not None and p < 1 - CONFIDENCE

    @property
    def note(self) -> str:
        """``notes`` as one sentence list for a table cell or the CSV's ``note`` column."""
        return " ".join(self.notes)


def adjust_holm(p_values: Sequence[float | None]) -> list[float | None]:
    """Holm's step-down adjustment of a family of p-values (None entries stay None).

    Holm, "A simple sequentially rejective multiple test procedure", Scandinavian Journal of
    Statistics 6(2), 1979: sort the m p-values ascending, multiply the i-th smallest by
    ``m - i + 1``, cap at 1 and keep the running maximum. Rejecting every adjusted p below
    0.05 keeps the chance of any false positive in the family at or below 5 %. The same
    arithmetic as statsmodels' ``multipletests(method="holm")`` (the tests hold it to that),
    written out because ``multipletests`` runs ``gc.collect()`` on every call: 40-80 ms per
    call, most of a report page's statistics. Raises ValueError for a p-value outside [0, 1].
    """
    present = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    if any(not 0 <= p <= 1 for p, _i in present):
        raise ValueError("p-values must be in [0, 1]")
    m = len(present)
    adjusted: list[float | None] = list(p_values)
    running = 0.0
    for rank, (p, i) in enumerate(present):
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[i] = running
    return adjusted


def scipy_stats() -> ModuleType | None:
    """``scipy.stats``, or None when the ``stats`` extra is not installed."""
    try:
        from scipy import stats
    except ImportError:
        return None
    module: ModuleType = stats
    return module


def have_scipy() -> bool:
    """Whether the ``stats`` extra is installed: scipy and statsmodels both import."""
    if scipy_stats() is None:
        return False
    try:
        import statsmodels.stats.proportion  # noqa: F401
    except ImportError:
        return False
    return True


def _z(stats: ModuleType) -> float:
    return float(stats.norm.ppf(0.5 + CONFIDENCE / 2))


def rate_interval(successes: int, trials: int) -> Interval | None:
    """Wilson score interval of ``successes / trials``; None without scipy or trials."""
    stats = scipy_stats()
    if stats is None or trials <= 0:
        return None
    z = _z(stats)
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return Interval(max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True)
class Sample:
    """A per-visitor metric summarised as ``n``, ``Σx`` and ``Σx²`` (what SQL can sum)."""

    n: int
    total: float
    total_squares: float

    @property
    def mean(self) -> float:
        return self.total / self.n

    @property
    def variance(self) -> float:
        """Unbiased sample variance; 0 for a single observation."""
        if self.n < 2:
            return 0.0
        # Clamped: rounding can make a zero variance come out slightly negative.
        return max(0.0, (self.total_squares - self.total * self.total / self.n) / (self.n - 1))


def sample_ratio_p_value(observed: Sequence[int], weights: Sequence[float]) -> float | None:
    """Chi-squared p-value of visitor counts against their expected split.

    ``weights`` are the configured traffic shares (any scale, e.g. percent).
    A visitor in a variation with no allocation is impossible under the configuration:
    the p-value is 0. Raises ValueError when the lengths differ or no weight is positive.
    """
    if len(observed) != len(weights):
        raise ValueError("one weight per observed count")
    weight_total = float(sum(weights))
    if weight_total <= 0 or any(w < 0 for w in weights):
        raise ValueError("traffic allocations must be >= 0 and not all 0")
    stats = scipy_stats()
    if stats is None:
        return None
    if any(count > 0 and weight == 0 for count, weight in zip(observed, weights, strict=True)):
        return 0.0
    pairs = [(c, w) for c, w in zip(observed, weights, strict=True) if w > 0]
    total = sum(c for c, _w in pairs)
    if total == 0 or len(pairs) < 2:
        return None
    expected = [total * w / weight_total for _c, w in pairs]
    return float(stats.chisquare([c for c, _w in pairs], expected).pvalue)
