"""The trend chart: each variation's cumulative conversion-rate uplift, day by day, with its
always-valid interval as a band, as inline SVG.

Rendered on the server like :mod:`.chart`: no script, no ``style`` attribute or element
(presentation attributes only), so it shows under a strict nonce-based CSP; text and axes
use ``currentColor``. Early intervals are wide: the axis is cut at -100 % and +300 %, and a
band that runs past it is drawn to the edge (the table gives the figures).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from django_convert.reports.chart import _nice_step
from django_convert.reports.trend import Point, Series, day_label

WIDTH, HEIGHT = 780, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 170, 12, 40
LOWEST, HIGHEST = -1.0, 3.0  # the axis never goes beyond -100 % and +300 %
COLOURS = ("#4f8fd8", "#d8794f", "#5fae6b", "#a56fd0", "#c9a227")


def _uplift_text(value: float) -> str:
    return f"{value * 100:+.1f} %"


def _range(series: Sequence[Series]) -> tuple[float, float]:
    values = [0.0]
    for s in series:
        for p in s.points:
            values += [v for v in (p.uplift, p.low, p.high) if v is not None and math.isfinite(v)]
    low, high = max(LOWEST, min(values)), min(HIGHEST, max(values))
    if high - low < 0.02:
        low, high = low - 0.01, high + 0.01
    step = _nice_step(high - low)
    return step * math.floor(low / step), step * math.ceil(high / step)


def trend_chart(series: Sequence[Series]) -> SafeString:
    """An ``<svg>``: per variation a line of the cumulative uplift against the baseline and
    a band of its interval, a dashed line at 0, dates below. Empty string without two days
    of data."""
    series = [s for s in series if sum(p.uplift is not None for p in s.points) >= 2]
    if not series:
        return mark_safe("")
    days = len(series[0].points)
    low, high = _range(series)
    plot_right, plot_bottom = WIDTH - RIGHT, HEIGHT - BOTTOM

    def x(index: int) -> float:
        return round(LEFT + (plot_right - LEFT) * index / max(1, days - 1), 1)

    def y(value: float) -> float:
        value = min(max(value, low), high)
        return round(TOP + (plot_bottom - TOP) * (high - value) / (high - low), 1)

    parts: list[str] = []
    step = _nice_step(high - low)
    for i in range(round((high - low) / step) + 1):
        tick = low + step * i
        parts.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="currentColor" '
                'stroke-opacity="{}"{}/><text x="{}" y="{}" text-anchor="end" '
                'dominant-baseline="middle" fill="currentColor" font-size="11">{}</text>',
                LEFT, y(tick), plot_right, y(tick),
                "0.6" if abs(tick) < 1e-9 else "0.15",
                mark_safe(' stroke-dasharray="4 3"') if abs(tick) < 1e-9 else "",
                LEFT - 6, y(tick), f"{tick * 100:+.0f} %",
            )
        )  # fmt: skip
    points = series[0].points
    for index in sorted({0, days // 2, days - 1}):
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="middle" fill="currentColor" font-size="11">'
                "{}</text>",
                x(index),
                plot_bottom + 16,
                date_format(localtime(day_label(points[index])), "SHORT_DATE_FORMAT"),
            )
        )
    for number, s in enumerate(series):
        parts.append(_series(s, COLOURS[number % len(COLOURS)], number, x, y))
    parts.append(
        format_html(
            '<text x="{}" y="{}" text-anchor="middle" fill="currentColor" font-size="11">{}</text>',
            (LEFT + plot_right) / 2,
            HEIGHT - 4,
            _("cumulative uplift of the conversion rate (line) and its interval (band)"),
        )
    )
    description = "; ".join(_last(s) for s in series)
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="convert-report-chart convert-trend" '
        'role="img" viewBox="0 0 {} {}" width="{}" height="{}" aria-labelledby='
        '"convert-trend-title convert-trend-desc" font-family="system-ui, sans-serif">'
        '<title id="convert-trend-title">{}</title><desc id="convert-trend-desc">{}</desc>'
        "{}</svg>",
        WIDTH, HEIGHT, WIDTH, HEIGHT,
        _("Conversion rate uplift against the baseline, day by day"),
        description,
        mark_safe("".join(parts)),  # noqa: S308 - every part is built by format_html
    )  # fmt: skip


def _last(s: Series) -> str:
    point = next((p for p in reversed(s.points) if p.uplift is not None), None)
    if point is None or point.uplift is None:
        return s.name
    text = f"{s.name}: {_uplift_text(point.uplift)}"
    if point.low is not None and point.high is not None:
        text += f" ({_uplift_text(point.low)} … {_uplift_text(point.high)})"
    return text


def _series(
    s: Series, colour: str, number: int, x: Callable[[int], float], y: Callable[[float], float]
) -> str:
    known = [(i, p) for i, p in enumerate(s.points) if p.uplift is not None]
    banded = [(i, p) for i, p in known if p.low is not None and p.high is not None]
    parts = []
    if len(banded) >= 2:
        upper = [f"{x(i)},{y(_bound(p.high))}" for i, p in banded]
        lower = [f"{x(i)},{y(_bound(p.low))}" for i, p in reversed(banded)]
        parts.append(
            format_html(
                '<polygon points="{}" fill="{}" fill-opacity="0.18" stroke="none"/>',
                " ".join(upper + lower),
                colour,
            )
        )
    line = " ".join(f"{x(i)},{y(_bound(p.uplift))}" for i, p in known)
    parts.append(
        format_html(
            '<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>', line, colour
        )
    )
    last = known[-1][1]
    legend_y = TOP + 14 + 18 * number
    parts.append(
        format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="3"/>'
            '<text x="{}" y="{}" dominant-baseline="middle" fill="currentColor" '
            'font-size="12"><title>{}</title>{}</text>',
            WIDTH - RIGHT + 10, legend_y, WIDTH - RIGHT + 26, legend_y, colour,
            WIDTH - RIGHT + 32, legend_y, _last(s),
            f"{s.name[:14]} {_uplift_text(_bound(last.uplift))}",
        )
    )  # fmt: skip
    return "".join(parts)


def _bound(value: float | None) -> float:
    if value is None or not math.isfinite(value):
        return HIGHEST if value == math.inf else LOWEST
    return value


__all__ = ["Point", "trend_chart"]
