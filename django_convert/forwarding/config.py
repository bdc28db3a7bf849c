"""``DJANGO_CONVERT["FORWARD"]``: which destinations are configured, read at call time.

The names are fixed by the contract (CONTRACT.md section 10)::

    DJANGO_CONVERT["FORWARD"] = {
        "ga4": {"MEASUREMENT_ID": "G-XXXXXXX", "API_SECRET": "...", "URL": "..."},
        "segment": {"WRITE_KEY": "...", "URL": "..."},
        "mixpanel": {"PROJECT_TOKEN": "...", "API_SECRET": "...", "URL": "..."},
    }

``URL`` is optional everywhere. ``CONVERSIONS`` (bool, default False) also forwards
conversions, with revenue. ``BROWSER_ID_WAIT`` (seconds, default 30, 0 disables) holds an
impression recorded without the destination's browser id that long before its first send,
so that the visitor's next page can supply it (``forwarding.adopt``).
A destination left out receives nothing: that is silent by design (most shops use none or
one), and ``convert_doctor`` lists what is configured.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django_convert.conf import get_setting
from django_convert.models.forwarding import DESTINATIONS

#: Each destination's default endpoint (the vendors' documented production URLs).
DEFAULT_URLS = {
    # https://developers.google.com/analytics/devguides/collection/protocol/ga4/sending-events
    "ga4": "https://www.google-analytics.com/mp/collect",
    # https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/#batch
    "segment": "https://api.segment.io/v1/batch",
    # https://developer.mixpanel.com/reference/import-events
    "mixpanel": "https://api.mixpanel.com/import",
}
#: The keys each destination takes (besides URL and CONVERSIONS), and which are required.
KEYS: dict[str, tuple[str, ...]] = {
    "ga4": ("MEASUREMENT_ID", "API_SECRET"),
    "segment": ("WRITE_KEY",),
    "mixpanel": ("PROJECT_TOKEN", "API_SECRET"),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "ga4": ("MEASUREMENT_ID", "API_SECRET"),
    "segment": ("WRITE_KEY",),
    "mixpanel": ("PROJECT_TOKEN",),
}
COMMON_KEYS = ("URL", "CONVERSIONS", "BROWSER_ID_WAIT")
#: Seconds an impression without the destination's browser id waits before its first send:
#: long enough for the visitor's next page (gtag.js, analytics.js and mixpanel-js write
#: their cookie on the first page, usually after the listener's first post), short enough
#: that the analytics report barely lags (GA4 takes events up to 72 hours old:
#: https://developers.google.com/analytics/devguides/collection/protocol/ga4/sending-events).
DEFAULT_BROWSER_ID_WAIT = 30.0


@dataclass(frozen=True)
class Destination:
    """One configured destination: its name, URL and credentials (hashable: one
    ``requests.Session`` per distinct configuration)."""

    name: str
    url: str
    credentials: tuple[tuple[str, str], ...]
    conversions: bool = False
    browser_id_wait: float = DEFAULT_BROWSER_ID_WAIT

    def credential(self, key: str) -> str:
        return dict(self.credentials).get(key, "")


def forward_setting() -> Mapping[str, Any]:
    """``DJANGO_CONVERT["FORWARD"]`` as configured (``{}`` when unset or not a dict: the
    checks say why)."""
    value = get_setting("FORWARD")
    return value if isinstance(value, Mapping) else {}


def configured() -> dict[str, Destination]:
    """The destinations to forward to, by name: every known destination present in
    FORWARD with a dict value and its required credentials non-empty. A destination with a
    missing credential is left out here, and said by the checks (E303)."""
    result: dict[str, Destination] = {}
    for name, options in forward_setting().items():
        if name not in DESTINATIONS or not isinstance(options, Mapping):
            continue
        if any(not str(options.get(key) or "").strip() for key in REQUIRED[name]):
            continue
        result[name] = Destination(
            name=name,
            url=str(options.get("URL") or DEFAULT_URLS[name]),
            credentials=tuple((key, str(options.get(key) or "")) for key in KEYS[name]),
            conversions=bool(options.get("CONVERSIONS", False)),
            browser_id_wait=browser_id_wait(options),
        )
    return result


def browser_id_wait(options: Mapping[str, Any]) -> float:
    """A destination's ``BROWSER_ID_WAIT`` in seconds (>= 0); the default when unset or
    not a non-negative number (check W302 says so)."""
    value = options.get("BROWSER_ID_WAIT", DEFAULT_BROWSER_ID_WAIT)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        return DEFAULT_BROWSER_ID_WAIT
    return float(value)
