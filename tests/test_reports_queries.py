"""The report's counting basis (first exposure) and its capped revenue sums, per database.

Run on SQLite, PostgreSQL and MariaDB (DATABASE_URL): the SQL differs per backend.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest

from django_convert.models import Conversion, Exposure, MergedId, Visitor
from django_convert.reports import queries
from django_convert.reports.experiment import build_report

pytestmark = pytest.mark.django_db

EXPERIENCE, A, B = "100127238", "1001186427", "1001186428"
GOAL = "100037225"
START = datetime(2026, 11, 1, tzinfo=UTC)
END = datetime(2026, 11, 15, tzinfo=UTC)


def visitor(name: str, *exposures: tuple[str, datetime]) -> Visitor:
    row = Visitor.objects.create(visitor_id=name)
    for index, (variation, seen) in enumerate(exposures):
        Exposure.objects.create(
            visitor=row,
            experience_id=EXPERIENCE,
            variation_id=variation,
            first_seen=seen,
            is_first=index == 0,
        )
    return row


def convert(name: str, variation: str, when: datetime, amount: Decimal | None = None) -> None:
    Conversion.objects.create(
        visitor_id=name,
        goal_id=GOAL,
        transaction_id=f"T{Conversion.objects.count()}",
        bucketing={EXPERIENCE: variation},
        amount=amount,
        created_at=when,
    )


def test_re_bucketed_visitors_count_where_they_started_the_issue_case() -> None:
    # Issue 19: 40 of 2,000 visitors moved from A to B, identical behaviour. Counted on the
    # current bucketing this read A 100/960 against B 100/1,040 (-7.7 %); on first exposure
    # it is 100/1,000 against 100/1,000.
    day = START + timedelta(days=1)
    for variation in (A, B):
        for i in range(1000):
            name = f"{variation}-{i}"
            moved = variation == A and i < 40
            history = [(variation, day)] + ([(B, day + timedelta(days=2))] if moved else [])
            visitor(name, *history)
            if i % 10 == 0:  # 10 % convert; the moved ones after the move (snapshot B)
                convert(name, B if moved else variation, day + timedelta(days=3))

    exposed = queries.exposed(EXPERIENCE, START, END)
    totals = queries.conversions(EXPERIENCE, GOAL, START, END)

    assert exposed.visitors == {A: 1000, B: 1000}
    assert exposed.in_several == {A: 40}
    assert totals.by_variation[A].converting_visitors == 100
    assert totals.by_variation[B].converting_visitors == 100
    report = build_report(EXPERIENCE, GOAL, START, END)
    assert report.variations[1].rate_comparison.uplift == pytest.approx(0.0)
    assert any(note.startswith("40 visitors were seen in more than one") for note in report.notes)


def test_a_merged_guest_counts_once_with_its_conversions_under_the_guest_id() -> None:
    account = visitor("account", (A, START + timedelta(hours=1)), (B, START + timedelta(days=2)))
    # The guest's row is gone (stitching), its id is kept; its conversion carries it.
    MergedId.objects.create(visitor=account, merged_id="guest")
    convert("guest", A, START + timedelta(hours=2), Decimal("20"))
    convert("account", B, START + timedelta(days=3), Decimal("30"))

    totals = queries.conversions(EXPERIENCE, GOAL, START, END)

    assert set(totals.by_variation) == {A}
    row = totals.by_variation[A]
    assert (row.converting_visitors, row.conversions, row.revenue) == (1, 2, Decimal(50))
    assert row.revenue_squares == Decimal(2500)


def test_a_range_from_mid_experiment_leaves_earlier_visitors_out_and_counts_them() -> None:
    visitor("early", (A, START - timedelta(days=2)))
    convert("early", A, START + timedelta(days=1))
    convert("early", A, START + timedelta(days=2))
    visitor("inside", (B, START + timedelta(days=1)))
    convert("inside", B, START + timedelta(days=2))
    # A purchase before the visitor was bucketed: its snapshot names no experience.
    Conversion.objects.create(
        visitor_id="inside", goal_id=GOAL, transaction_id="before", bucketing={},
        created_at=START + timedelta(hours=1),
    )  # fmt: skip

    totals = queries.conversions(EXPERIENCE, GOAL, START, END)

    assert set(totals.by_variation) == {B}
    assert (totals.left_out_visitors, totals.left_out_conversions) == (1, 2)
    assert totals.by_variation[B].conversions == 1


@pytest.mark.parametrize("percentile", [99.0, 90.0, 50.0])
def test_capped_sums_match_numpy(percentile) -> None:
    rng = random.Random(3)
    revenue: dict[str, list[float]] = {A: [], B: []}
    for variation in (A, B):
        for i in range(300):
            name = f"{variation}-{i}"
            visitor(name, (variation, START + timedelta(hours=1)))
            total = Decimal(0)
            if rng.random() < 0.3:
                for _order in range(rng.choice([1, 1, 2])):
                    amount = Decimal(rng.randrange(500, 20_000)) / 100
                    convert(name, variation, START + timedelta(days=1), amount)
                    total += amount
            revenue[variation].append(float(total))
    revenue[B][7] += 100_000.0  # the whale
    convert(f"{B}-7", B, START + timedelta(days=2), Decimal(100_000))

    totals = queries.conversions(EXPERIENCE, GOAL, START, END, cap_percentile=percentile)

    nonzero = [v for arm in revenue.values() for v in arm if v > 0]
    cap = float(np.percentile(nonzero, percentile))
    assert float(totals.revenue_cap) == pytest.approx(cap, rel=1e-9)
    for variation, values in revenue.items():
        array = np.minimum(np.array(values), cap)
        row = totals.by_variation[variation]
        assert float(row.capped_revenue) == pytest.approx(array.sum(), rel=1e-9)
        assert float(row.capped_revenue_squares) == pytest.approx(np.square(array).sum(), rel=1e-9)
        assert row.capped_visitors == int(np.count_nonzero(np.array(values) > cap))
        assert float(row.revenue) == pytest.approx(sum(values), rel=1e-9)
    assert totals.by_variation[B].capped_visitors >= 1


def test_absolute_cap_and_no_cap() -> None:
    visitor("x", (A, START + timedelta(hours=1)))
    convert("x", A, START + timedelta(days=1), Decimal("500"))
    visitor("y", (A, START + timedelta(hours=1)))
    convert("y", A, START + timedelta(days=1), Decimal("50"))

    uncapped = queries.conversions(EXPERIENCE, GOAL, START, END)
    capped = queries.conversions(EXPERIENCE, GOAL, START, END, absolute_cap=Decimal(100))

    assert uncapped.revenue_cap is None
    assert uncapped.by_variation[A].capped_revenue == Decimal(550)
    assert capped.revenue_cap == Decimal(100)
    assert capped.by_variation[A].capped_revenue == Decimal(150)
    assert capped.by_variation[A].capped_visitors == 1
    with pytest.raises(ValueError, match="percentile"):
        queries.conversions(EXPERIENCE, GOAL, START, END, cap_percentile=0)
