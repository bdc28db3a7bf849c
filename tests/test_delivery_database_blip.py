"""A real cut of the database connection during delivery, on PostgreSQL and MariaDB: a
TCP proxy in front of the database that the test cuts while Convert is answering a batch,
then restores. No process dies.

Every conversion is accepted by Convert exactly once: the answer to the batch in flight
is kept and recorded when the database is back. A cut longer than the lease is logged
with the exact count of conversions that may be sent again.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from django_convert.models import Conversion
from tests.fixtures_convert import make_conversions, worker_env
from tests.tcp_proxy import TCPProxy, tcp_proxy

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.servers]

COUNT, BATCH = 300, 20


@pytest.fixture
def proxy() -> Any:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite has no connection to cut (run with DATABASE_URL=postgres/mysql)")
    db = connection.settings_dict
    with tcp_proxy(db["HOST"] or "127.0.0.1", int(db["PORT"])) as running:
        yield running


def loop_through(proxy: TCPProxy, server: Any, log: Path, **convert: Any) -> subprocess.Popen:
    env = worker_env(server, BATCH_SIZE=BATCH, **convert)
    db = connection.settings_dict
    env["DATABASE_URL"] = env["DATABASE_URL"].replace(
        f":{db['PORT']}/", f":{proxy.port}/"
    )  # the worker reaches the database through the proxy only
    command = [sys.executable, "-m", "django", "convert_deliver", "--loop", "--interval", "0.2"]
    return subprocess.Popen(command, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)


def wait(condition: Any, timeout: float, what: str) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(0.01)
    return time.monotonic() - started


def sent() -> int:
    return Conversion.objects.filter(status="sent").count()


def run_with_a_cut(proxy, server, tmp_path, cut_seconds, **convert) -> tuple[str, float]:
    make_conversions(COUNT, visitors=50)
    server.latency = 0.3  # each batch is in flight long enough to cut during it
    log = tmp_path / "worker.log"
    worker = loop_through(proxy, server, log, **convert)
    try:
        wait(lambda: sent() >= 3 * BATCH, 60, "delivery to start")
        wait(lambda: server.in_flight > 0, 10, "a batch in flight")
        proxy.cut()  # while Convert answers that batch
        time.sleep(cut_seconds)
        proxy.restore()
        restored = time.monotonic()
        wait(lambda: sent() == COUNT, 120, "every conversion sent")
        recovery = time.monotonic() - restored
    finally:
        worker.terminate()
        worker.wait(30)
    accepted = Counter(server.accepted_transaction_ids())
    assert len(accepted) == COUNT
    assert accepted.most_common(1)[0][1] == 1, accepted.most_common(3)  # exactly once
    assert not Conversion.objects.exclude(status="sent").exists()
    return log.read_text(), recovery


def test_a_blip_shorter_than_the_lease_sends_nothing_twice(proxy, convert_server, tmp_path):
    text, recovery = run_with_a_cut(
        proxy, convert_server, tmp_path, 3.0, TIMEOUT=1.0, LEASE_SECONDS=30
    )
    assert "the database could not record Convert's acceptance" in text
    assert "Recorded Convert's acceptance for 20 conversion(s) after" in text
    assert "Traceback" not in text
    assert recovery < 15, recovery
    print(f"recovered and drained {COUNT} in {recovery:.1f}s after the database came back")


def test_a_blip_longer_than_the_lease_says_how_many_may_be_resent(proxy, convert_server, tmp_path):
    text, _ = run_with_a_cut(proxy, convert_server, tmp_path, 6.0, TIMEOUT=1.0, LEASE_SECONDS=4)
    assert "The lease of 20 conversion(s) ran out while the database could not record" in text
    # One worker: nobody took the rows over, so the late write still landed (nothing resent).
    assert "Recorded Convert's acceptance for 20 conversion(s) after" in text
