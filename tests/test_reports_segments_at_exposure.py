"""The segment breakdown counts a visitor in the segments recorded on their first exposure
(issue 19): a later change of the visitor's segments does not move them, in the ingest's
one statement and in its fallback for other databases, and for their conversions too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from django_convert.ingest import exposures as exposures_module
from django_convert.ingest.store import store_context
from django_convert.models import Conversion, Experience, Exposure, Goal, Variation, Visitor
from django_convert.models.history import exposure_segments
from django_convert.reports.page import build_page

pytestmark = pytest.mark.django_db

EXPERIENCE, A, B, GOAL = "100127238", "1001186427", "1001186428", "100037225"
START = datetime(2026, 11, 1, tzinfo=UTC)
END = START + timedelta(days=2)
PHONE_US = {"devices": ["ALLPH", "IPH"], "browser": "SF", "country": "US",
            "source": "search", "visitorType": "new"}  # fmt: skip
DESKTOP_DE = {"devices": ["DESK"], "browser": "CH", "country": "DE",
              "source": "direct", "visitorType": "returning"}  # fmt: skip


@pytest.fixture(params=["one statement", "apart"])
def exposure_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "apart":
        monkeypatch.setattr(exposures_module, "_speaks_insert_select_upsert", lambda c: False)
    return str(request.param)


def _setup() -> None:
    experience = Experience.objects.create(id=EXPERIENCE, name="Checkout", status="active")
    goal = Goal.objects.create(id=GOAL, name="Purchase", type="revenue")
    experience.goals.add(goal)
    for vid, name in ((A, "Original"), (B, "Green")):
        Variation.objects.create(id=vid, experience=experience, name=name, traffic_allocation=50)


def test_the_ingest_records_the_segments_on_a_new_exposure_only(exposure_path: str) -> None:
    bucketed = [{"experienceId": EXPERIENCE, "variationId": A}]
    store_context(visitor_id="v", experiences=bucketed, segments=PHONE_US, now=START)
    # Later posts with other segments: the same variation only moves last_seen...
    later = START + timedelta(hours=1)
    store_context(visitor_id="v", experiences=bucketed, segments=DESKTOP_DE, now=later)
    # ... and a re-bucketing is a new row with the segments of its own time.
    rebucketed = [{"experienceId": EXPERIENCE, "variationId": B}]
    store_context(visitor_id="v", experiences=rebucketed, segments=DESKTOP_DE, now=later)
    rows = {e.variation_id: e for e in Exposure.objects.all()}
    first, second = rows[A], rows[B]
    assert (first.is_first, first.last_seen) == (True, later)
    got = {name: getattr(first, name) for name in exposure_segments(first.visitor)}
    assert got == {"device": "phone", "browser": "SF", "source": "search",
                   "country": "US", "visitor_type": "new"}  # fmt: skip
    assert not second.is_first
    assert (second.device, second.country, second.visitor_type) == ("desktop", "DE", "returning")
    assert exposure_segments(Visitor.objects.get()) == {name: getattr(second, name) for name in got}


def test_an_unknown_visitor_segment_is_recorded_empty(exposure_path: str) -> None:
    store_context(
        visitor_id="v", experiences=[{"experienceId": EXPERIENCE, "variationId": A}],
        segments={"devices": ["SMARTWATCH"]}, now=START,
    )  # fmt: skip
    exposure = Exposure.objects.get()
    assert [exposure.device, exposure.browser, exposure.country] == ["", "", ""]


@pytest.mark.parametrize("segment", ["device", "country", "browser", "source", "visitor_type"])
def test_segment_at_exposure_time_wins_over_a_later_change(segment: str) -> None:
    _setup()
    seen = START + timedelta(hours=2)
    for i in range(6):
        variation = A if i % 2 else B
        bucketed = [{"experienceId": EXPERIENCE, "variationId": variation}]
        store_context(
            visitor_id=f"v{i}", experiences=bucketed,
            segments=PHONE_US, now=seen,
        )  # fmt: skip
        Conversion.objects.create(
            visitor_id=f"v{i}", goal_id=GOAL, transaction_id=f"T{i}", amount=Decimal(10),
            bucketing={EXPERIENCE: variation}, created_at=seen + timedelta(hours=1),
        )  # fmt: skip
        # The visitor comes back on a desktop from Germany: their row changes, their
        # first exposure does not.
        store_context(
            visitor_id=f"v{i}", experiences=bucketed,
            segments=DESKTOP_DE, now=seen + timedelta(hours=3),
        )  # fmt: skip
    assert set(Visitor.objects.values_list("country", flat=True)) == {"DE"}

    page = build_page(EXPERIENCE, GOAL, START, END, segment=segment)

    expected = {"device": "phone", "country": "US", "browser": "SF", "source": "search",
                "visitor_type": "new"}[segment]  # fmt: skip
    assert [s.value for s in page.segments] == [expected]
    rows = {row.variation_id: row for row in page.segments[0].report.variations}
    assert {vid: (row.visitors, row.conversions) for vid, row in rows.items()} == {
        A: (3, 3),
        B: (3, 3),
    }
