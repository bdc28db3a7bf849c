"""A real cut of the database connection while a destination answers, on PostgreSQL and
MariaDB (as tests/test_delivery_database_blip.py for conversions): a ``convert_deliver
--loop`` process reaches the database through a TCP proxy that the test cuts and restores.

Every forwarded event reaches Segment exactly once: the answer to the request in flight
is kept and recorded when the database is back (Segment would drop a resent messageId as
a duplicate, which the stand-in lists in ``dropped()``).
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

from django_convert.models import ForwardedEvent
from django_convert.testing.analytics_servers import SegmentStandIn
from tests.fixtures_convert import worker_env
from tests.fixtures_forwarding import make_forwarded
from tests.tcp_proxy import tcp_proxy

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.servers]

COUNT, BATCH = 200, 20


@pytest.fixture
def proxy() -> Any:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite has no connection to cut (run with DATABASE_URL=postgres/mysql)")
    db = connection.settings_dict
    with tcp_proxy(db["HOST"] or "127.0.0.1", int(db["PORT"])) as running:
        yield running


def wait(condition: Any, timeout: float, what: str) -> None:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(0.01)


def sent() -> int:
    return ForwardedEvent.objects.filter(status="sent").count()


def test_a_cut_while_segment_answers_sends_nothing_twice(
    proxy, convert_server, tmp_path: Path
) -> None:
    make_forwarded("segment", COUNT)
    with SegmentStandIn(write_key="seg-key", latency=0.3) as segment:
        forward = {"segment": {"WRITE_KEY": "seg-key", "URL": segment.url}}
        env = worker_env(
            convert_server, FORWARD=forward, BATCH_SIZE=BATCH, TIMEOUT=1.0, LEASE_SECONDS=30
        )
        db = connection.settings_dict
        env["DATABASE_URL"] = env["DATABASE_URL"].replace(f":{db['PORT']}/", f":{proxy.port}/")
        log = tmp_path / "worker.log"
        command = [sys.executable, "-m", "django", "convert_deliver", "--loop", "--interval", "0.2"]
        worker = subprocess.Popen(command, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
        try:
            wait(lambda: sent() >= 3 * BATCH, 60, "delivery to start")
            time.sleep(0.1)  # into the next request (0.3 s in flight, ms of database work)
            proxy.cut()
            time.sleep(3.0)
            proxy.restore()
            wait(lambda: sent() == COUNT, 120, "every event sent")
        finally:
            worker.terminate()
            worker.wait(30)
        text = log.read_text()
        accepted = Counter(message["messageId"] for message in segment.events())
        assert len(accepted) == COUNT
        assert accepted.most_common(1)[0][1] == 1
        assert segment.dropped() == []  # no messageId resent
    assert "the database could not record Segment's acceptance" in text, text[-3000:]
    assert "Traceback" not in text, text[-3000:]
