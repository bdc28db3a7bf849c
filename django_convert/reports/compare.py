"""A variation against the baseline: always-valid tests, bounded intervals, chance to win.

Rates: the score test and score interval of the rate ratio (Miettinen and Nurminen,
"Comparative analysis of two rates", Statistics in Medicine 4(2), 1985), as statsmodels'
``test_proportions_2indep(compare="ratio", method="score")`` computes the test
(:mod:`.score` says why the interval is not statsmodels' own): the interval is the set of
ratios the test does not reject, so it never contradicts the p-value and never leaves
``[-100 %, +∞)``.

Revenue per visitor: Welch's statistic on the (capped) per-visitor means, and Fieller's
interval for the ratio of the means (Fieller, "Some problems in interval estimation", JRSS B
16(2), 1954): the set of ratios R with ``(m_v - R m_b)² ≤ t² (v_v + R² v_b)``. It contains 1
exactly when Welch's test does not reject; it is unbounded when the baseline's mean is not
clearly above 0 (then no interval is shown, with a note), and is cut at 0 (-100 %) since
revenue is never negative.

Both are computed at the always-valid level of :mod:`.sequential` for the visitors so far
(at 95 % for a comparison alone; :func:`adjust` moves each interval to its Holm step's level
so it agrees with the adjusted p-value), and
the decision waits for Optimizely's minimum data: 100 visitors and 25 conversions in each of
the two arms. Optimizely: "won't declare a variation a winner or loser until you have at
least 100 visitors/sessions and 25 conversions in both that variation and the baseline"
(https://help.optimizely.com/Analyze_Results/Statistical_significance_in_Optimizely). For
revenue Optimizely asks 100 visitors only; this report also asks 25 converting visitors per
arm, as revenue per visitor from fewer orders is mostly noise.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial

from django.utils.translation import gettext as _

from django_convert.reports import bayes, score, sequential
from django_convert.reports.stats import (
    Comparison,
    Interval,
    Sample,
    adjust_holm,
    have_scipy,
    scipy_stats,
)

#: The two-sided level of every figure before Holm.
ALPHA = sequential.ALPHA
#: The minimum-data guard, per arm (Optimizely's rule).
MIN_VISITORS = 100
MIN_CONVERSIONS = 25


def _guard(visitors: tuple[int, int], conversions: tuple[int, int]) -> tuple[bool, list[str]]:
    if min(visitors) >= MIN_VISITORS and min(conversions) >= MIN_CONVERSIONS:
        return True, []
    return False, [
        _(
            "Too early to decide: a decision needs at least %(visitors)d visitors and "
            "%(conversions)d conversions in the baseline and in this variation."
        )
        % {"visitors": MIN_VISITORS, "conversions": MIN_CONVERSIONS}
    ]


def _sequential(
    uplift: float | None,
    z: float,
    total: int,
    fixed_p: float,
    bounds_at: Callable[[float], tuple[Interval | None, tuple[str, ...]]],
    chance: bayes.Chance | None,
    enough: bool,
    notes: Sequence[str],
) -> Comparison:
    """The comparison both metrics end with: the always-valid p-value of ``z`` after
    ``total`` visitors, the interval at the sequential level, the chance to beat."""
    interval, interval_notes = bounds_at(sequential.ALPHA)
    return Comparison(
        uplift,
        interval,
        sequential.p_value(z, total),
        fixed_p_value=fixed_p,
        chance_to_beat_baseline=chance.chance_to_beat_baseline if chance else None,
        expected_loss=chance.expected_loss if chance else None,
        enough_data=enough,
        notes=(*notes, *interval_notes),
        interval_level=sequential.ALPHA if interval is not None else None,
        interval_notes=interval_notes,
        bounds_at=bounds_at,
    )


def _check_counts(successes: int, trials: int) -> None:
    if trials < 0 or not 0 <= successes <= trials:
        raise ValueError(f"conversions {successes} out of range for {trials} visitors")


def compare_rates(
    baseline_conversions: int,
    baseline_visitors: int,
    conversions: int,
    visitors: int,
    *,
    with_chance: bool = True,
) -> Comparison:
    """Conversion rate of a variation (``conversions / visitors``) against the baseline's.

    Counts are converting visitors and bucketed visitors. ``with_chance=False`` skips the
    Bayesian chance to beat the baseline and expected loss (left None), for callers that
    show only the uplift and its interval (the trend). Raises ValueError for conversions
    outside ``0..visitors``.
    """
    _check_counts(baseline_conversions, baseline_visitors)
    _check_counts(conversions, visitors)
    if baseline_visitors == 0 or visitors == 0:
        return Comparison(None, None, None, notes=(_("No visitors in one of the two arms."),))
    p_b, p_v = baseline_conversions / baseline_visitors, conversions / visitors
    uplift = p_v / p_b - 1 if p_b > 0 else None
    enough, notes = _guard((baseline_visitors, visitors), (baseline_conversions, conversions))
    if not have_scipy():
        return Comparison(uplift, None, None, enough_data=enough, notes=tuple(notes))
    total = baseline_visitors + visitors
    z = score.score_z(conversions, visitors, baseline_conversions, baseline_visitors)
    fixed_p = math.erfc(abs(z) / math.sqrt(2))
    bounds_at = partial(
        _rate_bounds, baseline_conversions, baseline_visitors, conversions, visitors
    )
    chance = (
        bayes.beta_chance(baseline_conversions, baseline_visitors, conversions, visitors)
        if with_chance
        else None
    )
    return _sequential(uplift, z, total, fixed_p, bounds_at, chance, enough, notes)


def _rate_bounds(
    baseline_conversions: int,
    baseline_visitors: int,
    conversions: int,
    visitors: int,
    alpha: float,
) -> tuple[Interval | None, tuple[str, ...]]:
    """The always-valid score interval of the rates' uplift at two-sided level ``alpha``."""
    if baseline_conversions == 0:
        return None, (_("No conversion in the baseline: there is no relative change to show."),)
    low, high = score.score_interval(
        conversions,
        visitors,
        baseline_conversions,
        baseline_visitors,
        sequential.critical_z(baseline_visitors + visitors, alpha),
    )
    if high is None:
        return None, (_("Too few conversions to bound the relative change: no interval yet."),)
    return Interval(low - 1, high - 1), ()


