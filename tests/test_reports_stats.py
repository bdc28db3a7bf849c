"""The report's statistics against independent implementations and published examples.

statsmodels and scipy's raw-data functions compute each figure a different way from
django_convert.reports.stats (which works from counts, sums and sums of squares).
"""

from __future__ import annotations

import random
import sys

import numpy as np
import pytest
from scipy import stats as scipy_stats
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
    proportions_ztest,
)

from django_convert.reports import stats
from django_convert.reports.stats import Sample

# (successes, trials) of a baseline and a variation: a clear win, a null, a small sample.
RATE_CASES = [
    ((500, 10_000), (580, 10_000)),
    ((1_210, 24_871), (1_198, 25_102)),
    ((3, 40), (9, 38)),
]


@pytest.mark.parametrize(("baseline", "variation"), RATE_CASES)
def test_compare_rates_matches_statsmodels(baseline, variation) -> None:
    result = stats.compare_rates(*baseline, *variation)

    _z, p_value = proportions_ztest([variation[0], baseline[0]], [variation[1], baseline[1]])
    assert result.p_value == pytest.approx(p_value, rel=1e-9)
    low, high = confint_proportions_2indep(
        variation[0], variation[1], baseline[0], baseline[1], method="log", compare="ratio"
    )
    assert result.interval is not None
    assert result.interval.low == pytest.approx(low - 1, rel=1e-9)
    assert result.interval.high == pytest.approx(high - 1, rel=1e-9)
    ratio = (variation[0] / variation[1]) / (baseline[0] / baseline[1])
    assert result.uplift == pytest.approx(ratio - 1)


@pytest.mark.parametrize(("successes", "trials"), [(81, 263), (15, 148), (0, 20), (1, 29)])
def test_rate_interval_matches_statsmodels_wilson(successes, trials) -> None:
    interval = stats.rate_interval(successes, trials)
    low, high = proportion_confint(successes, trials, alpha=0.05, method="wilson")
    assert interval is not None
    assert (interval.low, interval.high) == pytest.approx((low, high), abs=1e-12)


def test_rate_interval_published_newcombe_1998() -> None:
    """Newcombe (1998), Statistics in Medicine 17:857-872, Table I, method 3 (Wilson)."""
    published = {(81, 263): (0.2553, 0.3662), (15, 148): (0.0624, 0.1605), (0, 20): (0, 0.1611)}
    for (successes, trials), expected in published.items():
        interval = stats.rate_interval(successes, trials)
        assert interval is not None
        assert (interval.low, interval.high) == pytest.approx(expected, abs=5e-5)


def _revenue_per_visitor(rng: random.Random, visitors: int, rate: float) -> list[float]:
    """Per-visitor revenue: 0 for non-converters, a skewed order value otherwise."""
    return [
        round(rng.lognormvariate(4, 0.6), 2) if rng.random() < rate else 0.0
        for _ in range(visitors)
    ]


def _sample(values: list[float]) -> Sample:
    return Sample(len(values), sum(values), sum(v * v for v in values))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_compare_means_matches_scipy_welch_on_raw_data(seed) -> None:
    rng = random.Random(seed)
    baseline = _revenue_per_visitor(rng, 3_000, 0.05)
    variation = _revenue_per_visitor(rng, 2_900, 0.06)

    result = stats.compare_means(_sample(baseline), _sample(variation))

    reference = scipy_stats.ttest_ind(np.array(variation), np.array(baseline), equal_var=False)
    assert result.p_value == pytest.approx(reference.pvalue, rel=1e-7)
    ci = reference.confidence_interval(0.95)
    baseline_mean = float(np.mean(baseline))
    assert result.interval is not None
    assert result.interval.low == pytest.approx(ci.low / baseline_mean, rel=1e-7)
    assert result.interval.high == pytest.approx(ci.high / baseline_mean, rel=1e-7)
    assert result.uplift == pytest.approx(float(np.mean(variation)) / baseline_mean - 1)


def test_compare_means_published_welch_example() -> None:
    """Wikipedia, "Welch's t-test", Examples, data set 1: t = -2.46, df 25.0, p = 0.021."""
    a1 = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4]
    a2 = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4]
    result = stats.compare_means(_sample(a2), _sample(a1))
    assert result.p_value == pytest.approx(0.021, abs=5e-4)


def test_sample_ratio_matches_scipy_chisquare_and_published_coin() -> None:
    # Wikipedia, "Pearson's chi-squared test": 44 heads in 100 fair-coin flips, p = 0.23.
    assert stats.sample_ratio_p_value([44, 56], [5000, 5000]) == pytest.approx(0.23, abs=5e-3)
    # An unequal allocation: 20/80 configured.
    observed = [10_312, 39_688]
    expected = [50_000 * 0.2, 50_000 * 0.8]
    reference = scipy_stats.chisquare(observed, expected).pvalue
    assert stats.sample_ratio_p_value(observed, [2000, 8000]) == pytest.approx(reference)


def test_sample_ratio_visitors_in_an_unallocated_variation_is_a_mismatch() -> None:
    assert stats.sample_ratio_p_value([500, 3], [10_000, 0]) == 0.0


@pytest.mark.parametrize(
    ("observed", "weights"), [([1, 2], [1]), ([1, 2], [0, 0]), ([1, 2], [-1, 3])]
)
def test_sample_ratio_rejects_bad_allocations(observed, weights) -> None:
    with pytest.raises(ValueError, match=r"allocation|weight"):
        stats.sample_ratio_p_value(observed, weights)


def test_edge_cases_give_no_inference_instead_of_errors() -> None:
    no_conversions = stats.compare_rates(0, 1000, 0, 1000)
    assert (no_conversions.uplift, no_conversions.p_value, no_conversions.interval) == (
        None,
        None,
        None,
    )
    baseline_zero = stats.compare_rates(0, 1000, 5, 1000)
    assert baseline_zero.uplift is None
    assert baseline_zero.interval is None
    assert baseline_zero.p_value is not None
    assert stats.compare_means(Sample(0, 0, 0), Sample(10, 5, 5)).p_value is None
    assert stats.compare_means(Sample(10, 0, 0), Sample(10, 0, 0)).p_value is None
    with pytest.raises(ValueError, match="out of range"):
        stats.compare_rates(11, 10, 1, 10)


def test_without_scipy_only_point_estimates(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "scipy", None)
    monkeypatch.setitem(sys.modules, "scipy.stats", None)

    assert not stats.have_scipy()
    assert stats.rate_interval(5, 100) is None
    result = stats.compare_rates(50, 1000, 60, 1000)
    assert result.uplift == pytest.approx(0.2)
    assert (result.p_value, result.interval) == (None, None)
    assert stats.compare_means(Sample(10, 50, 500), Sample(10, 60, 600)).p_value is None
    assert stats.sample_ratio_p_value([44, 56], [1, 1]) is None
