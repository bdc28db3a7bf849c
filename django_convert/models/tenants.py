"""Multi-tenant shops (django-tenants): which PostgreSQL schemas hold django-convert's tables.

With ``django_convert`` in django-tenants' ``TENANT_APPS``, every tenant schema has its own
outbox, visitors and sweep state: an order paid in a tenant's schema records its
conversion there. Delivery, the periodic jobs (the sweep) and delivery health then visit
each schema in turn (:func:`in_each_schema`): on a connection set to the public schema
(a worker, a command, the background thread), they run once per schema; on a connection
already set to a tenant (a request), in that schema only. With the app in
``SHARED_APPS`` only, its tables live in the public schema, every tenant's search path
finds them there, and nothing needs visiting. Without django-tenants this module does
nothing.

The schemas are read from the tenant model at each round: a tenant created while a
worker runs is visited from its next round.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from django.apps import apps
from django.conf import settings
from django.db import connections, router

T = TypeVar("T")

_visiting = threading.local()  # set while in_each_schema runs fn: never nested


def tenants_app_lists() -> tuple[bool, bool] | None:
    """``(in SHARED_APPS, in TENANT_APPS)`` for django_convert, or None without django-tenants."""
    if not apps.is_installed("django_tenants"):
        return None
    config = apps.get_app_config("django_convert")
    names = {config.name, f"{type(config).__module__}.{type(config).__name__}"}

    def listed(setting: str) -> bool:
        return any(name in names for name in getattr(settings, setting, ()) or ())

    return listed("SHARED_APPS"), listed("TENANT_APPS")


def outbox_schemas(using: str | None = None) -> list[str] | None:
    """The schemas to visit, in order, or None when there is one outbox (no django-tenants,
    the app in SHARED_APPS only, or a connection already set to one tenant)."""
    lists = tenants_app_lists()
    if lists is None or getattr(_visiting, "active", False):
        return None
    shared, tenant = lists
    alias = using or _alias()
    connection: Any = connections[alias]
    if not tenant or not hasattr(connection, "set_schema"):
        return None
    from django_tenants.utils import get_public_schema_name, get_tenant_model, schema_context

    public = get_public_schema_name()
    if connection.schema_name not in (None, public):
        return None  # a request's connection, set to its tenant: that schema only
    with schema_context(public, database=alias):
        names = list(
            get_tenant_model()
            .objects.using(alias)
            .exclude(schema_name=public)
            .order_by("schema_name")
            .values_list("schema_name", flat=True)
        )
    return [public, *names] if shared else names


def in_each_schema(fn: Callable[[], T], using: str | None = None) -> list[tuple[str, T]] | None:
    """Run ``fn()`` once in each schema of :func:`outbox_schemas`: ``[(schema, result)]``;
    None (``fn`` not run) when there is one outbox, so the caller runs it as usual."""
    schemas = outbox_schemas(using)
    if schemas is None:
        return None
    from django_tenants.utils import schema_context

    alias = using or _alias()
    results = []
    _visiting.active = True
    try:
        for schema in schemas:
            with schema_context(schema, database=alias):
                results.append((schema, fn()))
    finally:
        _visiting.active = False
    return results


def _alias() -> str:
    from django_convert.models.outbox import Conversion

    return router.db_for_write(Conversion) or "default"
