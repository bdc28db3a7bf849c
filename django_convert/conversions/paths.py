"""Paths from a saved instance to a value: ``"total"``, ``"order.user"``, ``"items_count"``.

Each part is a field, a single-valued relation, a property or a zero-argument method.
:func:`resolve` follows a path at save time; :func:`path_problem` checks it against the
model class for the system checks, without an instance.
"""

from __future__ import annotations

import inspect
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from django_convert.exceptions import ConversionError


def resolve(instance: Any, path: str) -> Any:
    """Follow ``path`` from ``instance``; None anywhere along the way gives None."""
    value = instance
    for part in path.split("."):
        value = getattr(value, part)
        if inspect.ismethod(value) or inspect.isfunction(value):
            value = value()
        if value is None:
            return None
    return value


def resolve_visitor(instance: Any, path: str) -> tuple[str | None, Any]:
    """``(visitor_id, user_id)``: what ``path`` points at, as the recorder wants it.

    A foreign key (or one-to-one field) to the user model is read through its ``_id``
    column, so naming ``"user"`` costs no query for the User row itself.
    """
    *head, last = path.split(".")
    owner = resolve(instance, ".".join(head)) if head else instance
    if owner is None:
        return None, None
    user_model = get_user_model()
    if isinstance(owner, models.Model):
        field = _field(type(owner), last)
        if field is not None and field.concrete and field.related_model is user_model:
            return None, getattr(owner, field.attname)
    value = resolve(owner, last)
    if value is None or isinstance(value, str):
        return value, None
    if isinstance(value, user_model):
        return None, value.pk
    raise ConversionError(
        f"visitor path {path!r} gave a {type(value).__name__}; "
        "it must lead to a User or to a visitor-id string."
    )


def path_problem(model: type[models.Model], path: object) -> str | None:
    """Why ``path`` cannot work on ``model``, or None when it resolves."""
    if not isinstance(path, str) or not path or any(not part for part in path.split(".")):
        return f"{path!r} is not a path: use attribute names joined by dots."
    current: type[Any] = model
    for part in path.split("."):
        if not (isinstance(current, type) and issubclass(current, models.Model)):
            return None  # past a method or property: types are unknown, trust the code
        field = _field(current, part)
        if field is not None:
            if field.many_to_many or field.one_to_many:
                return (
                    f"{current._meta.label}.{part} holds many objects; a path must lead "
                    "to one value (use a zero-argument method that counts or joins them)."
                )
            is_object = field.is_relation and part == field.name  # not the "_id" column
            current = field.related_model if is_object else object
            continue
        attribute = inspect.getattr_static(current, part, None)
        if attribute is None:
            return f"{current._meta.label} has no field, property or method {part!r}."
        bound = not isinstance(attribute, staticmethod)
        if isinstance(attribute, staticmethod | classmethod):
            attribute = attribute.__func__
        if inspect.isfunction(attribute) and not _takes_no_arguments(attribute, bound):
            return (
                f"{current._meta.label}.{part}() needs arguments; "
                "a path can only call zero-argument methods."
            )
        current = object
    return None


def _field(model: type[models.Model], name: str) -> Any:
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        # The column name of a foreign key ("user_id") is a valid attribute too.
        for field in model._meta.concrete_fields:
            if field.attname == name:
                return field
        return None


def _takes_no_arguments(function: Any, bound: bool) -> bool:
    parameters = list(inspect.signature(function).parameters.values())[int(bound) :]  # self
    return all(
        parameter.default is not inspect.Parameter.empty
        or parameter.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
        for parameter in parameters
    )


def visitor_path_problem(model: type[models.Model], path: object) -> str | None:
    """Like :func:`path_problem`, and a field at the end must be a user or a string."""
    problem = path_problem(model, path)
    if problem is not None or not isinstance(path, str):
        return problem
    current: Any = model
    field: Any = None
    for part in path.split("."):
        if not (isinstance(current, type) and issubclass(current, models.Model)):
            return None
        field = _field(current, part)
        if field is None:
            return None  # a property or method: its type is known only at save time
        current = field.related_model if field.is_relation and part == field.name else object
    if field.is_relation:
        if field.related_model is get_user_model():
            return None
        return (
            f"{path!r} leads to {field.related_model._meta.label}; the visitor path must lead "
            "to a User or to a visitor-id string."
        )
    if isinstance(field, models.CharField | models.TextField):
        return None
    if field.attname == path.split(".")[-1] and field.name != field.attname:
        return None  # "user_id": the user's key
    return (
        f"{path!r} is a {type(field).__name__}; the visitor path must lead to a User "
        "or to a visitor-id string."
    )


def field_lookup(model: type[models.Model], path: str) -> str | None:
    """The ORM lookup for ``path`` (``"order.user_id"`` -> ``"order__user_id"``), or None.

    None when a part is not a database field (a property, a method, a reverse or
    many-valued relation): such a path can only be judged on an instance in memory.
    """
    current: Any = model
    parts = path.split(".")
    for position, part in enumerate(parts):
        if not (isinstance(current, type) and issubclass(current, models.Model)):
            return None
        field = _field(current, part)
        if field is None or not field.concrete or field.many_to_many:
            return None
        if field.is_relation and part == field.name:
            current = field.related_model
        elif position < len(parts) - 1:
            return None  # past a plain column: nothing to follow
        else:
            current = object
    return "__".join(parts)


def saved_by(model: type[models.Model], path: str, update_fields: set[str]) -> bool:
    """Whether a save with ``update_fields`` wrote the column ``path`` starts with."""
    field = _field(model, path.split(".")[0])
    return field is not None and (field.name in update_fields or field.attname in update_fields)


def final_field(model: type[models.Model], path: str) -> Any:
    """The model field a :func:`field_lookup`-able path ends at."""
    current: Any = model
    field: Any = None
    for part in path.split("."):
        field = _field(current, part)
        current = field.related_model if field.is_relation else None
    return field
