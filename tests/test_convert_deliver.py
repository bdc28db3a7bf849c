"""``manage.py convert_deliver``: once, ``--loop``, SIGTERM, ``kill -9`` and parallel workers.

The worker tests start real ``django-admin convert_deliver`` processes on this test
database (a SQLite file or PostgreSQL) against the local Convert stand-in.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from django_convert.models import Conversion
from django_convert.testing.tracking_server import ConvertStandIn
from tests.fixtures_convert import make_conversions, worker_env


def wait_for(condition: Callable[[], bool], timeout: float = 30.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        time.sleep(0.05)


def statuses() -> Counter:
    return Counter(Conversion.objects.values_list("status", flat=True))


# Once -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_once_delivers_all_due_and_prints_counts(convert_server, convert_settings) -> None:
    convert_settings(BATCH_SIZE=20)
    make_conversions(45, visitors=10)
    out = StringIO()
    call_command("convert_deliver", stdout=out)
    assert (
        out.getvalue().strip()
        == "sent 45, retried 0, failed 0, released 0 (claimed 45, 3 request(s))"
    )
    assert statuses() == {"sent": 45}
    out = StringIO()
    call_command("convert_deliver", stdout=out)
    assert "claimed 0, 0 request(s)" in out.getvalue()


@pytest.mark.django_db
def test_once_reports_an_outage(convert_server) -> None:
    convert_server.fail(503, times=None)
    make_conversions(3)
    out = StringIO()
    call_command("convert_deliver", stdout=out)
    assert "retried 3" in out.getvalue()


@pytest.mark.django_db
def test_misconfiguration_is_a_command_error(convert_settings) -> None:
    convert_settings(USER_AGENT="python-requests/2.31")
    with pytest.raises(CommandError, match="ConvertAgent/"):
        call_command("convert_deliver")


@pytest.mark.django_db
def test_bad_interval_is_refused() -> None:
    with pytest.raises(CommandError, match="interval"):
        call_command("convert_deliver", "--loop", "--interval", "0")


# Worker processes -----------------------------------------------------------------------


@pytest.fixture
def workers() -> Iterator[Callable[..., subprocess.Popen]]:
    started: list[subprocess.Popen] = []

    def start(server: ConvertStandIn, *args: str, **convert) -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, "-m", "django", "convert_deliver", *args],
            env=worker_env(server, **convert),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(process)
        return process

    yield start
    for process in started:  # only the processes this test started, by their own handle
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


def wait_until_ready(process: subprocess.Popen) -> None:
    line = process.stdout.readline()
    assert line.startswith("Delivering conversions every"), line + process.stderr.read()


@pytest.mark.django_db(transaction=True)
def test_loop_stops_cleanly_on_sigterm_after_the_current_batch(workers) -> None:
    with ConvertStandIn(latency=1.0, account_id="10012345", project_id="10056789") as server:
        make_conversions(3)
        worker = workers(server, "--loop", "--interval", "0.1", BATCH_SIZE=1)
        wait_until_ready(worker)
        wait_for(lambda: len(server.received) == 1, what="the first request")
        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=15)
    assert worker.returncode == 0, err
    assert out.strip().endswith("Stopped.")
    assert "sent 1" in out
    assert statuses() == {"sent": 1, "pending": 2}  # the batch in flight was finished
    assert list(Conversion.objects.filter(status="pending").values_list("attempts", flat=True)) == [
        0,
        0,
    ]
    assert len(server.accepted_transaction_ids()) == 1


@pytest.mark.django_db(transaction=True)
def test_kill_9_mid_batch_then_restart_loses_nothing(workers) -> None:
    settings = {"BATCH_SIZE": 4, "TIMEOUT": 1.0, "LEASE_SECONDS": 4}
    with ConvertStandIn(latency=0.5, account_id="10012345", project_id="10056789") as server:
        make_conversions(10)
        first = workers(server, "--loop", "--interval", "0.1", **settings)
        wait_until_ready(first)
        wait_for(lambda: len(server.received) == 1, what="the first request")
        first.kill()  # SIGKILL while its first batch is in flight
        first.wait(10)
        # The batch in flight, and the next one already claimed behind it (pipelining).
        in_flight = set(Conversion.objects.filter(status="sending").values_list("pk", flat=True))
        assert len(in_flight) in (4, 8)

        second = workers(server, "--loop", "--interval", "0.1", **settings)
        wait_until_ready(second)
        wait_for(lambda: statuses() == {"sent": 10}, timeout=30, what="every conversion sent")
        second.send_signal(signal.SIGTERM)
        second.communicate(timeout=15)

    assert server.received[0].client_gone  # the killed worker never got its answer
    assert Counter(server.accepted_transaction_ids()) == Counter(f"ORDER-{n}" for n in range(10))
    retried = Conversion.objects.filter(pk__in=in_flight)
    assert all(row.attempts == 2 for row in retried)  # claimed again after the lease ran out


@pytest.mark.django_db(transaction=True)
def test_four_parallel_workers_send_no_conversion_twice(workers) -> None:
    """Runs on SQLite and on PostgreSQL (SELECT ... FOR UPDATE SKIP LOCKED)."""
    with ConvertStandIn(latency=0.02, account_id="10012345", project_id="10056789") as server:
        four = [workers(server, "--loop", "--interval", "0.05", BATCH_SIZE=5) for _ in range(4)]
        for worker in four:
            wait_until_ready(worker)
        make_conversions(300, visitors=40)  # one INSERT: every worker sees them at once
        wait_for(lambda: statuses() == {"sent": 300}, timeout=60, what="every conversion sent")
        outputs = []
        for worker in four:
            worker.send_signal(signal.SIGTERM)
            out, err = worker.communicate(timeout=15)
            assert worker.returncode == 0, err
            outputs.append(out)

    assert Counter(server.accepted_transaction_ids()) == Counter(f"ORDER-{n}" for n in range(300))
    assert all(r.accepted for r in server.received)
    sent_per_worker = [
        sum(
            int(line.split()[1].rstrip(","))
            for line in out.splitlines()
            if line.startswith("sent ")
        )
        for out in outputs
    ]
    assert sum(sent_per_worker) == 300
    assert sum(1 for n in sent_per_worker if n) >= 2  # the work really was shared
    assert set(Conversion.objects.values_list("attempts", flat=True)) == {1}
