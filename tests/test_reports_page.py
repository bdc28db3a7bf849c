"""The report page's data: the trend day by day and the segment breakdown, per database,
against a brute-force count of the rows the test wrote (run with DATABASE_URL for
PostgreSQL and MariaDB: the SQL differs per backend)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from statsmodels.stats.multitest import multipletests

from django_convert.models import Conversion, Experience, Exposure, Goal, Variation, Visitor
from django_convert.models.history import exposure_segments
from django_convert.reports.breakdown import segment_sql
from django_convert.reports.compare import compare_rates
from django_convert.reports.days import day_starts
from django_convert.reports.experiment import build_report
from django_convert.reports.page import build_page

pytestmark = pytest.mark.django_db

EXPERIENCE, A, B = "100127238", "1001186427", "1001186428"
GOAL = "100037225"
START = datetime(2026, 11, 1, tzinfo=UTC)
END = datetime(2026, 11, 8, tzinfo=UTC)
DEVICES = {
    "desktop": ["DESK"],
    "phone": ["ALLPH", "IPH"],
    "tablet": ["ALLTAB", "IPAD"],
    "": [],
}


def make(n: int = 900, seed: int = 5) -> list[dict]:
    experience = Experience.objects.create(id=EXPERIENCE, name="Checkout", status="active")
    goal = Goal.objects.create(id=GOAL, name="Purchase", type="revenue")
    experience.goals.add(goal)
    for vid, name in ((A, "Original"), (B, "Green")):
        Variation.objects.create(id=vid, experience=experience, name=name, traffic_allocation=50)
    rng = random.Random(seed)
    truth = []
    for i in range(n):
        variation = A if i % 2 else B
        device = rng.choice(list(DEVICES))
        seen = START + timedelta(minutes=rng.randrange(7 * 24 * 60 - 1))
        visitor = Visitor.objects.create(
            visitor_id=f"v{i}", devices=DEVICES[device], browser=rng.choice(["CH", "SF"])
        )
        Exposure.objects.create(
            visitor=visitor, experience_id=EXPERIENCE, variation_id=variation, first_seen=seen,
            **exposure_segments(visitor),
        )  # fmt: skip
        bought = []
        if rng.random() < (0.12 if variation == B else 0.08):
            when = seen + timedelta(minutes=rng.randrange(1, 3000))
            if when < END:
                amount = Decimal(rng.randrange(1000, 9000)) / 100
                Conversion.objects.create(
                    visitor_id=f"v{i}", goal_id=GOAL, transaction_id=f"T{i}",
                    bucketing={EXPERIENCE: variation}, amount=amount, created_at=when,
                )  # fmt: skip
                bought.append(when)
        truth.append(
            {"variation": variation, "device": device, "browser": visitor.browser,
             "seen": seen, "bought": bought}
        )  # fmt: skip
    return truth


def test_the_trend_is_the_report_at_the_end_of_each_day() -> None:
    truth = make()

    page = build_page(EXPERIENCE, GOAL, START, END)

    (series,) = page.trend
    assert series.variation_id == B
    assert len(series.points) == 7
    for point in series.points:
        seen = [t for t in truth if t["seen"] < point.end]
        n = {v: sum(t["variation"] == v for t in seen) for v in (A, B)}
        x = {v: sum(t["variation"] == v and t["bought"][0] < point.end
                    for t in seen if t["bought"]) for v in (A, B)}  # fmt: skip
        assert (point.visitors, point.baseline_visitors) == (n[B], n[A])
        day = build_report(EXPERIENCE, GOAL, START, point.end)
        green = day.variations[1]
        assert (green.visitors, green.converting_visitors) == (n[B], x[B])
        assert point.uplift == pytest.approx(green.rate_comparison.uplift)
        # The band is the comparison's own always-valid 95 % interval (the chart decides
        # nothing), not the table's, which is at its Holm step's level.
        alone = compare_rates(x[A], n[A], x[B], n[B]).interval
        if alone is not None:
            assert point.low == pytest.approx(alone.low)
            assert point.high == pytest.approx(alone.high)
    # The page's report is the plain report: the sum of the days.
    plain = build_report(EXPERIENCE, GOAL, START, END)
    for mine, theirs in zip(page.report.variations, plain.variations, strict=True):
        assert (mine.visitors, mine.converting_visitors) == (
            theirs.visitors,
            theirs.converting_visitors,
        )
        assert float(mine.revenue) == pytest.approx(float(theirs.revenue))  # SQLite sums floats
    assert page.report.revenue_cap == pytest.approx(plain.revenue_cap)


@pytest.mark.parametrize("segment", ["device", "browser"])
def test_segments_count_like_brute_force_and_share_one_holm_family(segment) -> None:
    truth = make()

    page = build_page(EXPERIENCE, GOAL, START, END, segment=segment)

    values = {t[segment] for t in truth}
    assert {s.value for s in page.segments} == values
    raw = []
    for v in page.report.variations:
        for c in (v.rate_comparison, v.revenue_comparison):
            if c is not None and c.p_value is not None:
                raw.append((c.p_value, c.adjusted_p_value))
    for part in page.segments:
        rows = [t for t in truth if t[segment] == part.value]
        for v in part.report.variations:
            mine = [t for t in rows if t["variation"] == v.variation_id]
            assert v.visitors == len(mine)
            assert v.converting_visitors == sum(bool(t["bought"]) for t in mine)
            for c in (v.rate_comparison, v.revenue_comparison):
                if c is not None and c.p_value is not None:
                    raw.append((c.p_value, c.adjusted_p_value))
    assert raw
    holm = multipletests([p for p, _adj in raw], method="holm")[1]
    assert [adj for _p, adj in raw] == pytest.approx(list(holm))
    assert all(s.report.compared_p_values == len(raw) for s in page.segments)
    assert page.report.compared_p_values == len(raw)
    labels = {s.value: s.label for s in page.segments}
    if segment == "device":
        assert labels["phone"] == "Phone"
        assert labels[""] == "unknown"


def test_unknown_segment_and_day_boundaries() -> None:
    with pytest.raises(ValueError, match="unknown segment"):
        build_page(EXPERIENCE, GOAL, START, END, segment="password")
    with pytest.raises(KeyError):
        segment_sql("password")
    assert len(day_starts(START, END)) == 6
    assert day_starts(START, START + timedelta(hours=5)) == []


def test_the_page_note_names_the_whole_family_with_segments() -> None:
    make(300)
    page = build_page(EXPERIENCE, GOAL, START, END, segment="device")
    size = page.report.compared_p_values
    assert size > 2
    correction = [note for note in page.report.notes if note.startswith("P-values are adjusted")]
    assert len(correction) == 1
    assert f"for the {size} comparisons" in correction[0]
