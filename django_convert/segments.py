"""Convert's segment codes (the Experiences Tracking API enums)."""

from __future__ import annotations

from django.db import models


class Browser(models.TextChoices):
    IE = "IE", "Internet Explorer"
    EDGE = "EDG", "Edge"
    CHROME = "CH", "Chrome"
    FIREFOX = "FF", "Firefox"
    OPERA = "OP", "Opera"
    SAFARI = "SF", "Safari"
    MOZILLA = "MO", "Mozilla"
    NETSCAPE = "NS", "Netscape"
    OTHER = "OTH", "Other"


class Device(models.TextChoices):
    ALL_PHONES = "ALLPH", "All phones"
    IPHONE = "IPH", "iPhone"
    OTHER_PHONE = "OTHPH", "Other phone"
    ALL_TABLETS = "ALLTAB", "All tablets"
    IPAD = "IPAD", "iPad"
    OTHER_TABLET = "OTHTAB", "Other tablet"
    DESKTOP = "DESK", "Desktop"
    OTHER_DEVICE = "OTHDEV", "Other device"


class Source(models.TextChoices):
    CAMPAIGN = "campaign", "Campaign"
    SEARCH = "search", "Search"
    REFERRAL = "referral", "Referral"
    DIRECT = "direct", "Direct"
    AI_TOOL = "ai_tool", "AI tool"


class VisitorType(models.TextChoices):
    NEW = "new", "New"
    RETURNING = "returning", "Returning"


#: Browser codes the tracking API's own types accept; the others are JavaScript-SDK only
#: and are sent to Convert as OTH.
API_BROWSERS = frozenset({"IE", "CH", "FF", "OP", "SF", "OTH"})
