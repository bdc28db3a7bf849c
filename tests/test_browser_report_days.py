"""The report in headless Chromium under a strict nonce CSP, for a real effect (+30 %) with a
whale (one order of 100,000): on day 1 (too early: nothing called), on day 14, and broken
down by device. Saves the screenshots to $DJANGO_CONVERT_REPORT_SCREENSHOTS when set."""

from __future__ import annotations

import os
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from django_convert.models import Bucketing, Conversion, Exposure, Visitor
from django_convert.models.history import exposure_segments
from tests.browser import CHROMIUM, HAVE_CHROMIUM, launch_chromium
from tests.test_admin_report import URL
from tests.test_browser_report import add_strict_csp, watch
from tests.test_reports_experiment import EXPERIENCE, GOAL, GREEN, ORIGINAL, configure

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not HAVE_CHROMIUM, reason=f"no Chromium at {CHROMIUM}"),
]
DAY0 = datetime(2026, 11, 2, tzinfo=UTC)
DEVICES = [["DESK"], ["ALLPH", "IPH"], ["ALLTAB", "IPAD"]]


def seed_effect(days: int = 14, per_day: int = 250) -> None:
    """A real effect: 5 % against 6.5 %, per_day visitors a day in each arm, and a whale."""
    rng = random.Random(19)
    visitors, exposures, conversions = [], [], []
    for day in range(days):
        for i in range(2 * per_day):
            variation = GREEN if i % 2 else ORIGINAL
            name = f"d{day}-{i}"
            seen = DAY0 + timedelta(days=day, minutes=rng.randrange(24 * 60 - 30))
            visitors.append(Visitor(visitor_id=name, devices=rng.choice(DEVICES)))
            exposures.append((name, variation, seen))
            if rng.random() < (0.065 if variation == GREEN else 0.05):
                amount = Decimal(rng.randrange(2000, 12000)) / 100
                when = seen + timedelta(minutes=rng.randrange(1, 30))
                conversions.append((name, variation, when, amount))
    # The whale: one order of 100,000 in the baseline on day 3.
    whale = next(c for c in conversions if c[1] == ORIGINAL and c[2] > DAY0 + timedelta(days=3))
    conversions.append((whale[0], ORIGINAL, whale[2] + timedelta(minutes=1), Decimal(100_000)))
    Visitor.objects.bulk_create(visitors, batch_size=2000)
    pk = dict(Visitor.objects.values_list("visitor_id", "pk"))
    by_name = {visitor.visitor_id: visitor for visitor in visitors}
    Exposure.objects.bulk_create(
        [Exposure(visitor_id=pk[n], experience_id=EXPERIENCE, variation_id=v, first_seen=t,
                  **exposure_segments(by_name[n]))
         for n, v, t in exposures], batch_size=2000,
    )  # fmt: skip
    Bucketing.objects.bulk_create(
        [Bucketing(visitor_id=pk[n], experience_id=EXPERIENCE, variation_id=v, first_seen=t)
         for n, v, t in exposures], batch_size=2000,
    )  # fmt: skip
    Conversion.objects.bulk_create(
        [Conversion(visitor_id=n, goal_id=GOAL, transaction_id=f"T{i}",
                    bucketing={EXPERIENCE: v}, amount=a, created_at=t, status="sent")
         for i, (n, v, t, a) in enumerate(conversions)], batch_size=2000,
    )  # fmt: skip


def shot(page: Any, tmp_path: Path, name: str) -> None:
    folder = Path(os.environ.get("DJANGO_CONVERT_REPORT_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / name), full_page=True)


@pytest.mark.django_db(transaction=True)
def test_day_1_day_14_and_by_device(live_server, tmp_path) -> None:
    configure({ORIGINAL: 50, GREEN: 50})
    seed_effect()
    get_user_model().objects.create_superuser("boss", password="pw")
    with launch_chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        add_strict_csp(page)
        problems = watch(page, live_server.url)
        page.goto(live_server.url + "/admin/login/")
        page.fill("#id_username", "boss")
        page.fill("#id_password", "pw")
        page.click("input[type=submit]")
        first = DAY0.date().isoformat()
        last = (DAY0 + timedelta(days=13)).date().isoformat()

        page.goto(f"{live_server.url}{URL}?goal={GOAL}&start={first}&end={first}")
        day1 = page.inner_text("#content-main")
        assert "Too early" in day1
        assert "Winner" not in day1
        assert page.locator("td.win, td.loss").count() == 0
        shot(page, tmp_path, "report-day-01.png")

        page.goto(f"{live_server.url}{URL}?goal={GOAL}&start={first}&end={last}")
        page.wait_for_selector("svg.convert-trend")
        day14 = page.inner_text("#content-main")
        assert "Revenue per visitor is capped at" in day14
        assert "Planned sample" in day14
        assert "Holm" in day14
        assert "7000" not in day14  # counts are grouped
        assert "7,000 visitors" in day14
        shot(page, tmp_path, "report-day-14.png")

        page.goto(f"{live_server.url}{URL}?goal={GOAL}&start={first}&end={last}&segment=device")
        devices = page.inner_text("#content-main")
        assert "By Device" in devices
        for label in ("Desktop", "Phone", "Tablet"):
            assert label in devices
        shot(page, tmp_path, "report-day-14-by-device.png")
    assert problems == []
