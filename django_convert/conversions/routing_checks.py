"""System checks for where conversions are written (E110-E112, W110).

The outbox, the visitors it snapshots and every rule's model should share one database:
then a conversion commits with its order. ``conversions.routing`` explains what happens
when they do not.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.apps import apps
from django.core.checks import CheckMessage, Error, Warning
from django.db import models, router

from django_convert.conf import SETTINGS_NAME, get_setting
from django_convert.conversions.paths import field_lookup, final_field
from django_convert.conversions.registry import registered_rules
from django_convert.models import Bucketing, Conversion, Visitor
from django_convert.models.tenants import tenants_app_lists


def check_routing() -> list[CheckMessage]:
    outbox = router.db_for_write(Conversion)
    messages: list[CheckMessage] = []
    # django-tenants with the app in TENANT_APPS: the tables are in every tenant schema,
    # not the public one this check sees, and delivery visits each (models/tenants.py).
    tenant_lists = tenants_app_lists()
    in_tenant_schemas = tenant_lists is not None and tenant_lists[1]
    if not in_tenant_schemas and not router.allow_migrate_model(outbox, Conversion):
        messages.append(
            Error(
                f"The conversion outbox is written to database {outbox!r} "
                "(router.db_for_write(Conversion)), but your routers do not migrate "
                "django_convert there: recording any conversion would fail.",
                hint=f"Make db_for_write and allow_migrate agree for django_convert "
                f"(app label 'django_convert') on {outbox!r}.",
                id="django_convert.E110",
            )
        )
    for stored in (Visitor, Bucketing):
        if router.db_for_write(stored) != outbox:
            messages.append(
                Error(
                    f"{stored._meta.label} is written to {router.db_for_write(stored)!r} but "
                    f"the conversion outbox to {outbox!r}: a conversion reads its visitor's "
                    "bucketing and segments in the outbox's database.",
                    hint="Route every django_convert model to the same database.",
                    id="django_convert.E111",
                )
            )
    for model in _rule_models():
        saved_to = router.db_for_write(model)
        if saved_to != outbox:
            messages.append(
                Warning(
                    f"{model._meta.label} is written to database {saved_to!r} but the "
                    f"conversion outbox to {outbox!r}: one transaction cannot span both, so "
                    f"its conversions are recorded in {outbox!r} after {saved_to!r} commits. "
                    "A crash between the two commits loses a conversion until "
                    "convert_sweep records it; a failure there is logged, never raised, "
                    "so the order's save never fails because of the outbox.",
                    hint=f"Route django_convert to {saved_to!r} (migrate it there) for "
                    "all-or-nothing recording, or run convert_sweep periodically.",
                    id="django_convert.W110",
                )
            )
    messages.extend(_check_sweep_since())
    return messages


def _rule_models() -> list[type[models.Model]]:
    found: dict[str, type[models.Model]] = {}
    conversions = get_setting("CONVERSIONS")
    entries = conversions if isinstance(conversions, list | tuple) else []
    labels = [entry.get("model") for entry in entries if isinstance(entry, Mapping)]
    labels += [getattr(rule, "model", None) for rule in registered_rules()]
    for label in labels:
        model = (
            label
            if isinstance(label, type) and issubclass(label, models.Model)
            else _get_model(label)
        )
        if model is not None:
            found[model._meta.label] = model
    return list(found.values())


def _get_model(label: object) -> type[models.Model] | None:
    if not isinstance(label, str):
        return None
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None  # E104 says so


def _check_sweep_since() -> list[CheckMessage]:
    conversions = get_setting("CONVERSIONS")
    if not isinstance(conversions, list | tuple):
        return []
    messages: list[CheckMessage] = []
    for index, entry in enumerate(conversions):
        if not isinstance(entry, Mapping) or entry.get("sweep_since") is None:
            continue
        model = _get_model(entry.get("model"))
        path = entry["sweep_since"]
        if model is None:
            continue
        lookup = field_lookup(model, path) if isinstance(path, str) and path else None
        if lookup is None or not isinstance(final_field(model, path), models.DateField):
            messages.append(
                Error(
                    f"{SETTINGS_NAME}['CONVERSIONS'][{index}]: sweep_since {path!r} is not a "
                    f"date or datetime field of {model._meta.label}.",
                    hint='Name the field convert_sweep windows on, e.g. "created_at" or '
                    '"paid_at" (relations allowed: "order.created_at").',
                    id="django_convert.E112",
                )
            )
    return messages
