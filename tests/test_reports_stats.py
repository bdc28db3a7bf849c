"""The report's statistics against independent implementations and published examples.

statsmodels and scipy's raw-data functions compute each figure a different way from
django_convert.reports.stats (which works from counts, sums and sums of squares).
"""

from __future__ import annotations

import sys

import pytest
from scipy import stats as scipy_stats
from statsmodels.stats.proportion import proportion_confint

from django_convert.reports import compare, stats
from django_convert.reports.stats import Sample


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


def test_without_scipy_only_point_estimates(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "scipy", None)
    monkeypatch.setitem(sys.modules, "scipy.stats", None)

    assert not stats.have_scipy()
    assert stats.rate_interval(5, 100) is None
    result = compare.compare_rates(50, 1000, 60, 1000)
    assert result.uplift == pytest.approx(0.2)
    assert (result.p_value, result.interval, result.chance_to_beat_baseline) == (None, None, None)
    assert not result.significant
    means = compare.compare_means(
        Sample(10, 50, 500), Sample(10, 60, 600), baseline_conversions=5, conversions=6
    )
    assert means.p_value is None
    assert stats.sample_ratio_p_value([44, 56], [1, 1]) is None
