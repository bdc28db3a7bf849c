"""Recording conversions from the paths that send no ``post_save``.

``QuerySet.update()``, ``bulk_update()`` and ``bulk_create()`` write rows without
``save()``, so no rule runs. Two direct ways record their conversions in the same
transaction: call :func:`record_conversions` after the bulk write, or give the model a
:class:`RecordingQuerySet` manager, whose ``update()``, ``bulk_create()`` and
``bulk_update()`` do it themselves. Raw SQL and other services writing the same tables
are caught later by ``convert_sweep`` (``conversions.sweep``).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models, router, transaction

from django_convert.conf import get_setting
from django_convert.conversions.enabled import recording_enabled
from django_convert.conversions.receivers import apply_rule
from django_convert.conversions.registry import rules_for

if TYPE_CHECKING:
    from django_convert.models import Conversion

logger = logging.getLogger("django_convert")

M = TypeVar("M", bound=models.Model)

#: Rows per ``pk IN (...)`` query when ``update()`` reads back the rows it changed.
CHUNK_SIZE = 500


def record_conversions(
    objects: models.QuerySet[Any] | Iterable[models.Model],
    *,
    created: bool = False,
    update_fields: Collection[str] | None = None,
    previous: Mapping[Any, Mapping[str, Any]] | None = None,
) -> list[Conversion]:
    """Run the conversion rules on instances written without ``save()``.

    ``objects``: a queryset (read once, in chunks) or instances, e.g. what
    ``bulk_create()`` returned or what you passed to ``bulk_update()``. Each instance is
    judged as a save would be: ``created`` for new rows; ``update_fields`` (as for
    ``bulk_update(objs, fields)``) to judge ``when`` on the stored values of other
    fields; ``previous`` maps a primary key to the pre-write values code rules asked for
    in ``previous_fields`` (None for rules that then see ``previous=None``).

    Returns the conversion rows written (or already there). Recording is idempotent, so
    calling this for rows that already have their conversion records nothing new.
    Unusable instance data is logged, never raised, as for ``post_save``; instances of
    a model without rules record nothing and a warning says so.
    """
    if not recording_enabled():
        return []
    using = ""
    instances: Iterable[models.Model] = objects
    if isinstance(objects, models.QuerySet):
        if not rules_for(objects.model):
            _no_rules(objects.model)
            return []
        # Read where the rows were written: a replica (db_for_read) may lag behind.
        using = getattr(objects, "_db", None) or router.db_for_write(objects.model)
        instances = objects.using(using).iterator(chunk_size=CHUNK_SIZE)
    written: list[Conversion] = []
    warned: set[type[models.Model]] = set()
    for instance in instances:
        rules = rules_for(type(instance))
        if not rules:
            if type(instance) not in warned:
                warned.add(type(instance))
                _no_rules(type(instance))
            continue
        saved_to = using or router.db_for_write(type(instance), instance=instance)
        before = None if previous is None or instance.pk is None else previous.get(instance.pk)
        for rule in rules:
            conversion = apply_rule(
                rule,
                instance,
                created=created,
                previous=before,
                using=saved_to,
                update_fields=update_fields,
            )
            if conversion is not None:
                written.append(conversion)
    return written


def _no_rules(model: type[models.Model]) -> None:
    logger.warning(
        "record_conversions(): %s has no conversion rule; nothing recorded.", model._meta.label
    )


class RecordingQuerySet(models.QuerySet[M]):
    """A QuerySet whose bulk writes record conversions as ``save()`` would.

    Use it as the manager of a model with conversion rules::

        class Order(models.Model):
            ...
            objects = RecordingQuerySet.as_manager()

    Then ``Order.objects.filter(...).update(status="paid")`` (Django's admin-action
    pattern), ``bulk_create()`` and ``bulk_update()`` record the conversions in the same
    transaction. ``update()`` costs one extra SELECT of the primary keys (and of the
    code rules' ``previous_fields``) plus one per 500 rows to read them back, only for
    models with rules.
    """

    def update(self, **kwargs: Any) -> int:
        rules = rules_for(self.model)
        if not rules or not get_setting("ENABLED"):
            return super().update(**kwargs)
        fields = sorted({name for rule in rules for name in rule.previous_fields})
        with transaction.atomic(using=self.db):
            before = {row["pk"]: row for row in self.values("pk", *fields)}
            count = super().update(**kwargs)
            pks = list(before)
            for start in range(0, len(pks), CHUNK_SIZE):
                chunk = pks[start : start + CHUNK_SIZE]
                changed = self.model._base_manager.using(self.db).filter(pk__in=chunk)
                record_conversions(changed, previous=before if fields else None)
        return count

    def bulk_create(self, objs: Iterable[M], *args: Any, **kwargs: Any) -> list[M]:
        with transaction.atomic(using=self.db):
            created = super().bulk_create(objs, *args, **kwargs)
            if rules_for(self.model):
                record_conversions(created, created=True)
        return created

    def bulk_update(
        self, objs: Iterable[M], fields: Iterable[str], batch_size: int | None = None
    ) -> int:
        objs, fields = list(objs), list(fields)
        with transaction.atomic(using=self.db):
            count = super().bulk_update(objs, fields, batch_size=batch_size)
            if rules_for(self.model):
                record_conversions(objs, update_fields=fields)
        return int(count or 0)
