"""Delivery scaling: 1, 2 and 4 ``convert_deliver --loop`` worker processes sharing one
outbox (PostgreSQL: SELECT ... FOR UPDATE SKIP LOCKED) against the 20 ms stand-in.

Workers are started first; then the conversions are inserted at once and the clock runs
until every one is sent. Run with ``DATABASE_URL=postgres://...``: on SQLite the numbers
show its single-writer lock instead.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections import Counter
from types import SimpleNamespace

from django.db import connection

from benchmarks.harness import Result
from benchmarks.stand_in import stand_in_process

CONVERSIONS = 4000
LATENCY_MS = 20.0
NAME = "delivery_scaling"


def one_run(url: str, workers: int) -> float:
    from django_convert.models import Conversion
    from tests.fixtures_convert import make_conversions, worker_env

    Conversion.objects.all().delete()
    env = worker_env(SimpleNamespace(url=url))
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "django", "convert_deliver", "--loop", "--interval", "0.05"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(workers)
    ]
    try:
        for process in processes:
            assert process.stdout is not None
            line = process.stdout.readline()
            assert line.startswith("Delivering"), line
        make_conversions(CONVERSIONS, visitors=500)  # one INSERT, committed at once
        started = time.perf_counter()
        while Conversion.objects.filter(status="sent").count() < CONVERSIONS:
            time.sleep(0.01)
        elapsed = time.perf_counter() - started
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.communicate(timeout=30)
    statuses = Counter(Conversion.objects.values_list("status", flat=True))
    assert statuses == {"sent": CONVERSIONS}, statuses
    assert set(Conversion.objects.values_list("attempts", flat=True)) == {1}  # none sent twice
    return elapsed


def run() -> list[Result]:
    vendor = connection.vendor
    if vendor == "sqlite" and connection.is_in_memory_db():
        # Worker processes cannot open the runner's in-memory test database.
        return [Result(NAME, "not run on in-memory SQLite", 0, "", "use DATABASE_URL=postgres://")]
    results = []
    with stand_in_process(LATENCY_MS) as url:
        one = None
        for workers in (1, 2, 4):
            seconds = one_run(url, workers)
            one = one or seconds
            results.append(
                Result(
                    NAME,
                    f"{workers} worker(s), {vendor}",
                    CONVERSIONS / seconds,
                    "conv/s",
                    f"{seconds:.2f} s for {CONVERSIONS}; x{one / seconds:.2f} vs 1 worker",
                )
            )
    return results
