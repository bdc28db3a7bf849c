"""Chance to beat, expected loss, capping, the plan and the REPORT setting, independently.

Chance to beat is checked against Evan Miller's closed form ("Formulas for Bayesian A/B
Testing", https://www.evanmiller.org/bayesian-ab-testing.html) and fixed-seed Monte Carlo;
the percentile against the standard library's ``statistics.quantiles``; the planned sample
against the textbook formula n = 2 ((z_a/2 + z_b) / h)^2 with Cohen's h.
"""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest
from django.core.exceptions import ImproperlyConfigured
from scipy import stats as scipy_stats
from scipy.special import betaln

from django_convert.reports import bayes, capping, power, sequential
from django_convert.reports import settings as report_settings
from django_convert.reports.stats import Sample


def miller(a_b: float, b_b: float, a_v: float, b_v: float) -> float:
    """P(variation > baseline) for Beta posteriors, Evan Miller's sum (a_v an integer)."""
    return float(
        sum(
            math.exp(
                betaln(a_b + i, b_b + b_v)
                - math.log(b_v + i)
                - betaln(1 + i, b_v)
                - betaln(a_b, b_b)
            )
            for i in range(int(a_v))
        )
    )


CASES = [  # baseline conversions, visitors, variation conversions, visitors
    (100, 1_000, 120, 1_000),
    (1, 245, 7, 244),
    (0, 50, 0, 50),
    (2_000, 40_000, 2_100, 40_000),
    (200, 200, 199, 200),  # 100 % conversion in the baseline
    (3, 10, 0, 10),
]


@pytest.mark.parametrize("case", CASES)
def test_beta_chance_matches_evan_miller_and_monte_carlo(case) -> None:
    cb, nb, cv, nv = case
    result = bayes.beta_chance(*case)
    assert result is not None
    expected = miller(1 + cb, 1 + nb - cb, 1 + cv, 1 + nv - cv)
    assert result.chance_to_beat_baseline == pytest.approx(expected, abs=1e-9)

    rng = np.random.default_rng(19)
    baseline = rng.beta(1 + cb, 1 + nb - cb, 400_000)
    variation = rng.beta(1 + cv, 1 + nv - cv, 400_000)
    loss = np.maximum(baseline - variation, 0).mean() / ((1 + cb) / (2 + nb))
    assert result.expected_loss == pytest.approx(loss, rel=0.02, abs=1e-6)


def test_normal_chance_matches_monte_carlo() -> None:
    baseline, variation = Sample(5_000, 16_000.0, 4.1e6), Sample(5_000, 17_500.0, 4.6e6)
    result = bayes.normal_chance(baseline, variation)
    assert result is not None
    rng = np.random.default_rng(5)
    b = rng.normal(baseline.mean, math.sqrt(baseline.variance / baseline.n), 1_000_000)
    v = rng.normal(variation.mean, math.sqrt(variation.variance / variation.n), 1_000_000)
    assert result.chance_to_beat_baseline == pytest.approx((v > b).mean(), abs=2e-3)
    assert result.expected_loss == pytest.approx(
        np.maximum(b - v, 0).mean() / baseline.mean, rel=0.02
    )
    assert bayes.normal_chance(Sample(10, 0, 0), variation) is None
    assert bayes.normal_chance(Sample(1, 5, 25), variation) is None


def test_revenue_cap_is_the_linear_percentile_of_nonzero_revenue() -> None:
    values = [0.0] * 50 + [12.5, 40, 40, 65, 70, 88, 120, 300, 5_000]
    nonzero = [v for v in values if v]
    linear = statistics.quantiles(nonzero, n=100, method="inclusive")[98]
    assert capping.revenue_cap(values, 99) == pytest.approx(linear)
    assert capping.revenue_cap(values, 99, absolute=250) == 250
    assert capping.revenue_cap(values, None, absolute=250) == 250
    assert capping.revenue_cap([0.0, 0.0], 99) is None
    assert capping.revenue_cap(values, None) is None
    with pytest.raises(ValueError, match="percentile"):
        capping.revenue_cap(values, 0)
    with pytest.raises(ValueError, match="absolute"):
        capping.revenue_cap(values, 99, absolute=0)


