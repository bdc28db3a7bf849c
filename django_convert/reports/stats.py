"""The experiment report's statistics: pure functions on counts and sums, no models.

Inference comes from ``scipy.stats`` (the ``stats`` extra: ``pip install
django-convert[stats]``), imported at call time so the report still shows counts and rates
without it. Every function that needs scipy returns ``None`` when it is missing; call
:func:`have_scipy` to say why in the interface.

Methods (all two-sided, at :data:`CONFIDENCE`):

- conversion rate per variation: Wilson score interval;
- rate, variation vs baseline: pooled two-proportion z-test for the p-value (as statsmodels'
  ``proportions_ztest``), Katz log interval for the relative uplift (risk ratio - 1);
- revenue per visitor, variation vs baseline: Welch's t-test from sums and sums of squares
  (non-converting visitors count as 0), interval of the difference divided by the
  baseline's mean;
- sample ratio mismatch: chi-squared goodness of fit against the configured allocation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
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
    """A variation against the baseline on one metric.

    ``uplift`` is relative: ``(variation - baseline) / baseline`` (0.1 is +10 %); None when
    the baseline is 0. ``interval`` bounds ``uplift``; ``p_value`` tests "no difference".
    Either is None when scipy is missing or the data cannot support it (no conversions).
    """

    uplift: float | None
    interval: Interval | None
    p_value: float | None

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < 1 - CONFIDENCE


def scipy_stats() -> ModuleType | None:
    """``scipy.stats``, or None when the ``stats`` extra is not installed."""
    try:
        from scipy import stats
    except ImportError:
        return None
    module: ModuleType = stats
    return module


def have_scipy() -> bool:
    return scipy_stats() is not None


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


def compare_rates(
    baseline_successes: int, baseline_trials: int, successes: int, trials: int
) -> Comparison:
    """Conversion rate of a variation against the baseline's.

    Raises ValueError for successes outside ``0..trials``.
    """
    for x, n in ((baseline_successes, baseline_trials), (successes, trials)):
        if n < 0 or not 0 <= x <= max(n, 0):
            raise ValueError(f"successes {x} out of range for {n} trials")
    if baseline_trials == 0 or trials == 0:
        return Comparison(None, None, None)
    p_b, p_v = baseline_successes / baseline_trials, successes / trials
    uplift = p_v / p_b - 1 if p_b > 0 else None
    stats = scipy_stats()
    if stats is None:
        return Comparison(uplift, None, None)
    pooled = (baseline_successes + successes) / (baseline_trials + trials)
    se = math.sqrt(pooled * (1 - pooled) * (1 / baseline_trials + 1 / trials))
    p_value = float(2 * stats.norm.sf(abs(p_v - p_b) / se)) if se > 0 else None
    interval = None
    if successes > 0 and baseline_successes > 0:
        # Katz et al. (1978): the log of the risk ratio is close to normal.
        se_log = math.sqrt(
            1 / successes - 1 / trials + 1 / baseline_successes - 1 / baseline_trials
        )
        log_ratio = math.log(p_v / p_b)
        half = _z(stats) * se_log
        interval = Interval(math.exp(log_ratio - half) - 1, math.exp(log_ratio + half) - 1)
    return Comparison(uplift, interval, p_value)


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


def compare_means(baseline: Sample, variation: Sample) -> Comparison:
    """Welch's t-test on the means of two samples (unequal variances)."""
    if baseline.n == 0 or variation.n == 0:
        return Comparison(None, None, None)
    m_b, m_v = baseline.mean, variation.mean
    uplift = m_v / m_b - 1 if m_b > 0 else None
    stats = scipy_stats()
    if stats is None or baseline.n < 2 or variation.n < 2:
        return Comparison(uplift, None, None)
    v_b, v_v = baseline.variance / baseline.n, variation.variance / variation.n
    se = math.sqrt(v_b + v_v)
    if se == 0:
        return Comparison(uplift, None, None)
    result = stats.ttest_ind_from_stats(
        m_v,
        math.sqrt(variation.variance),
        variation.n,
        m_b,
        math.sqrt(baseline.variance),
        baseline.n,
        equal_var=False,
    )
    # Welch-Satterthwaite degrees of freedom, as scipy uses for the test itself.
    df = (v_b + v_v) ** 2 / (v_b**2 / (baseline.n - 1) + v_v**2 / (variation.n - 1))
    half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, df)) * se
    interval = None
    if m_b > 0:
        diff = m_v - m_b
        interval = Interval((diff - half) / m_b, (diff + half) / m_b)
    return Comparison(uplift, interval, float(result.pvalue))


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
