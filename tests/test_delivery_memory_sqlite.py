"""Background delivery on Django's default test database for SQLite (in memory, shared
cache): checkouts and the delivery thread take turns instead of failing with "database
table is locked", every conversion is recorded and sent once."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter

import pytest

from tests.fixtures_convert import worker_env

GUEST_RULE = {
    "model": "testapp.Order",
    "goal_id": "100037225",
    "when": {"status": "paid"},
    "visitor": "visitor_id",
    "amount": "total",
    "transaction_id": "number",
}


@pytest.mark.django_db
def test_checkouts_and_the_delivery_thread_share_an_in_memory_database(convert_server) -> None:
    env = worker_env(
        convert_server, DELIVERY="background", CONVERSIONS=[GUEST_RULE], POLL_SECONDS=0.5
    )
    done = subprocess.run(
        [sys.executable, "-m", "tests.memory_checkout", "300"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["checkout_errors"] == []
    assert (result["orders"], result["recorded"], result["sent"]) == (300, 300, 300), result
    assert not [line for line in result["warnings"] if "not recorded" in line], result
    accepted = Counter(convert_server.accepted_transaction_ids())
    assert len(accepted) == 300
    assert max(accepted.values()) == 1
