"""How the admin writes numbers, money, dates and long ids: the site's locale, one way.

Numbers go through Django's localization (``number_format`` with grouping: "9,932.96" in
English, "9.932,96" in German), money with the ``CURRENCY`` setting's code when it is set
(Convert reports revenue in the project's currency, which its API does not tell), dates
in the locale's short formats. Long values (visitor ids, names) are clipped to a width
with the whole value in the ``title``, so the lists fit a 1,280 px screen.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.utils.formats import date_format, number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timezone import localtime

from django_convert.conf import get_setting

DASH = "–"  # noqa: RUF001 - an en dash for "no value"
#: Characters of a visitor id shown in lists (Convert's ids made by the snippet are 32).
SHORT_ID = 10
#: The stylesheet of these formats, for each admin's ``Media``.
CHANGELIST_CSS = {"all": ("django_convert/admin/changelist.css",)}


def number(value: int | float | Decimal | None, decimals: int | None = None) -> str:
    """A count or a number in the active locale, grouped: 5066 -> "5,066"."""
    if value is None:
        return DASH
    return str(number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True))


def money(value: int | float | Decimal | None) -> str:
    """An amount with two decimals in the active locale, and the ``CURRENCY`` code when set:
    Decimal("37.4000") -> "37.40 USD"."""
    if value is None:
        return DASH
    currency = get_setting("CURRENCY")
    amount = number(value, 2)
    return f"{amount} {currency}" if currency else amount


def short_datetime(value: datetime | None) -> str:
    """The locale's SHORT_DATETIME_FORMAT in the current time zone ("12/06/2026 1:41 p.m.")."""
    if value is None:
        return DASH
    return str(date_format(localtime(value), "SHORT_DATETIME_FORMAT"))


def stacked_datetime(value: datetime | None) -> SafeString:
    """The locale's short date, and the time below it: narrow enough for list columns."""
    if value is None:
        return format_html("{}", DASH)
    value = localtime(value)
    return format_html(
        '{}<br><span class="dc-quiet">{}</span>',
        date_format(value, "SHORT_DATE_FORMAT"),
        date_format(value, "TIME_FORMAT"),
    )


def clip(content: object, width: str = "12em", title: str | None = None) -> SafeString:
    """``content`` (text, or safe HTML with a plain ``title``) on one line, cut to ``width``
    (one of the stylesheet's: 8em, 10em, 12em, 14em, 16em, 18em) with an ellipsis; the whole of
    it in the title, shown on hover."""
    plain = str(content) if title is None else title
    return format_html('<span class="dc-clip dc-w-{}" title="{}">{}</span>', width, plain, content)


def short_id(visitor_id: str) -> SafeString:
    """The first characters of a long id, the whole id in the title."""
    if len(visitor_id) <= SHORT_ID + 1:
        return format_html("<code>{}</code>", visitor_id)
    return format_html('<code title="{}">{}…</code>', visitor_id, visitor_id[:SHORT_ID])