def test_cap_values_winsorizes() -> None:
    sample = capping.cap_values([0, 10, 20, 500], 100)
    assert (sample.n, sample.total, sample.total_squares) == (4, 130, 100 + 400 + 10_000)
    assert (sample.capped, sample.cap) == (1, 100)
    assert sample.mean == pytest.approx(32.5)
    uncapped = capping.cap_values([0, 10], None)
    assert (uncapped.capped, uncapped.cap, uncapped.total) == (0, None, 10)


def test_fixed_horizon_sample_matches_the_textbook_formula() -> None:
    # Cohen's h for 5.5 % against 5 %, two-sided 5 %, power 80 %: each arm's arcsine has
    # variance 1 / n, their difference 2 / n (Cohen 1988, ch. 6).
    h = 2 * math.asin(math.sqrt(0.055)) - 2 * math.asin(math.sqrt(0.05))
    expected = 2 * ((scipy_stats.norm.isf(0.025) + scipy_stats.norm.isf(0.2)) / h) ** 2
    assert power.fixed_horizon_sample(0.05, 0.10) == math.ceil(expected)


def test_sequential_sample_reaches_the_power_at_its_own_level() -> None:
    n = power.sequential_sample(0.05, 0.10)
    h = abs(2 * math.asin(math.sqrt(0.055)) - 2 * math.asin(math.sqrt(0.05)))
    z = sequential.critical_z(2 * n)
    achieved = scipy_stats.norm.sf(z - h * math.sqrt(n / 2))
    assert achieved == pytest.approx(0.8, abs=2e-3)
    assert n > power.fixed_horizon_sample(0.05, 0.10)


def test_plan_counts_what_is_missing_and_the_days_at_the_current_rate() -> None:
    planned = power.sequential_sample(0.05, 0.10)
    plan = power.plan(0.05, [planned // 4, planned // 5], 7)
    assert plan.planned_per_variation == planned
    assert plan.visitors_needed == planned - planned // 4 + planned - planned // 5
    slowest = (planned - planned // 5) / ((planned // 5) / 7)
    assert plan.days_needed == pytest.approx(slowest)
    assert power.plan(0.05, [planned, planned + 5], 30).days_needed == 0
    assert power.plan(0.05, [100, 0], 3).days_needed is None
    assert power.plan(0.05, [100, 100], 0).days_needed is None
    with pytest.raises(ValueError, match="baseline rate"):
        power.plan(0.0, [100, 100], 3)
    with pytest.raises(ValueError, match="minimum detectable"):
        power.plan(0.95, [100, 100], 3)


def test_report_setting_defaults_and_problems(settings) -> None:
    settings.DJANGO_CONVERT = {"ACCOUNT_ID": "1", "PROJECT_ID": "2"}
    assert report_settings.report_setting("REVENUE_CAP_PERCENTILE") == 99.0
    assert report_settings.report_setting("REVENUE_CAP") is None
    assert report_settings.report_setting("MINIMUM_DETECTABLE_EFFECT") == 0.10
    assert report_settings.problems() == []
    settings.DJANGO_CONVERT = {"REPORT": {"REVENUE_CAP_PERCENTILE": 120, "TYPO": 1}}
    assert len(report_settings.problems()) == 2
    with pytest.raises(ImproperlyConfigured, match=r"\(0, 100\]"):
        report_settings.report_setting("REVENUE_CAP_PERCENTILE")
    with pytest.raises(ImproperlyConfigured, match="not a setting"):
        report_settings.report_setting("TYPO")
    settings.DJANGO_CONVERT = {"REPORT": []}
    with pytest.raises(ImproperlyConfigured, match="must be a dict"):
        report_settings.report_setting("REVENUE_CAP")


def test_check_e060_reports_a_bad_report_setting(settings) -> None:
    from django_convert.checks import check_report_setting

    settings.DJANGO_CONVERT = {"ACCOUNT_ID": "1", "PROJECT_ID": "2"}
    assert check_report_setting() == []
    settings.DJANGO_CONVERT = {"REPORT": {"REVENUE_CAP": -5, "MINIMUM_DETECTABLE_EFFECT": None}}
    messages = check_report_setting()
    assert [m.id for m in messages] == ["django_convert.E060"] * 2
    assert "REVENUE_CAP" in messages[0].msg
    assert "above 0" in messages[0].msg
