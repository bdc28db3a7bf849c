"""System checks for consent and the ingest throttle's proxies (E021-E023)."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error

from django_convert.conf import SETTINGS_NAME, get_setting
from django_convert.identity.consent import DEFAULTS, _import_resolver


def check_consent() -> list[CheckMessage]:
    configured: Any = get_setting("CONSENT")
    if not isinstance(configured, dict):
        return [
            Error(
                f"{SETTINGS_NAME}['CONSENT'] must be a dict, not {type(configured).__name__}.",
                hint='For example {"REQUIRED": True}; see the "Identity and consent" docs.',
                id="django_convert.E021",
            )
        ]
    messages: list[CheckMessage] = []
    unknown = sorted(set(configured) - set(DEFAULTS))
    if unknown:
        messages.append(
            Error(
                f"{SETTINGS_NAME}['CONSENT'] has unknown keys: {', '.join(map(repr, unknown))}.",
                hint=f"The keys are {', '.join(DEFAULTS)}.",
                id="django_convert.E021",
            )
        )
    path = configured.get("RESOLVER", DEFAULTS["RESOLVER"])
    try:
        _import_resolver(path)
    except (ImportError, TypeError, ValueError) as error:
        messages.append(
            Error(
                f"{SETTINGS_NAME}['CONSENT']['RESOLVER'] is {path!r}, which cannot be used: "
                f"{error}",
                hint="Name a function that takes a request and returns True when the "
                f'browser has consented, e.g. "{DEFAULTS["RESOLVER"]}".',
                id="django_convert.E022",
            )
        )
    return messages


def check_num_proxies() -> list[CheckMessage]:
    value = get_setting("INGEST_NUM_PROXIES")
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return []
    return [
        Error(
            f"{SETTINGS_NAME}['INGEST_NUM_PROXIES'] must be a whole number of proxies (0 or "
            f"more), not {value!r}.",
            hint="0 (the default) keys the ingest throttle on REMOTE_ADDR; set the number of "
            "proxies in front of Django that append to X-Forwarded-For.",
            id="django_convert.E023",
        )
    ]
