"""System checks for when a conversion happened, as the sweep reads it (E113, W111).

A conversion the sweep records late carries the bucketing its visitor had at the rule's
moment (``occurred_at``, else the sweep's date field): see ``conversions.sweep_record``.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.checks import CheckMessage, Error, Warning
from django.db import models

from django_convert.conf import SETTINGS_NAME, get_setting
from django_convert.conversions.paths import field_lookup, final_field, path_problem
from django_convert.conversions.registry import active_rules
from django_convert.conversions.routing_checks import _get_model
from django_convert.conversions.rules import ConversionRule

HINT = (
    'Name the moment the order became a conversion, e.g. "occurred_at": "paid_at" (a '
    "datetime field, or a property or zero-argument method returning a datetime)."
)


def check_moments() -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    conversions = get_setting("CONVERSIONS")
    if isinstance(conversions, list | tuple):
        for index, entry in enumerate(conversions):
            if isinstance(entry, Mapping) and entry.get("occurred_at") is not None:
                messages += _check_occurred_at(index, entry)
    try:
        rules = active_rules()
    except Exception:  # broken rules are E101-E112's to report
        return messages
    for model, rule in rules:
        messages += _check_sweep_moment(model, rule)
    return messages


def _check_occurred_at(index: int, entry: Mapping[str, object]) -> list[CheckMessage]:
    model = _get_model(entry.get("model"))
    path = entry["occurred_at"]
    if model is None:
        return []
    name = f"{SETTINGS_NAME}['CONVERSIONS'][{index}]"
    problem = path_problem(model, path)
    field = None
    if problem is None and isinstance(path, str) and field_lookup(model, path) is not None:
        field = final_field(model, path)
    if field is not None and not isinstance(field, models.DateField):
        problem = f"{path!r} is a {type(field).__name__}, not a date"
    if problem is None:
        return []
    return [
        Error(
            f"{name}: occurred_at: {problem}",
            hint=HINT,
            id="django_convert.E113",
        )
    ]


def _check_sweep_moment(model: type[models.Model], rule: ConversionRule) -> list[CheckMessage]:
    """W111: a rule the sweep sweeps whose moment is unknown, or only a day."""
    swept = type(rule).sweep_queryset is not ConversionRule.sweep_queryset
    if not swept:
        return []
    if hasattr(rule, "sweep_field"):  # declarative: occurred_at, else the sweep's field
        path = rule.occurred_at or rule.sweep_field()
        if path is None:
            return []  # not swept at all: E112/the sweep's own message say so
        field = final_field(model, path) if field_lookup(model, path) is not None else None
        if not isinstance(field, models.DateField) or isinstance(field, models.DateTimeField):
            return []  # a datetime, a property or method (trusted), or E113's to report
        what = f"by {path!r}, a date without a time: the end of that day is used"
    elif rule.occurred_at or _overrides(rule, "get_occurred_at"):
        return []
    else:
        what = "with no moment at all: the bucketing at sweep time is used"
    return [
        Warning(
            f"{rule.origin}: the sweep records its late conversions {what}, so it may "
            "attribute an order to an experience its buyer entered after ordering.",
            hint=HINT,
            id="django_convert.W111",
        )
    ]


def _overrides(rule: ConversionRule, method: str) -> bool:
    return getattr(type(rule), method) is not getattr(ConversionRule, method)
