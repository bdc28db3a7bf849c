"""Intervals at the level of each comparison's Holm step (reports/compare.py ``adjust``).

The page adjusts every p-value by Holm; an interval left at 95 % could exclude 0 beside an
adjusted p above 0.05 ("+1.6 % … +85.1 %" beside "Holm p 0.062, No difference yet"). These
tests hold the property the page promises, on random pages and on the examples: an interval
excludes 0 exactly when the adjusted p-value is below 0.05, and where that is so without a
decision, the notes say why. Holm's steps are recomputed here from Holm (1979).
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats as scipy_stats

from django_convert.reports import compare, figures, sequential
from django_convert.reports.stats import Comparison, Sample


def excludes_zero(c: Comparison) -> bool:
    assert c.interval is not None
    return c.interval.low > 0 or c.interval.high < 0


def holm_steps(p_values: list[float]) -> list[float]:
    """Holm (1979) from its definition: the level each p-value's interval should have."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    rejected = 0
    for rank, i in enumerate(order, start=1):
        if p_values[i] >= 0.05 / (m - rank + 1):
            break
        rejected = rank
    levels = [0.0] * m
    for rank, i in enumerate(order, start=1):
        step = rank if rank <= rejected else rejected + 1
        levels[i] = 0.05 / (m - step + 1)
    return levels


def check_page(comparisons: list[Comparison | None]) -> list[Comparison | None]:
    adjusted = compare.adjust(comparisons)
    present = [c for c in comparisons if c is not None and c.p_value is not None]
    expected = iter(holm_steps([c.p_value for c in present]))  # type: ignore[misc]
    for before, after in zip(comparisons, adjusted, strict=True):
        if before is None:
            assert after is None
            continue
        assert after is not None
        if before.p_value is None:
            assert after == before
            continue
        level = next(expected)
        assert after.p_value == before.p_value
        if after.interval is None:
            assert after.interval_level is None
            assert after.notes, "an interval not shown must say why"
            continue
        assert after.interval_level == pytest.approx(level, rel=1e-12)
        assert excludes_zero(after) == (after.adjusted_p_value < 0.05)
        if after.enough_data and not after.withheld:
            assert after.significant == excludes_zero(after)
        elif excludes_zero(after):
            assert not after.significant
            assert after.notes, "an interval excluding 0 without a decision must say why"
        # A stricter level only widens the interval.
        if before.interval is not None:
            assert after.interval.low <= before.interval.low + 1e-9
            assert after.interval.high >= before.interval.high - 1e-9
    return adjusted


rate_arm = st.tuples(st.integers(0, 400), st.integers(1, 4_000)).map(lambda t: (min(t), max(t)))


@st.composite
def rate_comparison(draw: st.DrawFn) -> Comparison:
    (xb, nb), (xv, nv) = draw(rate_arm), draw(rate_arm)
    return compare.compare_rates(xb, nb, xv, nv, with_chance=False)


@st.composite
def mean_comparison(draw: st.DrawFn) -> Comparison:
    def arm() -> tuple[Sample, int]:
        n = draw(st.integers(2, 3_000))
        buyers = draw(st.integers(0, min(n, 300)))
        mean_order = draw(st.floats(5, 200))
        spread = draw(st.floats(0, 3))
        total = buyers * mean_order
        squares = buyers * mean_order**2 * (1 + spread)
        return Sample(n, total, squares), buyers

    (b, xb), (v, xv) = arm(), arm()
    return compare.compare_means(b, v, baseline_conversions=xb, conversions=xv)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(rate_comparison(), mean_comparison()), min_size=1, max_size=8))
def test_every_interval_agrees_with_its_holm_decision(page: list[Comparison]) -> None:
    check_page(list(page))


@settings(max_examples=50, deadline=None)
@given(st.lists(rate_comparison(), min_size=2, max_size=8), st.booleans())
def test_withheld_and_early_comparisons_say_why(page: list[Comparison], srm: bool) -> None:
    if srm:
        page = [figures._withheld(c, figures.sample_ratio_note(1e-6)) for c in page]  # type: ignore[misc]
    check_page(list(page))


def test_the_interval_of_an_undecided_comparison_now_holds_0() -> None:
    """The screenshot's contradiction: 95 % interval above 0, Holm p above 0.05."""
    clear = compare.compare_rates(1_000, 20_000, 1_300, 20_000)
    borderline = compare.compare_rates(300, 6_000, 380, 6_000)
    other = compare.compare_rates(300, 6_000, 310, 6_000)
    assert borderline.interval is not None
    assert borderline.interval.low > 0
    assert borderline.p_value is not None
    assert borderline.p_value < 0.05
    adjusted = check_page([clear, borderline, other])
    after = adjusted[1]
    assert after is not None
    assert after.adjusted_p_value is not None
    assert after.adjusted_p_value >= 0.05
    assert after.interval is not None
    assert after.interval.low < 0 < after.interval.high
    assert not after.significant
    assert adjusted[0] is not None
    assert adjusted[0].significant
    assert excludes_zero(adjusted[0])


def test_levels_follow_holm_steps() -> None:
    """m = 4, p = 0.001, 0.02, 0.03, 0.3: Holm rejects 0.001 (< 0.0125) and stops at 0.02
    (>= 0.05/3): levels 0.0125, then 0.05/3 for the three others."""
    levels = compare.holm_levels([0.3, 0.001, None, 0.02, 0.03])
    assert levels == pytest.approx([0.05 / 3, 0.0125, None, 0.05 / 3, 0.05 / 3])
    # All rejected: each at its own step.
    assert compare.holm_levels([0.001, 0.01, 0.04]) == pytest.approx([0.05 / 3, 0.025, 0.05])
    # 0.001, 0.013, 0.02 rejected (< 0.0125, 0.05/3, 0.025), 0.3 not (>= 0.05): 0.05.
    levels = compare.holm_levels([0.3, 0.001, 0.013, 0.02])
    assert levels == pytest.approx([0.05, 0.0125, 0.05 / 3, 0.025])
    assert compare.holm_levels([None]) == [None]


def test_the_interval_is_the_score_interval_at_the_step_level() -> None:
    """Against an independent inversion: at the step level the bounds are where the score
    statistic equals the always-valid critical value for that level."""
    c = compare.compare_rates(400, 8_000, 480, 8_000)
    (after,) = compare.adjust([c, compare.compare_rates(400, 8_000, 430, 8_000)])[:1]
    assert after is not None
    assert after.interval is not None
    assert after.interval_level
    from django_convert.reports import score

    critical = sequential.critical_z(16_000, after.interval_level)
    for bound in (after.interval.low, after.interval.high):
        z = score.score_z(480, 8_000, 400, 8_000, bound + 1)
        assert abs(z) == pytest.approx(critical, rel=1e-6)
    assert critical > scipy_stats.norm.isf(0.025)
    assert math.isfinite(after.interval.high)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.floats(0, 1), st.sampled_from([0.01, 0.02, 0.5])), max_size=30)
)
def test_holm_is_exactly_statsmodels(p_values: list[float | None]) -> None:
    """adjust_holm is written out (statsmodels' multipletests runs gc.collect() per call):
    it must give statsmodels' figures to the last bit."""
    from statsmodels.stats.multitest import multipletests

    from django_convert.reports.stats import adjust_holm

    present = [p for p in p_values if p is not None]
    expected = iter(multipletests(present, method="holm")[1] if present else [])
    ours = adjust_holm(p_values)
    for p, adjusted in zip(p_values, ours, strict=True):
        assert adjusted is None if p is None else adjusted == float(next(expected))
