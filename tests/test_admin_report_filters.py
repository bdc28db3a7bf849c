"""The report's query parameters: any subset overlays the defaults; bad ones answer 400;
an unknown experience is a 404; the wording when there is nothing to compare."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse

from django_convert.models import Exposure, Visitor
from tests.test_admin_report import RANGE, URL
from tests.test_reports_experiment import GOAL, GREEN, ORIGINAL, START

pytestmark = pytest.mark.django_db


@pytest.fixture
def experiment() -> None:
    from tests.test_reports_experiment import configure, seed

    configure({ORIGINAL: 50, GREEN: 50})
    seed({ORIGINAL: 600, GREEN: 400}, {ORIGINAL: 0.05, GREEN: 0.09})


def test_segment_alone_shows_the_breakdown(admin_client, experiment) -> None:
    response = admin_client.get(URL, {"segment": "device"})
    assert response.status_code == 200
    page = response.context["page"]
    assert page.segment == "device"
    assert page.segments
    assert response.context["form"].data["goal"] == GOAL


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ({"start": "2026-13-01"}, "start"),
        ({"end": "not a day"}, "end"),
        ({"start": RANGE["end"], "end": RANGE["start"]}, "must not be before"),
        ({"segment": "shoe size"}, "segment"),
        ({"baseline": "999"}, "baseline"),
        ({"goal": "nope"}, "goal"),
    ],
)
def test_an_invalid_filter_alone_answers_400_with_the_reason(
    admin_client, experiment, query, reason
) -> None:
    page = admin_client.get(URL, query)
    assert page.status_code == 400
    assert page.context["report"] is None
    assert reason in page.content.decode()
    export = admin_client.get(URL, {**query, "format": "csv"})
    assert export.status_code == 400
    assert export["Content-Type"].startswith("text/plain")
    assert reason in export.content.decode()


def test_an_unknown_format_answers_400(admin_client, experiment) -> None:
    response = admin_client.get(URL, {"format": "xlsx"})
    assert response.status_code == 400
    assert "format" in response.content.decode()


def test_goal_and_format_alone_export_the_whole_experiment(admin_client, experiment) -> None:
    response = admin_client.get(URL, {"goal": GOAL, "format": "csv"})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert sum(int(row["visitors"]) for row in rows if row["metric"] == "conversion_rate") == 1001


def test_start_alone_keeps_the_default_goal_and_end(admin_client, experiment) -> None:
    later = (START + timedelta(days=5)).date().isoformat()
    response = admin_client.get(URL, {"start": later})
    assert response.status_code == 200
    whole = admin_client.get(URL).context["report"]
    assert 0 < response.context["report"].visitors < whole.visitors


@pytest.mark.parametrize("unknown", ["999", "abc"])
def test_an_unknown_experience_is_a_404(admin_client, experiment, unknown) -> None:
    url = reverse("admin:django_convert_bucketing_report", args=[unknown])
    assert admin_client.get(url).status_code == 404
    assert admin_client.get(url, {"format": "csv"}).status_code == 404


def test_an_experience_known_only_by_exposures_is_no_404(admin_client) -> None:
    visitor = Visitor.objects.create(visitor_id="only-exposed")
    Exposure.objects.create(
        visitor=visitor,
        experience_id="4242",
        variation_id="1",
        is_first=True,
        first_seen=START,
        last_seen=START,
    )
    url = reverse("admin:django_convert_bucketing_report", args=["4242"])
    assert admin_client.get(url).status_code == 200


def test_no_conversions_say_so_truthfully(admin_client) -> None:
    from tests.test_reports_experiment import configure, seed

    configure({ORIGINAL: 50, GREEN: 50})
    seed({ORIGINAL: 60, GREEN: 40}, {ORIGINAL: 0.0, GREEN: 0.0})
    response = admin_client.get(URL, RANGE)
    assert response.status_code == 200
    report = response.context["report"]
    assert report.visitors == 100
    assert report.conversions == 0
    html = response.content.decode()
    assert "No revenue: no conversions in this range." in html
    assert "carry no amount" not in html
    assert report.compared_p_values == 2
    assert "No comparison yet" not in html


def test_a_single_arm_says_no_comparison_yet(admin_client) -> None:
    from tests.test_reports_experiment import configure, seed

    configure({ORIGINAL: 50, GREEN: 50})
    seed({ORIGINAL: 60}, {ORIGINAL: 0.1})
    response = admin_client.get(URL, RANGE)
    report = response.context["report"]
    assert report.visitors == 60
    assert report.compared_p_values == 0
    html = response.content.decode()
    assert "No comparison yet" in html
    assert "across the 0 p-value" not in html


def test_a_synced_experience_without_visitors_is_no_404(admin_client) -> None:
    from tests.test_reports_experiment import configure

    configure({ORIGINAL: 50, GREEN: 50})
    response = admin_client.get(URL)
    assert response.status_code == 200
    assert response.context["report"] is not None
    assert response.context["report"].visitors == 0
