"""Fixtures around the local Convert stand-in (django_convert/testing/tracking_server.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings

from django_convert.testing import ConvertStandIn, capture_conversions


@pytest.fixture(scope="session")
def django_db_modify_db_settings() -> None:
    """Under pytest, a SQLite test database is a file, not memory: the worker processes
    started by the delivery tests open it too. (PostgreSQL needs nothing.)"""
    from pathlib import Path

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        test_file = Path(__file__).with_name("django_convert_tests_test.sqlite3")
        database.setdefault("TEST", {})["NAME"] = str(test_file)


@pytest.fixture
def convert_server() -> Iterator[ConvertStandIn]:
    """A running stand-in (the one shipped to users in django_convert.testing);
    DJANGO_CONVERT["TRACKING_URL"] points at it for the test."""
    with capture_conversions() as capture:
        timeout = {**settings.DJANGO_CONVERT, "TIMEOUT": 2.0}
        with override_settings(DJANGO_CONVERT=timeout):
            yield capture.server


@pytest.fixture
def fresh_worker(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A background worker of this test's own, stopped (its batch finished) at teardown,
    before the database is flushed."""
    from django_convert.delivery import worker as worker_module

    worker = worker_module.BackgroundWorker()
    monkeypatch.setattr(worker_module, "_worker", worker)
    yield worker
    worker.stop(timeout=10)
    assert not worker.alive


def make_conversions(count: int, *, visitors: int = 0, start: int = 0, **fields: Any) -> list[Any]:
    """``count`` pending outbox rows over ``visitors`` visitors, as the recorder writes them."""
    from decimal import Decimal

    from django_convert.models import Conversion

    rows = [
        Conversion(
            **{
                "goal_id": "100037225",
                "transaction_id": f"ORDER-{n}",
                "visitor_id": f"visitor-{n % visitors if visitors else n}",
                "bucketing": {"100127238": "1001186427", "100127239": str(1001186400 + n % 3)},
                "segments": {
                    "browser": "CH",
                    "devices": ["DESK"],
                    "visitorType": "new",
                    "country": "US",
                },
                "amount": Decimal("149.99") + n,
                "products_count": 3,
                "custom_dimensions": {"1": "gold", "2": ["a", "b"]},
                "origin": "tests",
                **fields,
            }
        )
        for n in range(start, start + count)
    ]
    return Conversion.objects.bulk_create(rows)


def worker_env(server: ConvertStandIn, **convert: Any) -> dict[str, str]:
    """Environment for a `django-admin` subprocess using this test database and stand-in."""
    import json
    import os
    from pathlib import Path

    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        url = f"sqlite://{Path(db['NAME']).resolve()}"
    else:  # the same server and test database, as tests/settings.py parses it
        scheme = "mysql" if connection.vendor == "mysql" else "postgres"
        url = f"{scheme}://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT']}/{db['NAME']}"
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings_worker",
        "DATABASE_URL": url,
        "DJANGO_CONVERT_JSON": json.dumps({"TRACKING_URL": server.url, **convert}),
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
    }
