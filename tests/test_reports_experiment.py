"""The experiment report on a fixed data set, against an independent computation.

The test builds its rows from plain per-visitor lists, then computes every expected figure
from those lists with statsmodels and scipy's raw-data functions: nothing is shared with
the report's SQL aggregation or its sums-of-squares statistics.
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from scipy import stats as scipy_stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
)
from statsmodels.stats.proportion import (
    test_proportions_2indep as score_test,
)

from django_convert.models import (
    Bucketing,
    Conversion,
    Experience,
    Exposure,
    Goal,
    Variation,
    Visitor,
)
from django_convert.reports.experiment import build_report

pytestmark = pytest.mark.django_db

EXPERIENCE = "100127238"
ORIGINAL, GREEN = "1001186427", "1001186428"
GOAL, OTHER_GOAL = "100037225", "100037226"
START = datetime(2026, 11, 1, tzinfo=UTC)
END = datetime(2026, 11, 15, tzinfo=UTC)


def _always_valid_p(z: float, visitors: int, tuning: int = 5_000) -> float:
    """Johari et al. (2022) normal-mixture mSPRT p-value, mixing variance tuned as
    GrowthBook's docs give it (https://docs.growthbook.io/statistics/sequential)."""
    rho2 = (-2 * np.log(0.05) + np.log(-2 * np.log(0.05) + 1)) / tuning
    v = visitors * rho2
    return float(min(1.0, np.sqrt(1 + v) * np.exp(-z * z * v / (2 * (1 + v)))))


def _always_valid_alpha(visitors: int, tuning: int = 5_000, level: float = 0.05) -> float:
    """The fixed-horizon level of the 1 - ``level`` confidence sequence's half-width (Howard
    et al. eq. 14; rho stays tuned at 0.05)."""
    rho2 = (-2 * np.log(0.05) + np.log(-2 * np.log(0.05) + 1)) / tuning
    v = visitors * rho2
    width = np.sqrt(2 * (v + 1) / v * np.log(np.sqrt(v + 1) / level))
    return float(2 * scipy_stats.norm.sf(width))


@dataclass
class Truth:
    """What the test put in, per variation: each visitor's revenue (0 = no conversion)."""

    revenue: dict[str, list[Decimal]] = field(default_factory=dict)
    converted: dict[str, list[bool]] = field(default_factory=dict)
    orders: dict[str, int] = field(default_factory=dict)
    orders_with_amount: dict[str, int] = field(default_factory=dict)


def configure(allocations: dict[str, float | None]) -> None:
    experience = Experience.objects.create(
        id=EXPERIENCE, key="checkout-button", name="Checkout button", status="active"
    )
    goal = Goal.objects.create(id=GOAL, key="purchase", name="Purchase", type="revenue")
    experience.goals.add(goal)
    names = {ORIGINAL: "Original", GREEN: "Green button"}
    for variation_id, allocation in allocations.items():
        Variation.objects.create(
            id=variation_id,
            experience=experience,
            key=names[variation_id].lower().replace(" ", "-"),
            name=names[variation_id],
            status="running",
            traffic_allocation=None if allocation is None else Decimal(str(allocation)),
        )


