"""Multi-tenant shops with real django-tenants on PostgreSQL: two tenants, each with its
own outbox in its own schema; delivery, the sweep and ``convert_deliver --check`` visit
every schema (tests/tenants/run.py is the shop; tests/settings_tenants.py its settings)."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tests.fixtures_convert import worker_env

pytestmark = [
    pytest.mark.servers,
    pytest.mark.django_db,
    pytest.mark.skipif(find_spec("django_tenants") is None, reason="django-tenants not installed"),
]
ROOT = Path(__file__).resolve().parent.parent
RULE = {
    "model": "testapp.Order",
    "goal_id": "100037225",
    "when": {"status": "paid"},
    "visitor": "visitor_id",
    "amount": "total",
    "transaction_id": "number",
}


def test_two_tenants_are_each_delivered_swept_and_checked(convert_server: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("django-tenants keeps tenants in PostgreSQL schemas")
    env = worker_env(convert_server, CONVERSIONS=[RULE], POLL_SECONDS=0.5)
    env["DJANGO_SETTINGS_MODULE"] = "tests.settings_tenants"
    result = subprocess.run(
        [sys.executable, "-m", "tests.tenants.run"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-5000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])

    # check: the app in TENANT_APPS only is not "recording any conversion would fail".
    assert report["check"]["code"] == 0, report["check"]
    assert report["before"] == {"shop_a": {"A-1": "pending"}, "shop_b": {"B-1": "pending"}}
    # --check looks in every schema: the overdue row in shop_b is a problem, named.
    before = report["check_before"]
    assert before["code"] == 1
    assert "pending 2" in before["out"]
    assert "schemas shop_a, shop_b" in before["out"]
    assert "PROBLEM [overdue] [schema shop_b] 1 conversion(s)" in before["err"]
    # One convert_deliver run sweeps and delivers each schema.
    assert report["after"] == {
        "shop_a": {"A-1": "sent"},
        "shop_b": {"B-1": "sent", "B-2": "sent"},  # B-2: paid by update(), swept
    }
    assert "OK: conversions are being delivered." in report["check_after"]["out"]
    # A web process's background worker (public schema) delivers a tenant's checkout.
    assert report["background"]["shop_b"]["B-3"] == "sent"
    assert sorted(convert_server.accepted_transaction_ids()) == ["A-1", "B-1", "B-2", "B-3"]
    by_id = {c["goalData"][-1]["value"]: c for c in convert_server.accepted_conversions()}
    assert by_id["A-1"]["bucketingData"] == {"100127238": "1001186427"}
