"""``DJANGO_CONVERT["REPORT"]``: the experiment report's statistical choices.

A dict; a missing key takes its default from :data:`DEFAULTS` (docs/reference/settings.rst).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured

from django_convert.conf import SETTINGS_NAME, get_setting

DEFAULTS: dict[str, Any] = {
    # Per-visitor revenue is capped at this percentile of the non-zero per-visitor revenues
    # of all variations (reports/capping.py); None caps at no percentile.
    "REVENUE_CAP_PERCENTILE": 99.0,
    # An absolute cap in the site's currency (the lower of the two applies); None for none.
    "REVENUE_CAP": None,
    # The relative change in the conversion rate the planned sample is sized to detect.
    "MINIMUM_DETECTABLE_EFFECT": 0.10,
}


def report_setting(name: str) -> Any:
    """One REPORT key, read at call time, falling back to :data:`DEFAULTS`.

    Raises ImproperlyConfigured when REPORT is not a dict, the key is unknown, or its value
    is out of range (a percentile outside (0, 100], a cap or effect that is not above 0).
    """
    configured = get_setting("REPORT")
    if not isinstance(configured, dict):
        raise ImproperlyConfigured(f"{SETTINGS_NAME}['REPORT'] must be a dict.")
    if name not in DEFAULTS:
        raise ImproperlyConfigured(f"{SETTINGS_NAME}['REPORT'][{name!r}] is not a setting.")
    value = configured.get(name, DEFAULTS[name])
    problem = _problem(name, value)
    if problem:
        raise ImproperlyConfigured(f"{SETTINGS_NAME}['REPORT'][{name!r}] {problem}")
    return value


def _problem(name: str, value: Any) -> str:
    if value is None and name != "MINIMUM_DETECTABLE_EFFECT":
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "must be a number."
    if name == "REVENUE_CAP_PERCENTILE" and not 0 < value <= 100:
        return "must be in (0, 100]."
    if value <= 0:
        return "must be above 0."
    return ""


def problems() -> list[str]:
    """Every problem of the REPORT setting, for the system check (empty when it is fine)."""
    configured = get_setting("REPORT")
    if not isinstance(configured, dict):
        return [f"{SETTINGS_NAME}['REPORT'] must be a dict."]
    found = [
        f"{SETTINGS_NAME}['REPORT'][{key!r}] is not a setting."
        for key in sorted(set(configured) - set(DEFAULTS), key=repr)
    ]
    for name in DEFAULTS:
        problem = _problem(name, configured.get(name, DEFAULTS[name]))
        if problem:
            found.append(f"{SETTINGS_NAME}['REPORT'][{name!r}] {problem}")
    return found