def seed(
    sizes: dict[str, int],
    rates: dict[str, float],
    seed: int = 7,
    prefix: str = "",
    early: bool = True,
) -> Truth:
    """Visitors bucketed in the range, their conversions, and rows the report must ignore."""
    rng = random.Random(seed)
    truth = Truth()
    visitors, bucketings, conversions = [], [], []
    number = 0

    def conversion(visitor_id: str, variation: str | None, **fields: object) -> None:
        nonlocal number
        number += 1
        fields.setdefault("goal_id", GOAL)
        conversions.append(
            Conversion(
                visitor_id=visitor_id,
                transaction_id=f"{prefix}T{number}",
                bucketing={EXPERIENCE: variation} if variation else {"999": "888"},
                status=Conversion.Status.SENT,
                **fields,
            )
        )

    for variation, size in sizes.items():
        truth.revenue[variation], truth.converted[variation] = [], []
        truth.orders[variation] = truth.orders_with_amount[variation] = 0
        for i in range(size):
            visitor_id = f"{prefix}v-{variation}-{i}"
            seen = START + timedelta(minutes=rng.randrange(13 * 24 * 60))
            visitors.append(Visitor(visitor_id=visitor_id))
            bucketings.append((visitor_id, variation, seen))
            revenue = Decimal(0)
            converted = rng.random() < rates[variation]
            if converted:
                for _order in range(rng.choice([1, 1, 1, 2])):
                    # One order in ten carries no amount: counted, adds no revenue.
                    amount = None
                    if rng.random() > 0.1:
                        amount = Decimal(rng.randrange(500, 25_000)) / 100
                        revenue += amount
                        truth.orders_with_amount[variation] += 1
                    truth.orders[variation] += 1
                    when = seen + timedelta(minutes=rng.randrange(1, 600))
                    conversion(visitor_id, variation, amount=amount, created_at=when)
            # Noise the report must not count: another goal, and a purchase made before
            # the visitor was bucketed (its snapshot has no bucketing for the experience).
            if rng.random() < 0.05:
                conversion(visitor_id, variation, goal_id=OTHER_GOAL, amount=Decimal(5))
            if rng.random() < 0.03:
                conversion(visitor_id, None, amount=Decimal(7), created_at=seen)
            truth.revenue[variation].append(revenue)
            truth.converted[variation].append(converted)
    if early:  # Bucketed before the range but converting inside it: left out, and said so.
        visitors.append(Visitor(visitor_id=f"{prefix}early"))
        bucketings.append((f"{prefix}early", GREEN, START - timedelta(days=3)))
        when = START + timedelta(days=1)
        conversion(f"{prefix}early", GREEN, amount=Decimal(99), created_at=when)
    # Converted after the range: not counted.
    conversion(f"{prefix}v-{ORIGINAL}-0", ORIGINAL, amount=Decimal(50), created_at=END)

    Visitor.objects.bulk_create(visitors)
    ids = dict(
        Visitor.objects.filter(visitor_id__startswith=prefix).values_list("visitor_id", "pk")
    )
    Bucketing.objects.bulk_create(
        Bucketing(visitor_id=ids[v], experience_id=EXPERIENCE, variation_id=var, first_seen=seen)
        for v, var, seen in bucketings
    )
    # The ingest writes both: the current variation and the history the report counts on.
    Exposure.objects.bulk_create(
        Exposure(visitor_id=ids[v], experience_id=EXPERIENCE, variation_id=var, first_seen=seen)
        for v, var, seen in bucketings
    )
    Conversion.objects.bulk_create(conversions)
    return truth


@pytest.mark.parametrize("early", [True, False], ids=["visitors-before-start", "whole-range"])
def test_report_matches_an_independent_computation(early) -> None:
    configure({ORIGINAL: 50, GREEN: 50})
    truth = seed({ORIGINAL: 1500, GREEN: 1480}, {ORIGINAL: 0.06, GREEN: 0.085}, early=early)

    report = build_report(EXPERIENCE, GOAL, START, END)

    assert (report.experience_name, report.goal_name) == ("Checkout button", "Purchase")
    assert [v.name for v in report.variations] == ["Original", "Green button"]
    baseline, green = report.variations
    assert baseline.is_baseline
    assert not green.is_baseline
    for row in report.variations:
        revenue = truth.revenue[row.variation_id]
        converted = truth.converted[row.variation_id]
        assert row.visitors == len(revenue)
        assert row.converting_visitors == sum(converted)
        assert row.conversions == truth.orders[row.variation_id]
        assert row.revenue == pytest.approx(sum(revenue))
        assert row.rate == pytest.approx(sum(converted) / len(converted))
        low, high = proportion_confint(sum(converted), len(converted), method="wilson")
        assert (row.rate_interval.low, row.rate_interval.high) == pytest.approx((low, high))
        assert row.revenue_per_visitor == pytest.approx(sum(revenue) / len(revenue))
        aov = sum(revenue) / truth.orders_with_amount[row.variation_id]
        assert row.average_order_value == pytest.approx(aov)

    # The method changed on purpose (issue 19): always-valid p-values (Howard et al. 2021),
    # the score interval of the rate ratio, Fieller's interval for revenue, Holm across the
    # page. Each is recomputed here from the raw lists.
    x = [sum(truth.converted[GREEN]), sum(truth.converted[ORIGINAL])]
    n = [len(truth.converted[GREEN]), len(truth.converted[ORIGINAL])]
    total = sum(n)
    score = score_test(x[0], n[0], x[1], n[1], compare="ratio", method="score")
    rate_p = _always_valid_p(float(score.statistic), total)
    assert green.rate_comparison.p_value == pytest.approx(rate_p, rel=1e-9)
    assert green.rate_comparison.fixed_p_value == pytest.approx(score.pvalue, rel=1e-9)
    a = np.array(truth.revenue[GREEN], dtype=float)
    b = np.array(truth.revenue[ORIGINAL], dtype=float)
    # Capped at the 99th percentile of the non-zero per-visitor revenues (the default).
    cap = np.percentile(np.concatenate([a[a > 0], b[b > 0]]), 99)
    assert report.revenue_cap == pytest.approx(cap, rel=1e-9)
    a, b = np.minimum(a, cap), np.minimum(b, cap)
    welch = scipy_stats.ttest_ind(a, b, equal_var=False)
    revenue_p = _always_valid_p(float(welch.statistic), total)
    assert green.revenue_comparison.p_value == pytest.approx(revenue_p, rel=1e-6)
    assert green.revenue_comparison.fixed_p_value == pytest.approx(welch.pvalue, rel=1e-6)
    # Each interval at the level of its Holm step (Holm 1979, two p-values): the smaller p at
    # 0.05 / 2 if below it (then the other at 0.05), else both at 0.05 / 2.
    small = min(rate_p, revenue_p)
    first = 0.05 / 2
    levels = {p: (first if p == small or small >= first else 0.05) for p in (rate_p, revenue_p)}
    rate_level, revenue_level = levels[rate_p], levels[revenue_p]
    assert green.rate_comparison.interval_level == pytest.approx(rate_level)
    low, high = confint_proportions_2indep(
        x[0], n[0], x[1], n[1], method="score", compare="ratio",
        alpha=_always_valid_alpha(total, level=rate_level),
    )  # fmt: skip
    interval = green.rate_comparison.interval
    assert (interval.low, interval.high) == pytest.approx((low - 1, high - 1), rel=1e-7)
    assert (interval.low > 0 or interval.high < 0) == green.rate_comparison.significant
    # Fieller: the ratios R with (mean_a - R mean_b)^2 <= z^2 (var_a + R^2 var_b), by numpy.
    z = scipy_stats.norm.isf(_always_valid_alpha(total, level=revenue_level) / 2)
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    roots = np.sort(
        np.roots([b.mean() ** 2 - z * z * vb, -2 * a.mean() * b.mean(), a.mean() ** 2 - z * z * va])
    )
    interval = green.revenue_comparison.interval
    assert (interval.low, interval.high) == pytest.approx((roots[0] - 1, roots[1] - 1), rel=1e-6)
    assert green.revenue_comparison.uplift == pytest.approx(a.mean() / b.mean() - 1)
    holm = multipletests([rate_p, revenue_p], method="holm")[1]
    assert green.rate_comparison.adjusted_p_value == pytest.approx(holm[0], rel=1e-9)
    assert green.revenue_comparison.adjusted_p_value == pytest.approx(holm[1], rel=1e-6)
    assert report.compared_p_values == 2
    assert green.rate_comparison.significant == (holm[0] < 0.05)

    expected_srm = scipy_stats.chisquare([1500, 1480], [1490, 1490]).pvalue
    assert report.sample_ratio.p_value == pytest.approx(expected_srm)
    assert not report.sample_ratio.mismatch
    left_out = [note for note in report.notes if "1 conversion(s) by 1 visitor(s)" in note]
    assert len(left_out) == (1 if early else 0)


