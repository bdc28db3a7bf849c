"""Number formats for the experiment report's admin templates: ``{% load convert_report %}``."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TypeGuard

from django import template

from django_convert.reports.formats import DASH, number
from django_convert.reports.formats import money as money_text
from django_convert.reports.srm import format_share
from django_convert.reports.stats import Interval

register = template.Library()


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
    """0.01234 -> "0.012"; tiny values as "< 0.0001"."""
    if not isinstance(value, float):
        return DASH
    if value < 0.0001:
        return f"< {_fixed(0.0001, 4)}"
    return _fixed(value, 4) if value < 0.01 else _fixed(value, 3)


@register.filter
def money(value: object) -> str:
    """An amount in the active locale, with the ``CURRENCY`` code when set."""
    if _number(value):
        return money_text(value)
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
