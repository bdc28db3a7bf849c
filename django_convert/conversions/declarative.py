"""``DJANGO_CONVERT["CONVERSIONS"]`` entries as rules: judged on what was saved.

A save with ``update_fields`` writes only those columns; a ``when`` on any other field
is judged on the value stored in the database (one extra SELECT, only for such saves),
never on an unsaved value in memory. The same entry also tells ``convert_sweep`` which
rows to look at (``when`` as a filter, ``sweep_since`` as the window).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from django.db import models

from django_convert.conversions.paths import field_lookup, final_field, resolve, saved_by
from django_convert.conversions.rules import REQUIRED_KEYS, ConversionRule, as_moment
from django_convert.conversions.values import clean_goal_id
from django_convert.exceptions import ConversionError

logger = logging.getLogger("django_convert")


class DeclarativeRule(ConversionRule):
    """One ``DJANGO_CONVERT["CONVERSIONS"]`` entry."""

    def __init__(self, index: int, entry: Mapping[str, Any]) -> None:
        missing = [key for key in REQUIRED_KEYS if not entry.get(key)]
        if missing:
            raise ConversionError(f"CONVERSIONS[{index}] has no {', '.join(missing)}.")
        when = entry.get("when") or {}
        if not isinstance(when, Mapping):
            raise ConversionError(f"CONVERSIONS[{index}]['when'] must be a dict.")
        self.index = index
        # Instance attributes shadow the ClassVar defaults: one rule object per entry.
        self.__dict__.update(
            model=entry["model"],
            goal_id=clean_goal_id(entry["goal_id"]),
            visitor=entry["visitor"],
            amount=entry.get("amount"),
            products_count=entry.get("products_count"),
            transaction_id=entry.get("transaction_id"),
            custom_dimensions=entry.get("custom_dimensions"),
            occurred_at=entry.get("occurred_at"),
        )
        self.when = dict(when)
        self.sweep_since: str | None = entry.get("sweep_since")

    @property
    def origin(self) -> str:
        return f"CONVERSIONS[{self.index}] {self.model}"

    def should_record(
        self, instance: Any, *, created: bool, previous: Mapping[str, Any] | None
    ) -> bool:
        return all(resolve(instance, path) == value for path, value in self.when.items())

    def matches(
        self,
        instance: Any,
        *,
        created: bool,
        previous: Mapping[str, Any] | None,
        update_fields: Collection[str] | None,
        using: str,
    ) -> bool:
        if update_fields is None or created or instance.pk is None:
            return self.should_record(instance, created=created, previous=previous)
        model = type(instance)
        saved = set(update_fields)
        unsaved: dict[str, str] = {}  # path -> ORM lookup of a column this save did not write
        guessed: list[str] = []  # paths that cannot be read back from the database
        for path, value in self.when.items():
            if saved_by(model, path, saved):
                if resolve(instance, path) != value:
                    return False
                continue
            lookup = field_lookup(model, path)
            if lookup is None:
                guessed.append(path)
            else:
                unsaved[path] = lookup
        if guessed and not all(resolve(instance, path) == self.when[path] for path in guessed):
            return False
        if unsaved:
            stored = (
                model._base_manager.using(using)
                .filter(pk=instance.pk)
                .values(*unsaved.values())
                .first()
            )
            if stored is None or any(
                stored[lookup] != self.when[path] for path, lookup in unsaved.items()
            ):
                return False
        if guessed:
            logger.warning(
                "%s %s: %s judged on the instance in memory: not a database field, so "
                "its stored value cannot be read, and this save wrote only update_fields=%s. "
                "Name database fields in 'when' to have it judged on what was saved.",
                model._meta.label,
                instance.pk,
                ", ".join(repr(path) for path in guessed),
                sorted(saved),
            )
        return True

    def get_occurred_at(self, instance: Any) -> datetime | None:
        """The ``occurred_at`` path's moment, else the sweep's date field's (``sweep_since``,
        else the model's only ``auto_now_add`` date: when the order was created, so an
        exposure between creation and payment is left out), else None."""
        for path in (self.occurred_at, self.sweep_field()):
            if path:
                moment = as_moment(resolve(instance, path))
                if moment is not None:
                    return moment
        return None

    def sweep_field(self) -> str | None:
        """The date field the sweep's window applies to: ``sweep_since``, else the model's
        only ``auto_now_add`` date field, else None (the rule cannot be swept)."""
        if self.sweep_since:
            return str(self.sweep_since)
        model = self.model_class()
        created = [
            field.name
            for field in model._meta.concrete_fields
            if isinstance(field, models.DateField) and getattr(field, "auto_now_add", False)
        ]
        return created[0] if len(created) == 1 else None

    def sweep_queryset(self, since: datetime, using: str) -> models.QuerySet[Any] | None:
        field = self.sweep_field()
        if field is None:
            return None
        model = self.model_class()
        lookup = field_lookup(model, field)
        if lookup is None:
            raise ConversionError(f"{self.origin}: sweep_since {field!r} is not a date field.")
        start: object = since
        if not isinstance(final_field(model, field), models.DateTimeField):
            start = since.date()  # a DateField: whole days
        queryset = model._base_manager.using(using).filter(**{f"{lookup}__gte": start})
        filters = {}
        for path, value in self.when.items():
            when_lookup = field_lookup(model, path)
            if when_lookup is not None:  # the rest is judged per instance (should_record)
                filters[when_lookup] = value
        return queryset.filter(**filters)