def test_sample_ratio_mismatch_is_flagged() -> None:
    configure({ORIGINAL: 50, GREEN: 50})
    seed({ORIGINAL: 1100, GREEN: 900}, {ORIGINAL: 0.05, GREEN: 0.05})

    report = build_report(EXPERIENCE, GOAL, START, END)

    assert report.sample_ratio.p_value == pytest.approx(scipy_stats.chisquare([1100, 900]).pvalue)
    assert report.sample_ratio.p_value < 0.001
    assert report.sample_ratio.mismatch


def test_sample_ratio_uses_the_configured_unequal_split() -> None:
    # 20/80 as configured: no mismatch, though an equal split would flag it at once.
    configure({ORIGINAL: 20, GREEN: 80})
    seed({ORIGINAL: 410, GREEN: 1590}, {ORIGINAL: 0.05, GREEN: 0.05})

    report = build_report(EXPERIENCE, GOAL, START, END)

    assert report.sample_ratio.p_value == pytest.approx(
        scipy_stats.chisquare([410, 1590], [400, 1600]).pvalue
    )
    assert not report.sample_ratio.mismatch


def test_without_config_srm_is_unavailable_and_ids_stand_in_for_names() -> None:
    seed({ORIGINAL: 300, GREEN: 200}, {ORIGINAL: 0.05, GREEN: 0.08})

    report = build_report(EXPERIENCE, GOAL, START, END)

    assert report.sample_ratio.p_value is None
    assert "convert_sync" in report.sample_ratio.reason
    assert [v.name for v in report.variations] == [ORIGINAL, GREEN]
    assert report.variations[0].is_baseline
    assert report.variations[1].rate_comparison.p_value is not None
    assert any("not in the synced project configuration" in note for note in report.notes)


def test_a_bucketed_variation_missing_from_the_config_makes_srm_unavailable() -> None:
    configure({ORIGINAL: 100})
    seed({ORIGINAL: 300, GREEN: 200}, {ORIGINAL: 0.05, GREEN: 0.08})

    report = build_report(EXPERIENCE, GOAL, START, END)

    assert report.sample_ratio.p_value is None
    assert GREEN in report.sample_ratio.reason


