"""System checks for conversion rules (django_convert.E101-E112, W110, E120-E122, W122), run
by ``manage.py check``.

E110-E112 and W110 (databases, routers, ``sweep_since``) are in ``routing_checks``;
E120-E122 and W122 (values a rule can never match or carry) in ``value_checks``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.apps import apps
from django.core.checks import CheckMessage, Error
from django.db import models

from django_convert.conf import SETTINGS_NAME, closest_names, get_setting
from django_convert.conversions.paths import path_problem, visitor_path_problem
from django_convert.conversions.registry import registered_rules
from django_convert.conversions.rules import (
    PATH_KEYS,
    REQUIRED_KEYS,
    RULE_KEYS,
    ConversionRule,
)
from django_convert.conversions.value_checks import check_number_path, check_when_values
from django_convert.conversions.values import clean_custom_dimensions, clean_goal_id
from django_convert.exceptions import ConversionError

EXAMPLE = (
    '{"model": "shop.Order", "goal_id": "100037225", "when": {"status": "paid"}, '
    '"visitor": "user", "amount": "total"}'
)


def check_rules() -> list[CheckMessage]:
    conversions = get_setting("CONVERSIONS")
    errors: list[CheckMessage] = []
    if not isinstance(conversions, list | tuple):
        return [
            Error(
                f"{SETTINGS_NAME}['CONVERSIONS'] must be a list of rules, "
                f"not {type(conversions).__name__}.",
                hint=f"For example: [{EXAMPLE}]",
                id="django_convert.E101",
            )
        ]
    for index, entry in enumerate(conversions):
        errors.extend(_check_entry(f"{SETTINGS_NAME}['CONVERSIONS'][{index}]", entry))
    for rule in registered_rules():
        errors.extend(_check_code_rule(rule))
    from django_convert.conversions.routing_checks import check_routing

    errors.extend(check_routing())
    return errors


def _check_entry(name: str, entry: object) -> list[CheckMessage]:
    if not isinstance(entry, Mapping):
        return [
            Error(
                f"{name} must be a dict, not {type(entry).__name__}.",
                hint=f"For example: {EXAMPLE}",
                id="django_convert.E101",
            )
        ]
    errors: list[CheckMessage] = []
    unknown = sorted(map(str, set(entry) - RULE_KEYS))
    if unknown:
        errors.append(
            Error(
                f"{name} has unknown key(s): {', '.join(unknown)}.",
                hint="A rule's keys are: " + ", ".join(sorted(RULE_KEYS)) + ".",
                id="django_convert.E102",
            )
        )
    missing = [key for key in REQUIRED_KEYS if not entry.get(key)]
    if missing:
        errors.append(
            Error(
                f"{name} has no {', '.join(missing)}.",
                hint=f"A rule needs model, goal_id and visitor, e.g. {EXAMPLE}",
                id="django_convert.E103",
            )
        )
    if entry.get("goal_id"):
        errors.extend(_check_goal(name, entry["goal_id"]))
    model = _model(name, entry.get("model"), errors) if entry.get("model") else None
    if model is None:
        return errors
    for key in PATH_KEYS:
        if entry.get(key) is not None:
            errors.extend(_check_path(name, model, key, entry[key]))
            errors.extend(check_number_path(name, model, key, entry[key]))
    errors.extend(_check_when(name, model, entry.get("when")))
    errors.extend(check_when_values(name, model, entry.get("when")))
    errors.extend(_check_dimensions(name, model, entry.get("custom_dimensions")))
    return errors


def _check_code_rule(rule: ConversionRule) -> list[CheckMessage]:
    name = rule.origin
    errors: list[CheckMessage] = []
    if not _overrides(rule, "get_goal_id"):
        errors.extend(_check_goal(name, rule.goal_id))
    model = _model(name, getattr(rule, "model", None), errors)
    if model is None:
        return errors
    getters = {
        "visitor": "get_visitor",
        "amount": "get_amount",
        "products_count": "get_products_count",
        "transaction_id": "get_transaction_id",
    }
    for key, getter in getters.items():
        path = getattr(rule, key)
        if not _overrides(rule, getter) and (path or key == "visitor"):
            errors.extend(_check_path(name, model, key, path))
            errors.extend(check_number_path(name, model, key, path))
    if not _overrides(rule, "get_custom_dimensions"):
        errors.extend(_check_dimensions(name, model, rule.custom_dimensions))
    concrete = {field.name for field in model._meta.concrete_fields} | {
        field.attname for field in model._meta.concrete_fields
    }
    for field_name in rule.previous_fields:
        if field_name not in concrete:
            errors.append(
                Error(
                    f"{name}: previous_fields names {field_name!r}, which is not a concrete "
                    f"field of {model._meta.label}.",
                    hint="previous_fields lists database columns read before the save.",
                    id="django_convert.E109",
                )
            )
    return errors


def _overrides(rule: ConversionRule, method: str) -> bool:
    return getattr(type(rule), method) is not getattr(ConversionRule, method)


def _check_goal(name: str, goal_id: object) -> list[CheckMessage]:
    try:
        clean_goal_id(goal_id)
    except ConversionError:
        return [
            Error(
                f"{name}: goal_id {goal_id!r} is not a Convert goal id.",
                hint='Goal ids are digit strings from Convert, e.g. "100037225".',
                id="django_convert.E105",
            )
        ]
    return []


def _model(name: str, label: object, errors: list[CheckMessage]) -> type[models.Model] | None:
    if isinstance(label, type) and issubclass(label, models.Model):
        return label
    try:
        if not isinstance(label, str):
            raise ValueError(label)
        return apps.get_model(label)
    except (LookupError, ValueError):
        near = close_models(label) if isinstance(label, str) else []
        errors.append(
            Error(
                f"{name}: model {label!r} is not an installed model.",
                hint=(
                    "Did you mean " + " or ".join(f'"{model}"' for model in near) + "? "
                    if near
                    else ""
                )
                + 'Name it as "app_label.ModelName" of a model in INSTALLED_APPS.',
                id="django_convert.E104",
            )
        )
        return None


def close_models(label: str, n: int = 3) -> list[str]:
    """Installed model labels close to a bad one, best first: the same model name in any
    app ("Order" -> "shop.Order"), then labels and model names that difflib finds close."""
    labels = [model._meta.label for model in apps.get_models()]
    model_name = label.rpartition(".")[2].casefold()
    same_name = [known for known in labels if known.rpartition(".")[2].casefold() == model_name]
    by_model_name: dict[str, list[str]] = {}
    for known in labels:
        by_model_name.setdefault(known.rpartition(".")[2], []).append(known)
    near_name = [
        known
        for match in closest_names(label.rpartition(".")[2], by_model_name, n=n)
        for known in by_model_name[match]
    ]
    found = dict.fromkeys([*same_name, *closest_names(label, labels, n=n), *near_name])
    return list(found)[:n]


def _check_path(name: str, model: type[models.Model], key: str, path: Any) -> list[CheckMessage]:
    check = visitor_path_problem if key == "visitor" else path_problem
    problem = check(model, path)
    if problem is None:
        return []
    return [
        Error(
            f"{name}: {key} path {path!r} does not resolve on {model._meta.label}: {problem}",
            hint="A path is field, relation, property or zero-argument method names "
            'joined by dots, e.g. "total" or "order.user".',
            id="django_convert.E106",
        )
    ]


def _check_when(name: str, model: type[models.Model], when: object) -> list[CheckMessage]:
    if when is None:
        return []
    if not isinstance(when, Mapping):
        return [
            Error(
                f"{name}: when must be a dict of path: value, not {type(when).__name__}.",
                hint='For example: {"status": "paid"}',
                id="django_convert.E107",
            )
        ]
    errors: list[CheckMessage] = []
    for path in when:
        problem = path_problem(model, path)
        if problem is not None:
            errors.append(
                Error(
                    f"{name}: when names {path!r}, which does not resolve on "
                    f"{model._meta.label}: {problem}",
                    hint="Name fields (or paths) whose value must hold after the save.",
                    id="django_convert.E107",
                )
            )
    return errors


def _check_dimensions(
    name: str, model: type[models.Model], dimensions: object
) -> list[CheckMessage]:
    if dimensions is None:
        return []
    hint = 'For example: {1: "coupon", 2: "customer.tier"} (keys 1 to 5).'
    if not isinstance(dimensions, Mapping):
        return [
            Error(
                f"{name}: custom_dimensions must be a dict of index: path.",
                hint=hint,
                id="django_convert.E108",
            )
        ]
    try:
        clean_custom_dimensions(dict.fromkeys(dimensions))
    except ConversionError as error:
        return [Error(f"{name}: {error}", hint=hint, id="django_convert.E108")]
    errors: list[CheckMessage] = []
    for index, path in dimensions.items():
        errors.extend(_check_path(name, model, f"custom_dimensions[{index!r}]", path))
    return errors
