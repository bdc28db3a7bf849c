"""Number formats for the experiment report's admin templates: ``{% load convert_report %}``."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeGuard

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from django_convert.reports.breakdown import SEGMENTS
from django_convert.reports.formats import DASH, number
from django_convert.reports.formats import money as money_text
from django_convert.reports.srm import format_share
from django_convert.reports.stats import CONFIDENCE, Comparison, Interval

register = template.Library()
#: The p-value below which a decision-ready comparison is called.
THRESHOLD = round(1 - CONFIDENCE, 10)


def _number(value: object) -> TypeGuard[int | float | Decimal]:
    # A missing comparison resolves to "" in templates (the baseline's own row).
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _fixed(value: float | Decimal, decimals: int) -> str:
    """``value`` rounded half up to ``decimals`` places, in the active locale ("5.12",
    "5,12"). Rounded here: Django's number_format cuts extra places off."""
    exact = value if isinstance(value, Decimal) else Decimal(repr(value))
    return number(exact.quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP), decimals)


@register.filter
def percent(value: object, decimals: int = 2) -> str:
    """0.0512 -> "5.12 %"."""
    if _number(value):
        return f"{_fixed(value * 100, decimals)} %"
    return DASH


@register.filter
def uplift(value: object) -> str:
    """0.123 -> "+12.3 %" (a relative change)."""
    if _number(value):
        sign, magnitude = ("+", value) if value >= 0 else ("-", -value)
        return f"{sign}{_fixed(magnitude * 100, 1)} %"
    return DASH


@register.filter
def interval(value: object, relative: bool = False) -> str:
    """An interval of a rate ("4.81 … 5.45 %") or, with ``:True``, of an uplift."""
    if not isinstance(value, Interval):
        return DASH
    if relative:
        return f"{uplift(value.low)} … {uplift(value.high)}"
    return f"{_fixed(value.low * 100, 2)} … {_fixed(value.high * 100, 2)} %"


@register.filter
def p_value(value: object) -> str:
    """A p-value with enough digits never to look like the other side of 0.05:
    0.01234 -> "0.012", 0.0497 -> "0.0497" (never "0.050"), tiny values "< 0.0001"."""
    if not isinstance(value, float):
        return DASH
    if value < 0.0001:
        return f"< {_fixed(0.0001, 4)}"
    decimals = 4 if value < 0.01 else 3
    # Rounding must not carry a p-value across the 0.05 line the page decides at.
    while decimals < 8 and (round(value, decimals) >= THRESHOLD) != (value >= THRESHOLD):
        decimals += 1
    return _fixed(value, decimals)


@register.filter
def verdict(comparison: object) -> str:
    """The CSS class of a decision-ready result: "win", "loss", or "" (not called)."""
    if not isinstance(comparison, Comparison) or not comparison.significant:
        return ""
    if comparison.uplift is None:
        return ""
    return "win" if comparison.uplift > 0 else "loss"


@register.filter
def verdict_text(comparison: object) -> SafeString:
    """The Result column: "Winner" / "Loser" in words (not colour alone), "Too early" when
    the minimum-data guard holds the decision back, else nothing."""
    if not isinstance(comparison, Comparison):
        return mark_safe("")
    kind = verdict(comparison)
    if kind == "win":
        return format_html('<span class="verdict-win">▲ {}</span>', _("Winner"))
    if kind == "loss":
        return format_html('<span class="verdict-loss">▼ {}</span>', _("Loser"))
    if not comparison.enough_data:
        return format_html('<span class="quiet">{}</span>', _("Too early"))
    return format_html('<span class="quiet">{}</span>', _("No difference yet"))


@register.filter
def days(value: object) -> str:
    """A duration in days, rounded up: 3.2 -> "4 days", 0.4 -> "1 day"."""
    if not _number(value):
        return DASH
    whole = max(1, math.ceil(float(value)))
    return ngettext("%(n)s day", "%(n)s days", whole) % {"n": number(whole)}


@register.filter
def segment_label(value: object) -> str:
    """``device`` -> "Device": the label of a ``?segment=`` value."""
    return str(SEGMENTS.get(str(value), value))


@register.filter
def money(value: object) -> str:
    """An amount in the active locale, rounded half up to cents (Django's number_format
    cuts: 113.4951 would read 113.49 beside a note saying 113.50), with the ``CURRENCY``
    code when set."""
    if _number(value):
        exact = value if isinstance(value, Decimal) else Decimal(repr(value))
        return money_text(exact.quantize(Decimal("0.01"), ROUND_HALF_UP))
    return DASH


@register.filter
def count(value: object) -> str:
    """A count, grouped in the active locale: 5066 -> "5,066"."""
    if _number(value):
        return number(value)
    return DASH


@register.filter
def share(value: object) -> str:
    """A traffic share in percent: Decimal("12.5000") -> "12.5 %"; None -> "?"."""
    return format_share(value if isinstance(value, Decimal) else None)
