# The object that caused a conversion (its model and primary key) for the admin's link,
# filled in for existing rows where it can be known for sure; the drop evidence the
# doctor reads; and the experiment reports' entry in the admin index (a proxy).

import re
from typing import Any

import django.utils.timezone
from django.apps.registry import Apps
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db import DatabaseError, migrations, models, transaction

BATCH = 1000
#: ``CONVERSIONS[<index>] <app_label.Model>``: what a settings rule writes as origin.
SETTINGS_ORIGIN = re.compile(r"^CONVERSIONS\[(\d+)\] (\w+\.\w+)$")
#: The default transaction id, ``<app_label>.<model>:<pk>``.
DEFAULT_TRANSACTION_ID = re.compile(r"^(\w+\.\w+):(.+)$")


def fill_source_objects(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Existing conversions get their source where it can be known for sure: a default
    transaction id names an installed model and a primary key; a settings rule's
    transaction_id that is a plain field of its model is looked up. Others stay unlinked."""
    Conversion = apps.get_model("django_convert", "Conversion")
    alias = schema_editor.connection.alias
    rows = Conversion.objects.using(alias).filter(source_model="").order_by("pk")
    # (model label, field) -> {transaction id: conversion pk}
    by_field: dict[tuple[str, str], dict[str, int]] = {}
    changed: list[Any] = []
    for row in rows.only("pk", "origin", "transaction_id").iterator(chunk_size=BATCH):
        match = DEFAULT_TRANSACTION_ID.match(row.transaction_id)
        if match and _installed(match[1]):
            row.source_model, row.source_id = match[1].lower(), match[2][:255]
            changed.append(row)
        else:
            origin = SETTINGS_ORIGIN.match(row.origin)
            field = _rule_field(int(origin[1]), origin[2]) if origin else None
            if origin and field:
                by_field.setdefault((origin[2], field), {})[row.transaction_id] = row.pk
        if len(changed) >= BATCH:
            Conversion.objects.using(alias).bulk_update(changed, ["source_model", "source_id"])
            changed = []
    Conversion.objects.using(alias).bulk_update(changed, ["source_model", "source_id"])
    for (label, field), wanted in by_field.items():
        _fill_by_field(Conversion, alias, label, field, wanted)


def _installed(label: str) -> bool:
    from django.apps import apps as installed

    try:
        installed.get_model(label)
    except (LookupError, ValueError):
        return False
    return True


def _rule_field(index: int, label: str) -> str | None:
    """The settings rule's transaction_id field name, when it is a plain column of its model."""
    from django.apps import apps as installed
    from django.conf import settings
    from django.core.exceptions import FieldDoesNotExist

    rules = (getattr(settings, "DJANGO_CONVERT", None) or {}).get("CONVERSIONS") or []
    if not isinstance(rules, (list, tuple)) or index >= len(rules) or not isinstance(rules[index], dict):
        return None
    rule = rules[index]
    path = rule.get("transaction_id")
    if rule.get("model") != label or not isinstance(path, str) or "." in path:
        return None
    try:
        field = installed.get_model(label)._meta.get_field(path)
    except (LookupError, ValueError, FieldDoesNotExist):
        return None
    return field.name if field.concrete and not field.is_relation else None


def _fill_by_field(Conversion: Any, alias: str, label: str, field: str, wanted: dict[str, int]) -> None:
    """Look the rule's transaction ids up in its model (the installed one: the shop's app
    is not part of this migration's state), in batches."""
    from django.apps import apps as installed

    model = installed.get_model(label)
    source_model = model._meta.concrete_model._meta.label_lower
    ids = list(wanted)
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        try:
            with transaction.atomic(using=alias):  # a failing read must not end the migration
                found = dict(
                    model._default_manager.using(alias)
                    .filter(**{f"{field}__in": chunk})
                    .values_list(field, "pk")
                )
        except DatabaseError:
            return  # the model's table is elsewhere, or not there yet: leave them unlinked
        rows = [
            Conversion(pk=wanted[str(value)], source_model=source_model, source_id=str(pk)[:255])
            for value, pk in found.items()
            if str(value) in wanted
        ]
        Conversion.objects.using(alias).bulk_update(rows, ["source_model", "source_id"])


class Migration(migrations.Migration):

    dependencies = [
        ('django_convert', '0006_traffic_allocation_percent'),
    ]

    operations = [
        migrations.CreateModel(
            name='ExperimentReport',
            fields=[
            ],
            options={
                'verbose_name': 'experiment report',
                'verbose_name_plural': 'experiment reports',
                'proxy': True,
                'indexes': [],
                'constraints': [],
            },
            bases=('django_convert.experience',),
        ),
        migrations.AddField(
            model_name='conversion',
            name='source_id',
            field=models.CharField(blank=True, max_length=255, verbose_name='source id'),
        ),
        migrations.AddField(
            model_name='conversion',
            name='source_model',
            field=models.CharField(blank=True, max_length=100, verbose_name='source model'),
        ),
        migrations.CreateModel(
            name='DroppedPost',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('visitor_id', models.CharField(max_length=128, verbose_name='visitor id')),
                ('reason', models.CharField(max_length=32)),
                ('detail', models.CharField(blank=True, max_length=255)),
                ('first_seen', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
            ],
            options={
                'verbose_name': 'dropped post',
                'verbose_name_plural': 'dropped posts',
                'constraints': [models.UniqueConstraint(fields=('visitor_id', 'reason'), name='django_convert_one_drop_reason')],
            },
        ),
        migrations.RunPython(fill_source_objects, migrations.RunPython.noop, elidable=True),
    ]
