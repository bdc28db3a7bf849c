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

_ISO_3166_ALPHA_2 = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO
    BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ
    DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP
    GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG
    KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML
    MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE
    PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL
    SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM
    US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
"""
#: ISO 3166-1 alpha-2 codes officially assigned (249), the only countries Convert accepts.
COUNTRIES = frozenset(_ISO_3166_ALPHA_2.split())


#: Device classes from Convert's device codes (the Experiences Tracking API's ``devices``,
#: a list such as ["ALLPH", "IPH"]): the first class whose code the list holds.
DEVICE_CLASSES = (
    ("phone", ("ALLPH", "IPH", "OTHPH")),
    ("tablet", ("ALLTAB", "IPAD", "OTHTAB")),
    ("desktop", ("DESK",)),
    ("other", ("OTHDEV",)),
)


def device_class(devices: object) -> str:
    """The class of a visitor's ``devices`` list ("phone", "tablet", "desktop", "other"),
    '' when it holds none of :data:`DEVICE_CLASSES`' codes or is not a list."""
    codes = set(devices) if isinstance(devices, list) else set()
    return next((name for name, names in DEVICE_CLASSES if codes.intersection(names)), "")


def device_class_sql(column: str, vendor: str) -> str:
    """SQL of :func:`device_class` over the JSON ``column`` (a visitor's ``devices``).

    PostgreSQL: ``jsonb_exists_any`` (the ``?|`` operator). Elsewhere the JSON list as text
    searched for each quoted code: codes contain no quote. Its ``%%`` are literal ``%`` in
    SQL run with parameters."""
    whens = []
    for name, codes in DEVICE_CLASSES:
        if vendor == "postgresql":
            array = ", ".join(f"'{code}'" for code in codes)
            whens.append(f"WHEN jsonb_exists_any({column}, ARRAY[{array}]) THEN '{name}'")
        else:
            tests = " OR ".join(f"{column} LIKE '%%\"{code}\"%%'" for code in codes)
            whens.append(f"WHEN {tests} THEN '{name}'")
    return f"CASE {' '.join(whens)} ELSE '' END"