def fieller_interval(
    baseline: Sample, variation: Sample, critical: float
) -> tuple[float, float] | None:
    """Fieller's interval of ``variation.mean / baseline.mean`` at ``critical`` (a z quantile).

    Independent samples; variances of the means are ``variance / n``. Returns (low, high)
    with low cut at 0, or None when the set is not a bounded interval (the baseline mean is
    within ``critical`` standard errors of 0).
    """
    m_b, m_v = baseline.mean, variation.mean
    v_b, v_v = baseline.variance / baseline.n, variation.variance / variation.n
    a = m_b * m_b - critical * critical * v_b
    if a <= 0:
        return None
    half = critical * math.sqrt(m_v * m_v * v_b + a * v_v)
    return max(0.0, (m_v * m_b - half) / a), (m_v * m_b + half) / a


def compare_means(
    baseline: Sample,
    variation: Sample,
    *,
    baseline_conversions: int,
    conversions: int,
) -> Comparison:
    """Revenue per visitor of a variation against the baseline's.

    ``baseline``/``variation`` summarise per-visitor revenue (0 for visitors without any),
    capped (:mod:`.capping`); ``*_conversions`` are the arms' converting visitors, for the
    minimum-data guard. Raises ValueError for negative counts.
    """
    if baseline.n < 0 or variation.n < 0 or baseline_conversions < 0 or conversions < 0:
        raise ValueError("counts must be >= 0")
    if baseline.n == 0 or variation.n == 0:
        return Comparison(None, None, None, notes=(_("No visitors in one of the two arms."),))
    m_b, m_v = baseline.mean, variation.mean
    uplift = m_v / m_b - 1 if m_b > 0 else None
    enough, notes = _guard((baseline.n, variation.n), (baseline_conversions, conversions))
    stats = scipy_stats()
    if stats is None or not have_scipy() or baseline.n < 2 or variation.n < 2:
        return Comparison(uplift, None, None, enough_data=enough, notes=tuple(notes))
    total = baseline.n + variation.n
    se = math.sqrt(baseline.variance / baseline.n + variation.variance / variation.n)
    if se == 0:
        z = 0.0 if m_v == m_b else math.inf
        fixed_p = 1.0 if m_v == m_b else 0.0
    else:
        z = (m_v - m_b) / se
        fixed_p = float(
            stats.ttest_ind_from_stats(
                m_v,
                math.sqrt(variation.variance),
                variation.n,
                m_b,
                math.sqrt(baseline.variance),
                baseline.n,
                equal_var=False,
            ).pvalue
        )
    bounds_at = partial(_mean_bounds, baseline, variation)
    chance = bayes.normal_chance(baseline, variation)
    return _sequential(uplift, z, total, fixed_p, bounds_at, chance, enough, notes)


