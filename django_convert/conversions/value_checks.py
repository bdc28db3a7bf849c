"""Rule checks on values (django_convert.E120-E122, W122): rules whose paths resolve but
that can never fire, or never carry their amount.

A ``when`` value outside the field's choices (``{"status": "payed"}`` where the choices are
pending/paid/shipped), or of a type the field never holds (``{"status": 1}`` on a
CharField), never equals what a save leaves there, so the rule never records anything.
An ``amount`` or ``products_count`` path that leads to a field that is not a number
(``"amount": "number"`` on a CharField holding "ORD-1234") drops the amount of every
conversion at run time. The checks follow database fields only; a path through a property
or a method is judged at save time (its type is known only then).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from django.core.checks import CheckMessage, Error, Warning
from django.core.exceptions import ValidationError
from django.db import models

from django_convert.conf import closest_names
from django_convert.conversions.paths import field_lookup, final_field, path_problem

#: Fields whose values are numbers, by what each goal value accepts (conversions.values).
NUMBER_FIELDS: dict[str, tuple[type[models.Field[Any, Any]], ...]] = {
    "amount": (models.IntegerField, models.DecimalField, models.FloatField),
    "products_count": (models.IntegerField,),
}
TEXT_FIELDS = (models.CharField, models.TextField)


def field_at(model: type[models.Model], path: object) -> Any:
    """The concrete model field ``path`` ends at, or None (a property, a method, a relation
    object, or a path that does not resolve: E106/E107 report those)."""
    if not isinstance(path, str) or path_problem(model, path) is not None:
        return None
    if field_lookup(model, path) is None:
        return None
    field = final_field(model, path)
    if field is None or (field.is_relation and path.split(".")[-1] == field.name):
        return None  # the related object itself, not a column
    return getattr(field, "output_field", None) or field  # GeneratedField: what it holds


def check_when_values(name: str, model: type[models.Model], when: object) -> list[CheckMessage]:
    """E120 for a value outside the field's choices, E121 for a value of another type."""
    if not isinstance(when, Mapping):
        return []  # E107
    messages: list[CheckMessage] = []
    for path, value in when.items():
        field = field_at(model, path)
        if field is None or value is None:
            continue
        problem = _type_problem(field, value)
        if problem:
            messages.append(
                Error(
                    f"{name}: when {{{path!r}: {value!r}}} never matches: "
                    f"{model._meta.label}.{path} is a {type(field).__name__}, {problem}.",
                    hint=f"Write the value as the field holds it after a save: {_example(field)}.",
                    id="django_convert.E121",
                )
            )
            continue
        choices = [choice for choice, _label in field.flatchoices] if field.choices else []
        if choices and value not in choices:
            near = _closest(str(value), [str(choice) for choice in choices])
            messages.append(
                Error(
                    f"{name}: when {{{path!r}: {value!r}}} never matches: {value!r} is not "
                    f"one of the choices of {model._meta.label}.{path} "
                    f"({', '.join(repr(choice) for choice in choices)}).",
                    hint=(f"Did you mean {near[0]!r}? " if near else "")
                    + "Use the stored value of a choice (its first element), not its label.",
                    id="django_convert.E120",
                )
            )
    return messages


def check_number_path(
    name: str, model: type[models.Model], key: str, path: object
) -> list[CheckMessage]:
    """E122 when ``amount``/``products_count`` leads to a field that never holds a number
    of that kind; W122 when it leads to text (only plain numbers such as "49.90" pass)."""
    if key not in NUMBER_FIELDS or path is None:
        return []
    field = field_at(model, path)
    if field is None or isinstance(field, NUMBER_FIELDS[key]):
        return []
    kind = "a number" if key == "amount" else "a whole number"
    where = f"{model._meta.label}.{path}"
    if isinstance(field, TEXT_FIELDS) and not field.choices:
        return [
            Warning(
                f"{name}: {key} path {path!r} leads to text ({where} is a "
                f"{type(field).__name__}): each conversion whose text is not {kind} "
                'such as "49.90" is recorded without its ' + key + ".",
                hint=f"Point {key} at a numeric field or a method returning {kind} "
                f"(e.g. a DecimalField total). If {where} always holds plain numbers, add "
                '"django_convert.W122" to SILENCED_SYSTEM_CHECKS.',
                id="django_convert.W122",
            )
        ]
    return [
        Error(
            f"{name}: {key} path {path!r} leads to {where}, a {type(field).__name__}, "
            f"which never holds {kind}: every conversion would be recorded without its {key}.",
            hint=f"Point {key} at a numeric field (e.g. a DecimalField total"
            + (", or an IntegerField count" if key == "products_count" else "")
            + f") or at a method returning {kind}.",
            id="django_convert.E122",
        )
    ]


def _closest(value: str, choices: list[str]) -> list[str]:
    """A choice close to a misspelt value ("payed" -> "paid"): choices are short words, so
    a lower cutoff than setting names get (closest_names)."""
    by_folded = {choice.casefold(): choice for choice in choices}
    found = difflib.get_close_matches(value.casefold(), by_folded, n=1, cutoff=0.6)
    return [by_folded[match] for match in found] or closest_names(value, choices)


def _type_problem(field: Any, value: object) -> str:
    """Why ``value`` can never equal this field's value after a save, or ""."""
    if not type(field).__module__.startswith("django."):
        return ""  # a third-party field may hold values its to_python does not return
    if isinstance(field, models.JSONField):
        return ""
    try:
        held = field.to_python(value)
    except (ValidationError, TypeError, ValueError):
        return f"and {value!r} is not a value it can hold"
    if held != value:
        return f"which holds {type(held).__name__} values, never the {type(value).__name__} given"
    return ""


def _example(field: Any) -> str:
    if field.choices:
        return f"one of its choices, e.g. {field.flatchoices[0][0]!r}"
    examples: list[tuple[type[Any], str]] = [
        (models.BooleanField, "True or False"),
        (models.IntegerField, "an int such as 1"),
        (models.DecimalField, "a Decimal (or an int)"),
        (models.FloatField, "a float such as 1.0"),
        (models.DateTimeField, "a datetime"),
        (models.DateField, "a date"),
        (models.UUIDField, "a uuid.UUID"),
    ]
    for field_class, example in examples:
        if isinstance(field, field_class):
            return example
    return "a string"
