"""Number formats for the experiment report's admin templates: ``{% load convert_report %}``."""

from __future__ import annotations

from decimal import Decimal
from typing import TypeGuard

from django import template

from django_convert.reports.srm import format_share
from django_convert.reports.stats import Interval

register = template.Library()
DASH = "–"  # noqa: RUF001 - an en dash for "no value"


def _number(value: object) -> TypeGuard[int | float | Decimal]:
    # A missing comparison resolves to "" in templates (the baseline's own row).
    return isinstance(value, int | float | Decimal)


@register.filter
def percent(value: object, decimals: int = 2) -> str:
    """0.0512 -> "5.12 %"."""
    return DASH if not _number(value) else f"{value * 100:.{decimals}f} %"


@register.filter
def uplift(value: object) -> str:
    """0.123 -> "+12.3 %" (a relative change)."""
    return DASH if not _number(value) else f"{value * 100:+.1f} %"


@register.filter
def interval(value: object, relative: bool = False) -> str:
    """An interval of a rate ("4.81 … 5.45 %") or, with ``:True``, of an uplift."""
    if not isinstance(value, Interval):
        return DASH
    if relative:
        return f"{value.low * 100:+.1f} % … {value.high * 100:+.1f} %"
    return f"{value.low * 100:.2f} … {value.high * 100:.2f} %"


@register.filter
def p_value(value: object) -> str:
    """0.01234 -> "0.012"; tiny values as "< 0.0001"."""
    if not isinstance(value, float):
        return DASH
    return "< 0.0001" if value < 0.0001 else f"{value:.4f}" if value < 0.01 else f"{value:.3f}"


@register.filter
def money(value: object) -> str:
    return DASH if not _number(value) else f"{value:,.2f}"


@register.filter
def share(value: object) -> str:
    """A traffic share in percent: Decimal("12.5000") -> "12.5 %"; None -> "?"."""
    return format_share(value if isinstance(value, Decimal) else None)