def _mean_bounds(
    baseline: Sample, variation: Sample, alpha: float
) -> tuple[Interval | None, tuple[str, ...]]:
    """The always-valid Fieller interval of revenue per visitor's uplift at level ``alpha``."""
    if baseline.mean <= 0:
        return None, (_("No revenue in the baseline: there is no relative change to show."),)
    critical = sequential.critical_z(baseline.n + variation.n, alpha)
    bounds = fieller_interval(baseline, variation, critical)
    if bounds is None:
        return None, (
            _(
                "The baseline's revenue per visitor is too uncertain to bound the "
                "relative change (Fieller's interval is unbounded): no interval yet."
            ),
        )
    return Interval(bounds[0] - 1, bounds[1] - 1), ()


def holm_levels(p_values: Sequence[float | None], alpha: float = ALPHA) -> list[float | None]:
    """The two-sided level at which each p-value's interval agrees with Holm's decision.

    Holm (1979) compares the i-th smallest of m p-values with ``alpha / (m - i + 1)`` and
    stops at the first that is not below it; say r were rejected. A rejected p-value gets the
    level of its own step, ``alpha / (m - i + 1)`` (it is below it), every other one the
    level of the step where Holm stopped, ``alpha / (m - r)`` (it is not below it, as the
    p-values are sorted). An interval at that level, inverting the same test, excludes "no
    difference" exactly when Holm rejects: the usual Holm-compatible choice (Strassburger and
    Bretz, "Compatible simultaneous lower confidence bounds for the Holm procedure",
    Statistics in Medicine 27(24), 2008, give the one-sided bounds that are also tight).
    None entries stay None. Raises ValueError for a p-value outside [0, 1].
    """
    adjusted = adjust_holm(p_values)
    present = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    m = len(present)
    rejected = sum(1 for p in adjusted if p is not None and p < alpha)
    levels: list[float | None] = [None] * len(p_values)
    for rank, (_p, i) in enumerate(present, start=1):
        p_adjusted = adjusted[i]
        step = rank if p_adjusted is not None and p_adjusted < alpha else rejected + 1
        levels[i] = alpha / (m - step + 1)
    return levels


def adjust(comparisons: Sequence[Comparison | None]) -> list[Comparison | None]:
    """Every comparison of a page with its p-value adjusted by Holm across all of them, and
    its interval at the level of its Holm step (:func:`holm_levels`).

    Pass every comparison the page shows (variations x metrics x segments) in one call: the
    family is what the reader sees. Each interval then excludes 0 exactly when the adjusted
    p-value is below 0.05, so the page never shows an interval that disagrees with its
    decision. Comparisons without a p-value stay as they are.
    """
    raw = [c.p_value if c is not None else None for c in comparisons]
    adjusted = adjust_holm(raw)
    levels = holm_levels(raw)
    result: list[Comparison | None] = []
    for c, p, level in zip(comparisons, adjusted, levels, strict=True):
        if c is None:
            result.append(None)
            continue
        c = replace(c, adjusted_p_value=p)
        if level is not None and c.bounds_at is not None:
            interval, interval_notes = c.bounds_at(level)
            kept = tuple(note for note in c.notes if note not in c.interval_notes)
            c = replace(
                c,
                interval=interval,
                interval_level=level if interval is not None else None,
                interval_notes=interval_notes,
                notes=(*kept, *interval_notes),
            )
        result.append(c)
    return result
