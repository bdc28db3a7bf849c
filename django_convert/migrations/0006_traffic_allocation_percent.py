# Issue 16, "Speak Convert exactly", in one migration:
#
# - Variation.traffic_allocation becomes a percentage (DecimalField, NULL when the config
#   gives none), as every Convert config sends it. Stored values are converted per
#   experience (see to_percent below).
# - Experience.environment; ConfigSync.environment, .other_environments and .warnings (the
#   items a sync skipped).
# - Conversion.transaction_id_is_local: a transaction id made up for deduplication, never
#   sent to Convert. Rows recorded before this migration keep False: a made-up uuid4 hex
#   cannot be told apart from a caller's own, so a pending one is still sent as before.

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import migrations, models

HUNDRED = Decimal(100)


def _experiences(Variation: Any) -> Iterable[list[tuple[str, Decimal | None]]]:
    by_experience: dict[str, list[tuple[str, Decimal | None]]] = {}
    for pk, experience_id, allocation in Variation.objects.values_list(
        "pk", "experience_id", "traffic_allocation"
    ):
        by_experience.setdefault(experience_id, []).append((pk, allocation))
    return by_experience.values()


def _fire_deferred_checks(schema_editor: Any) -> None:
    # PostgreSQL refuses to ALTER a table with pending deferred foreign-key checks from
    # the rows just updated in this transaction: run them now, before the next AlterField.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def to_percent(apps: Any, schema_editor: Any) -> None:
    """Convert the stored allocations of each experience to percent.

    Rows synced from a stand-in or a config in 0-10000 units hold e.g. 5000/5000; rows
    synced from Convert itself hold its percentages already, rounded to whole numbers by
    the old parser (50/50, 12/88). Within an experience, a value above 100, or a sum above
    100 plus rounding (half a point per variation), can only be 0-10000 units: those are
    divided by 100; the others are kept. An experience whose variations are all 0 had no
    allocation in its config (the old parser stored a missing one as 0): NULL, which reads
    as equal shares. The next sync writes Convert's exact values.
    """
    Variation = apps.get_model("django_convert", "Variation")
    for rows in _experiences(Variation):
        values = [Decimal(allocation or 0) for _pk, allocation in rows]
        new: list[Decimal | None]
        if not any(values):
            new = [None] * len(rows)
        elif max(values) > HUNDRED or sum(values) > HUNDRED + Decimal("0.5") * len(values):
            new = [value / HUNDRED for value in values]
        else:
            new = list(values)
        for (pk, _allocation), value in zip(rows, new):
            Variation.objects.filter(pk=pk).update(traffic_allocation=value)
    _fire_deferred_checks(schema_editor)


def to_units(apps: Any, schema_editor: Any) -> None:
    """Back to 0-10000 units (NULL becomes 0, as the old parser stored a missing value)."""
    Variation = apps.get_model("django_convert", "Variation")
    for rows in _experiences(Variation):
        for pk, allocation in rows:
            units = round((allocation or 0) * HUNDRED)
            Variation.objects.filter(pk=pk).update(traffic_allocation=units)
    _fire_deferred_checks(schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ("django_convert", "0005_exposure_history"),
    ]

    operations = [
        # Wide enough for both units while the rows are converted, then narrowed.
        migrations.AlterField(
            model_name="variation",
            name="traffic_allocation",
            field=models.DecimalField(
                blank=True,
                decimal_places=4,
                max_digits=9,
                null=True,
                verbose_name="traffic allocation (%)",
            ),
        ),
        migrations.RunPython(to_percent, to_units, elidable=False),
        migrations.AlterField(
            model_name="variation",
            name="traffic_allocation",
            field=models.DecimalField(
                blank=True,
                decimal_places=4,
                max_digits=7,
                null=True,
                verbose_name="traffic allocation (%)",
            ),
        ),
        migrations.AddField(
            model_name="experience",
            name="environment",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="configsync",
            name="environment",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="configsync",
            name="other_environments",
            field=models.JSONField(
                blank=True, default=dict, verbose_name="experiences of other environments"
            ),
        ),
        migrations.AddField(
            model_name="configsync",
            name="warnings",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="conversion",
            name="transaction_id_is_local",
            field=models.BooleanField(
                default=False,
                help_text="Made up for deduplication only; not sent to Convert.",
                verbose_name="local transaction id",
            ),
        ),
    ]