def test_notes_for_a_goal_the_experience_does_not_track_or_that_never_converted() -> None:
    configure({ORIGINAL: 50, GREEN: 50})
    seed({ORIGINAL: 100, GREEN: 100}, {ORIGINAL: 0.1, GREEN: 0.1}, early=False)

    report = build_report(EXPERIENCE, "424242", START, END)

    assert [v.conversions for v in report.variations] == [0, 0]
    assert any("not one of this experience's goals" in note for note in report.notes)
    assert any("No conversion of goal 424242" in note for note in report.notes)
    tracked = build_report(EXPERIENCE, GOAL, START, END)
    assert not [n for n in tracked.notes if "not one of" in n or "No conversion" in n]


def test_conversions_whose_visitor_history_was_deleted_are_named_not_counted() -> None:
    # Counting on first exposure (issue 19): a conversion whose visitor has no exposure
    # history any more cannot be placed; it is left out and the page says how many. (Before,
    # it counted by its snapshot and made the variation's rate impossible.)
    configure({ORIGINAL: 50, GREEN: 50})
    truth = seed({ORIGINAL: 200, GREEN: 200}, {ORIGINAL: 0.2, GREEN: 0.2}, early=False)
    # As convert_purge would leave it: the green visitors gone, the (pending) conversions kept.
    Visitor.objects.filter(visitor_id__startswith=f"v-{GREEN}-").delete()

    report = build_report(EXPERIENCE, GOAL, START, END)

    green = report.variations[1]
    assert (green.variation_id, green.visitors, green.converting_visitors) == (GREEN, 0, 0)
    lost = truth.orders[GREEN]
    assert any(f"{lost} conversion(s) name this experience" in note for note in report.notes), (
        report.notes
    )


def test_chosen_baseline() -> None:
    configure({ORIGINAL: 50, GREEN: 50})
    seed({ORIGINAL: 300, GREEN: 300}, {ORIGINAL: 0.05, GREEN: 0.08})

    report = build_report(EXPERIENCE, GOAL, START, END, baseline_id=GREEN)

    assert [(v.variation_id, v.is_baseline) for v in report.variations] == [
        (GREEN, True),
        (ORIGINAL, False),
    ]


def test_without_scipy_counts_and_rates_and_how_to_get_significance(monkeypatch) -> None:
    configure({ORIGINAL: 50, GREEN: 50})
    truth = seed({ORIGINAL: 400, GREEN: 400}, {ORIGINAL: 0.05, GREEN: 0.08})
    monkeypatch.setitem(sys.modules, "scipy", None)
    monkeypatch.setitem(sys.modules, "scipy.stats", None)

    report = build_report(EXPERIENCE, GOAL, START, END)

    assert not report.significance
    green = report.variations[1]
    assert green.converting_visitors == sum(truth.converted[GREEN])
    assert green.rate == pytest.approx(sum(truth.converted[GREEN]) / 400)
    assert green.rate_interval is None
    assert green.rate_comparison.p_value is None
    assert green.rate_comparison.uplift is not None
    assert report.sample_ratio.p_value is None
    assert "django-convert[stats]" in report.sample_ratio.reason
    assert any("pip install django-convert[stats]" in note for note in report.notes)


def test_query_count_does_not_grow_with_rows() -> None:
    configure({ORIGINAL: 50, GREEN: 50})
    seed({ORIGINAL: 50, GREEN: 50}, {ORIGINAL: 0.2, GREEN: 0.2})
    # One query each for the experience, its variations, the goal, visitors per variation,
    # visitors seen in several, the revenue cap, and conversions per variation...
    with CaptureQueriesContext(connection) as small:
        build_report(EXPERIENCE, GOAL, START, END)
    seed({ORIGINAL: 500, GREEN: 500}, {ORIGINAL: 0.2, GREEN: 0.2}, seed=8, prefix="x")
    with CaptureQueriesContext(connection) as large:
        build_report(EXPERIENCE, GOAL, START, END)

    # PostgreSQL: plus set_config(jit, work_mem) (see queries.py), in a transaction (a savepoint
    # here, inside the test's own transaction).
    def statements(captured: CaptureQueriesContext) -> list[str]:
        return [q["sql"] for q in captured if "SAVEPOINT" not in q["sql"]]

    expected = 7 + (connection.vendor == "postgresql")
    assert len(statements(small)) == len(statements(large)) == expected


def test_empty_range_and_bad_range() -> None:
    report = build_report(EXPERIENCE, GOAL, START, END)
    assert report.variations == []
    assert report.visitors == 0
    with pytest.raises(ValueError, match="after its start"):
        build_report(EXPERIENCE, GOAL, END, START)
