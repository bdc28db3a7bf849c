"""The experiment report as CSV (CONTRACT section 9): ``?format=csv`` on the report's URL.

One header row, then one row per variation and metric (``conversion_rate``, then
``revenue_per_visitor`` when the goal carries revenue), baseline first. Rates are fractions
(0-1), money plain decimals, uplifts fractions (0.25 = +25 %). ``p_value`` is the p-value
the page shows: always-valid and adjusted by the page's correction (Holm);
``significant`` is ``true`` only when the page presents the comparison as decision-ready.

Spreadsheet-safe: a cell that a spreadsheet would read as a formula (starting with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return: OWASP's "CSV Injection",
https://owasp.org/www-community/attacks/CSV_Injection) gets a leading ``'`` unless it is a
number. A synced variation name such as ``=HYPERLINK("http://evil","x")`` is therefore
shown as text, never run.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from decimal import Decimal

from django.utils.translation import gettext as _

from django_convert.reports.experiment import ExperimentReport, VariationResult
from django_convert.reports.stats import Comparison, Interval

COLUMNS = (
    "variation_id",
    "variation",
    "metric",
    "visitors",
    "conversions",
    "value",
    "value_low",
    "value_high",
    "uplift",
    "uplift_low",
    "uplift_high",
    "p_value",
    "chance_to_beat_baseline",
    "significant",
    "note",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def safe_cell(value: str) -> str:
    """``value`` as a spreadsheet will show it, never as a formula: numbers stay as they
    are, any other text starting with = + - @ (or a tab, a carriage return) gets a ``'``."""
    if value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def _number(value: float | Decimal | int | None) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value) if value == value and abs(value) != float("inf") else ""
    return str(value)


def _interval(interval: Interval | None) -> tuple[str, str]:
    if interval is None:
        return "", ""
    return _number(interval.low), _number(interval.high)


def _comparison(c: Comparison | None) -> list[str]:
    if c is None:
        return ["", "", "", "", "", "false"]
    low, high = _interval(c.interval)
    return [
        _number(c.uplift),
        low,
        high,
        _number(c.decision_p_value),
        _number(c.chance_to_beat_baseline),
        "true" if c.significant else "false",
    ]


def _note(v: VariationResult, c: Comparison | None, extra: Iterable[str] = ()) -> str:
    notes = list(c.notes if c is not None else ())
    notes += list(extra)
    return " ".join(dict.fromkeys(note.strip() for note in notes if note.strip()))


def rows(report: ExperimentReport) -> list[list[str]]:
    """The CSV's rows after the header, as text cells (not yet made spreadsheet-safe)."""
    withheld = []
    if report.sample_ratio.mismatch:
        withheld.append(
            _("Sample-ratio mismatch (p = %(p)s): do not trust the comparison.")
            % {"p": f"{report.sample_ratio.p_value:.2g}"}
        )
    result = []
    for v in report.variations:
        low, high = _interval(v.rate_interval)
        result.append(
            [
                v.variation_id,
                "" if v.name == v.variation_id else v.name,
                "conversion_rate",
                str(v.visitors),
                str(v.converting_visitors),
                _number(v.rate),
                low,
                high,
                *_comparison(v.rate_comparison),
                _note(v, v.rate_comparison, withheld),
            ]
        )
    if not report.has_revenue:
        return result
    for v in report.variations:
        capped = []
        if v.capped_visitors and report.revenue_cap is not None:
            capped.append(
                _("Revenue per visitor capped at %(cap)s: %(count)d visitor(s) above it.")
                % {"cap": _number(report.revenue_cap), "count": v.capped_visitors}
            )
        value = v.capped_revenue_per_visitor
        result.append(
            [
                v.variation_id,
                "" if v.name == v.variation_id else v.name,
                "revenue_per_visitor",
                str(v.visitors),
                str(v.converting_visitors),
                _number(value if value is not None else v.revenue_per_visitor),
                "",
                "",
                *_comparison(v.revenue_comparison),
                _note(v, v.revenue_comparison, [*capped, *withheld]),
            ]
        )
    return result


def to_csv(report: ExperimentReport) -> str:
    """The whole CSV text, header first, every cell spreadsheet-safe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows(report):
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()
