"""The report's chart: conversion rate per variation with its interval, as inline SVG.

Rendered on the server: no script, no third-party request, no ``style`` attribute or element
(presentation attributes only), so it shows under a strict nonce-based CSP. Text and axes use
``currentColor`` and follow the admin's light or dark theme.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from django_convert.reports.experiment import VariationResult

WIDTH = 780
LABEL_WIDTH = 190  # variation names, right-aligned against the plot
VALUE_WIDTH = 200  # "12.79 % (11.65-14.02 %)" after the plot
ROW_HEIGHT = 40
TOP, BOTTOM = 12, 34  # room for the axis labels below
BAR_HEIGHT = 18
MAX_LABEL = 26
BASELINE_FILL, VARIATION_FILL = "#9aa5b1", "#4f8fd8"


def _nice_step(span: float, ticks: int = 5) -> float:
    """A 1/2/5 x 10^n step that cuts ``span`` into about ``ticks`` parts."""
    raw = span / ticks
    magnitude = 10.0 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1.0, 2.0, 5.0, 10.0) if m * magnitude >= raw)


def _percent(value: float, step: float) -> str:
    decimals = max(0, -math.floor(math.log10(step * 100))) if step else 0
    return f"{value * 100:.{decimals}f} %"


def _label(name: str) -> str:
    return name if len(name) <= MAX_LABEL else name[: MAX_LABEL - 1] + "…"


def rate_chart(variations: Sequence[VariationResult]) -> SafeString:
    """An ``<svg>`` element: one bar per variation (baseline first, in grey), a whisker for
    each Wilson interval, and a dashed line at the baseline's rate. Empty string when no
    variation has visitors."""
    rows = [v for v in variations if v.rate is not None]
    if not rows:
        return mark_safe("")
    top = max(max(v.rate_interval.high if v.rate_interval else 0, v.rate or 0) for v in rows)
    step = _nice_step(top * 1.05 if top > 0 else 0.01)
    axis_max = step * math.ceil(top * 1.05 / step) if top > 0 else step * 5
    # A rate is at most 100 %: the axis never runs past it (a rate of 100 % once drew an
    # axis to 150 %).
    axis_max = min(axis_max, 1.0)
    plot_left, plot_right = LABEL_WIDTH, WIDTH - VALUE_WIDTH
    height = TOP + ROW_HEIGHT * len(rows) + BOTTOM
    plot_bottom = TOP + ROW_HEIGHT * len(rows)

    def x(value: float) -> float:
        return round(plot_left + (plot_right - plot_left) * value / axis_max, 1)

    parts: list[str] = []
    ticks = [step * i for i in range(math.floor(axis_max / step + 1e-9) + 1)]
    for tick in ticks:
        parts.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="currentColor" '
                'stroke-opacity="0.15"/><text x="{}" y="{}" text-anchor="middle" '
                'fill="currentColor" font-size="11">{}</text>',
                x(tick),
                TOP,
                x(tick),
                plot_bottom,
                x(tick),
                plot_bottom + 16,
                _percent(tick, step),
            )
        )
    for index, v in enumerate(rows):
        parts.append(_row(v, TOP + ROW_HEIGHT * index, x))
    baseline = next((v for v in rows if v.is_baseline), None)
    if baseline is not None and baseline.rate is not None:
        parts.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="currentColor" '
                'stroke-dasharray="4 3" stroke-opacity="0.6"/>',
                x(baseline.rate),
                TOP,
                x(baseline.rate),
                plot_bottom,
            )
        )
    parts.append(
        format_html(
            '<text x="{}" y="{}" text-anchor="middle" fill="currentColor" font-size="11">{}</text>',
            (plot_left + plot_right) / 2,
            height - 2,
            _("conversion rate (bars) with its 95 % interval (whiskers)")
            if any(v.rate_interval for v in rows)
            else _("conversion rate (bars); intervals need scipy (the stats extra)"),
        )
    )
    title = _("Conversion rate per variation")
    description = "; ".join(
        f"{v.name}: {v.rate * 100:.2f} %" + (f" ({_interval_text(v)})" if v.rate_interval else "")
        for v in rows
        if v.rate is not None
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="convert-report-chart" role="img" '
        'viewBox="0 0 {} {}" width="{}" height="{}" aria-labelledby="convert-chart-title '
        'convert-chart-desc" font-family="system-ui, sans-serif">'
        '<title id="convert-chart-title">{}</title><desc id="convert-chart-desc">{}</desc>'
        "{}</svg>",
        WIDTH,
        height,
        WIDTH,
        height,
        title,
        description,
        mark_safe("".join(parts)),  # noqa: S308 - every part is built by format_html
    )


def _interval_text(v: VariationResult) -> str:
    assert v.rate_interval is not None
    return f"{v.rate_interval.low * 100:.2f}-{v.rate_interval.high * 100:.2f} %"


def _row(v: VariationResult, y: float, x: Callable[[float], float]) -> str:
    assert v.rate is not None
    middle = y + ROW_HEIGHT / 2
    fill = BASELINE_FILL if v.is_baseline else VARIATION_FILL
    parts = [
        format_html(
            '<text x="{}" y="{}" text-anchor="end" dominant-baseline="middle" '
            'fill="currentColor" font-size="13"><title>{}</title>{}</text>',
            LABEL_WIDTH - 10,
            middle,
            f"{v.name} ({v.variation_id})",
            _label(v.name),
        ),
        format_html(
            '<rect x="{}" y="{}" width="{}" height="{}" fill="{}" rx="2"/>',
            x(0),
            middle - BAR_HEIGHT / 2,
            max(0.0, x(v.rate) - x(0)),
            BAR_HEIGHT,
            fill,
        ),
    ]
    value = f"{v.rate * 100:.2f} %"
    if v.rate_interval is not None:
        low, high = x(v.rate_interval.low), x(v.rate_interval.high)
        cap = BAR_HEIGHT / 2 + 3
        parts.append(
            format_html_join(
                "",
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="currentColor" stroke-width="1.5"/>',
                [
                    (low, middle, high, middle),
                    (low, middle - cap, low, middle + cap),
                    (high, middle - cap, high, middle + cap),
                ],
            )
        )
        value += f" ({_interval_text(v)})"
    parts.append(
        format_html(
            '<text x="{}" y="{}" dominant-baseline="middle" fill="currentColor" '
            'font-size="12">{}</text>',
            WIDTH - VALUE_WIDTH + 10,
            middle,
            value,
        )
    )
    return "".join(parts)
