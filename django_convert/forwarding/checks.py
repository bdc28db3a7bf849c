"""System checks for ``DJANGO_CONVERT["FORWARD"]`` (E300-E306, W300-W302).

A destination with an error here is not forwarded to (``forwarding.config.configured``
leaves out a destination missing a credential; the others would fail every request), so
each error says what to fix.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning

from django_convert.conf import SETTINGS_NAME, closest_names, get_setting
from django_convert.forwarding.config import (
    COMMON_KEYS,
    DEFAULT_BROWSER_ID_WAIT,
    KEYS,
    REQUIRED,
    browser_id_wait,
)
from django_convert.models.forwarding import DESTINATIONS

#: GA4 measurement ids look like "G-XXXXXXXXXX" (Admin > Data streams > Measurement ID):
#: https://support.google.com/analytics/answer/12270356
MEASUREMENT_ID = re.compile(r"^G-[A-Z0-9]{4,20}$")
NAME = f"{SETTINGS_NAME}['FORWARD']"


def check_forwarding() -> list[CheckMessage]:
    """Every FORWARD problem: shape, destination names, credentials, URLs."""
    value = get_setting("FORWARD")
    if value in (None, {}):
        return []
    if not isinstance(value, Mapping):
        return [
            Error(
                f"{NAME} must be a dict of destinations, not {type(value).__name__}.",
                hint='For example {"segment": {"WRITE_KEY": "..."}}; see docs/forwarding.rst.',
                id="django_convert.E300",
            )
        ]
    messages: list[CheckMessage] = []
    for name, options in value.items():
        if name not in DESTINATIONS:
            near = closest_names(str(name), DESTINATIONS)
            messages.append(
                Error(
                    f"{NAME} names an unknown destination {name!r}: nothing is forwarded to it.",
                    hint=(f"Did you mean {near[0]!r}? " if near else "")
                    + f"The destinations are {', '.join(DESTINATIONS)}.",
                    id="django_convert.E301",
                )
            )
            continue
        if not isinstance(options, Mapping):
            messages.append(
                Error(
                    f"{NAME}[{name!r}] must be a dict of its settings, not "
                    f"{type(options).__name__}.",
                    id="django_convert.E302",
                )
            )
            continue
        messages += _check_destination(name, options)
    return messages


def _check_destination(name: str, options: Mapping[str, Any]) -> list[CheckMessage]:
    where = f"{NAME}[{name!r}]"
    messages: list[CheckMessage] = []
    for key in REQUIRED[name]:
        if not str(options.get(key) or "").strip():
            messages.append(
                Error(
                    f"{where}[{key!r}] is missing or empty: nothing is forwarded to {name}.",
                    hint=_CREDENTIAL_HINTS[(name, key)],
                    id="django_convert.E303",
                )
            )
    measurement_id = str(options.get("MEASUREMENT_ID") or "")
    if name == "ga4" and measurement_id and not MEASUREMENT_ID.match(measurement_id):
        messages.append(
            Error(
                f"{where}['MEASUREMENT_ID'] ({measurement_id!r}) is not a GA4 measurement id "
                "(G-XXXXXXXXXX): GA4 would answer 2xx and drop every event.",
                hint="Admin > Data streams > your web stream > Measurement ID (not the "
                "stream id, not a UA- property).",
                id="django_convert.E304",
            )
        )
    url = options.get("URL")
    if url is not None:
        parts = urlsplit(str(url))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            messages.append(
                Error(
                    f"{where}['URL'] ({url!r}) is not an http(s) URL.",
                    hint="Leave URL out for the vendor's production endpoint.",
                    id="django_convert.E305",
                )
            )
        elif parts.scheme == "http" and not settings.DEBUG:
            messages.append(
                Warning(
                    f"{where}['URL'] ({url!r}) is plain http outside DEBUG: the credentials "
                    "travel in clear text.",
                    hint="Use https (plain http is for local stand-ins in tests).",
                    id="django_convert.W300",
                )
            )
    known = (*KEYS[name], *COMMON_KEYS)
    for key in options:
        if key not in known:
            near = closest_names(str(key), known)
            messages.append(
                Error(
                    f"{where} has an unknown setting {key!r}.",
                    hint=(f"Did you mean {near[0]!r}? " if near else "")
                    + f"{name} takes {', '.join(known)}.",
                    id="django_convert.E306",
                )
            )
    conversions = options.get("CONVERSIONS", False)
    if not isinstance(conversions, bool):
        messages.append(
            Warning(
                f"{where}['CONVERSIONS'] ({conversions!r}) is not True or False; read as "
                f"{bool(conversions)}.",
                id="django_convert.W301",
            )
        )
    wait = options.get("BROWSER_ID_WAIT")
    if wait is not None and browser_id_wait({"BROWSER_ID_WAIT": wait}) != wait:
        messages.append(
            Warning(
                f"{where}['BROWSER_ID_WAIT'] ({wait!r}) is not a number of seconds >= 0; "
                f"read as {DEFAULT_BROWSER_ID_WAIT:g}.",
                hint="Seconds an impression without the browser id waits; 0 sends at once.",
                id="django_convert.W302",
            )
        )
    return messages


_CREDENTIAL_HINTS = {
    ("ga4", "MEASUREMENT_ID"): "Admin > Data streams > your web stream > Measurement ID.",
    ("ga4", "API_SECRET"): "Admin > Data streams > your web stream > Measurement Protocol API "
    "secrets > Create.",
    ("segment", "WRITE_KEY"): "Connections > Sources > your HTTP API source > Settings > API "
    "Keys > Write Key.",
    ("mixpanel", "PROJECT_TOKEN"): "Project Settings > Overview > Project Token.",
}
