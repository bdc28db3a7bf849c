"""A django-tenants shop with two tenants, end to end; run by tests/test_tenants.py.

``python -m tests.tenants.run`` with DJANGO_SETTINGS_MODULE=tests.settings_tenants,
DATABASE_URL (a PostgreSQL server) and DJANGO_CONVERT_JSON (the stand-in's TRACKING_URL).
It creates its own database (dropped first), migrates the public schema, creates two
tenants (each schema gets django_convert's tables), records conversions in each (saves,
and an ``update()`` only the sweep catches), then runs ``check``, ``convert_deliver
--check``, ``convert_deliver`` and the background worker as a shop would, from the
public schema. Prints one JSON object with what each step said.
"""

from __future__ import annotations

import json
import os
import sys
import time
from decimal import Decimal
from io import StringIO
from typing import Any


def recreate_database() -> None:
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    with psycopg.connect(
        dbname="postgres",
        user=db["USER"],
        password=db["PASSWORD"],
        host=db["HOST"],
        port=db["PORT"],
        autocommit=True,
    ) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{db["NAME"]}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{db["NAME"]}"')


def command(*args: str) -> dict[str, Any]:
    from django.core.management import call_command
    from django.core.management.base import CommandError, SystemCheckError

    out, err = StringIO(), StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
        code = 0
    except SystemCheckError as exc:
        err.write(str(exc))
        code = 1
    except CommandError as exc:
        err.write(str(exc))
        code = exc.returncode
    return {"code": code, "out": out.getvalue(), "err": err.getvalue()}


def paid_order(number: str, visitor_id: str) -> None:
    from django_convert.ingest.store import store_context
    from tests.testapp.models import Order

    store_context(
        visitor_id=visitor_id,
        experiences=[{"experienceId": "100127238", "variationId": "1001186427"}],
        segments={"country": "DE"},
    )
    Order.objects.create(number=number, visitor_id=visitor_id, total=Decimal("30"), status="paid")


def statuses() -> dict[str, dict[str, str]]:
    from django_tenants.utils import schema_context

    from django_convert.models import Conversion

    found = {}
    for schema in ("shop_a", "shop_b"):
        with schema_context(schema):
            found[schema] = dict(Conversion.objects.values_list("transaction_id", "status"))
    return found


def main() -> int:
    import django

    django.setup()
    recreate_database()
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from django_convert.models import Conversion
    from tests.tenants.models import Shop
    from tests.testapp.models import Order

    report: dict[str, Any] = {}
    command("migrate_schemas", "--shared", "--verbosity", "0")
    Shop.objects.create(schema_name="public", name="the platform")
    for schema in ("shop_a", "shop_b"):
        Shop.objects.create(schema_name=schema, name=schema)
    report["check"] = command("check")

    with schema_context("shop_a"):
        paid_order("A-1", "v-a")
    with schema_context("shop_b"):
        paid_order("B-1", "v-b")
        Order.objects.create(number="B-2", visitor_id="v-b", total=Decimal("12"))
        Order.objects.filter(number="B-2").update(status="paid")  # no post_save: the sweep
        # One conversion left overdue: nothing has delivered it for an hour.
        Conversion.objects.filter(transaction_id="B-1").update(
            next_attempt_at=timezone.now() - timedelta(hours=1)
        )
    report["before"] = statuses()
    report["check_before"] = command("convert_deliver", "--check")
    report["deliver"] = command("convert_deliver")
    report["after"] = statuses()
    report["check_after"] = command("convert_deliver", "--check")

    # The background worker of a web process: started from the public schema, woken by a
    # checkout in a tenant's schema.
    from django.test.utils import override_settings

    from django_convert.delivery.worker import get_worker

    convert = {**django.conf.settings.DJANGO_CONVERT, "DELIVERY": "background"}
    with override_settings(DJANGO_CONVERT=convert):
        get_worker().ensure_started()
        with schema_context("shop_b"), transaction.atomic():
            paid_order("B-3", "v-b3")
        deadline = time.monotonic() + 15
        while statuses()["shop_b"].get("B-3") != "sent" and time.monotonic() < deadline:
            time.sleep(0.1)
        get_worker().stop(timeout=5)
    report["background"] = statuses()
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.getcwd())
    raise SystemExit(main())
