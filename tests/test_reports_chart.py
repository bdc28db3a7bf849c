"""The report's SVG chart: one bar and whisker per variation, escaped names, no styles."""

from __future__ import annotations

import re
from decimal import Decimal
from xml.etree import ElementTree

from django_convert.reports.chart import rate_chart
from django_convert.reports.experiment import VariationResult
from django_convert.reports.stats import Interval

SVG = "{http://www.w3.org/2000/svg}"


def variation(name: str, rate: float | None, interval: Interval | None, baseline=False):
    return VariationResult(
        variation_id=name.lower()[:8] or "x",
        name=name,
        traffic_allocation=Decimal(50),
        traffic_share=Decimal(50),
        is_baseline=baseline,
        visitors=1000,
        converting_visitors=round((rate or 0) * 1000),
        conversions=0,
        revenue=Decimal(0),
        rate=rate,
        rate_interval=interval,
        revenue_per_visitor=None,
        average_order_value=None,
    )


def parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)


def test_bars_whiskers_labels_and_axis() -> None:
    svg = rate_chart(
        [
            variation("Original", 0.043, Interval(0.038, 0.049), baseline=True),
            variation("Green button", 0.0535, Interval(0.0476, 0.0601)),
        ]
    )
    root = parse(svg)
    bars = root.findall(f"{SVG}rect")
    assert len(bars) == 2
    assert float(bars[1].get("width")) > float(bars[0].get("width"))
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert any("Green button" in t for t in texts)
    assert "5.35 % (4.76-6.01 %)" in texts
    assert {"0 %", "2 %", "4 %", "6 %"} <= set(texts)
    # 2 whiskers x 3 lines, plus the grid and the dashed baseline line.
    assert len([line for line in root.iter(f"{SVG}line") if line.get("stroke-width")]) == 6
    assert len([line for line in root.iter(f"{SVG}line") if line.get("stroke-dasharray")]) == 1
    assert "Original: 4.30 % (3.80-4.90 %)" in root.find(f"{SVG}desc").text


def test_names_are_escaped_and_there_is_no_style_or_script() -> None:
    svg = rate_chart([variation('<script>alert("x")</script>', 0.05, Interval(0.04, 0.06))])
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert not re.search(r"\sstyle=|<style", svg)
    parse(svg)  # well-formed


def test_without_intervals_bars_only_and_nothing_without_visitors() -> None:
    root = parse(rate_chart([variation("A", 0.05, None), variation("B", 0.0, None)]))
    assert len(root.findall(f"{SVG}rect")) == 2
    assert not [line for line in root.iter(f"{SVG}line") if line.get("stroke-width")]
    assert rate_chart([variation("A", None, None)]) == ""
    assert rate_chart([]) == ""


def test_a_rate_of_100_percent_keeps_the_axis_at_100() -> None:
    root = parse(rate_chart([variation("All", 1.0, Interval(0.96, 1.0), baseline=True)]))
    ticks = [
        "".join(t.itertext())
        for t in root.iter(f"{SVG}text")
        if "".join(t.itertext()).endswith(" %") and "(" not in "".join(t.itertext())
    ]
    assert ticks[-1] == "100 %"
    assert "150 %" not in ticks


def test_trend_chart_lines_bands_dates_and_no_style() -> None:
    from datetime import UTC, datetime, timedelta

    from django_convert.reports.chart_trend import trend_chart
    from django_convert.reports.trend import Point, Series

    start = datetime(2026, 11, 1, tzinfo=UTC)
    points = [
        Point(start + timedelta(days=d + 1), 100 * (d + 1), 100 * (d + 1),
              0.3, 0.3 - 2 / (d + 1), 0.3 + 2 / (d + 1))
        for d in range(10)
    ]  # fmt: skip
    points[0] = Point(start + timedelta(days=1), 50, 50, 9.0, -1.0, float("inf"))
    svg = trend_chart([Series("b", '<b>"Green"</b>', points)])
    root = parse(svg)
    assert len(root.findall(f"{SVG}polyline")) == 1
    assert len(root.findall(f"{SVG}polygon")) == 1
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert "+300 %" in texts  # the axis is cut at +300 %, the 900 % first day drawn at the edge
    assert "-100 %" in texts
    assert not [t for t in texts if t.startswith("+400")]
    assert "&lt;b&gt;" in svg
    assert not re.search(r"\sstyle=|<style|<script", svg)
    ys = [float(pair.split(",")[1]) for pair in root.find(f"{SVG}polyline").get("points").split()]
    assert min(ys) >= 0
    assert trend_chart([]) == ""
    assert trend_chart([Series("b", "B", points[:1])]) == ""
