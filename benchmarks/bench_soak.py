"""Soak: conversions delivered through faults and killed workers, none lost.

10,000 conversions on PostgreSQL, 3 ``convert_deliver --loop`` workers, the stand-in
failing 30% of requests at random (500, 503, 429 with Retry-After, connection resets),
and one worker SIGKILLed every 3 s and restarted. It stops by itself when every row is
sent or failed, or after ``SOAK_TIME_LIMIT`` seconds.

Reports delivered (unique conversions Convert accepted), lost (recorded but never
accepted: the target is 0), and accepted more than once. Delivery is at-least-once: a
worker killed after Convert accepted a batch but before it marked the rows ``sent`` leaves
them ``sending``; after ``LEASE_SECONDS`` another worker sends them again. A worker has at
most one request in flight and one answered batch not yet recorded, so a kill duplicates
at most 2 x BATCH_SIZE conversions: the bound reported beside the figure.

With ``SOAK_BLIP_SECONDS`` (e.g. 15), the workers reach PostgreSQL through a TCP proxy
that is cut for that long while batches are in flight (``SOAK_BLIP_AFTER`` seconds
into the run), then restored: a failover or a network blip, nobody killed. With
``SOAK_KILL_EVERY=0`` (no kills) the target for duplicates is 0; the time from the
proxy's return until every conversion is delivered is reported.

Run: ``DATABASE_URL=postgres://... python -m benchmarks bench_soak``. Smaller runs:
``SOAK_CONVERSIONS``, ``SOAK_WORKERS``, ``SOAK_FAULT_RATE``, ``SOAK_KILL_EVERY`` (0: no
kills), ``SOAK_BATCH_SIZE``, ``SOAK_LATENCY_MS``, ``SOAK_TIME_LIMIT``, ``SOAK_SEED``,
``SOAK_BLIP_SECONDS``, ``SOAK_BLIP_AFTER``.
"""

from __future__ import annotations

import math
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from django.db import connection

from benchmarks.harness import Result

NAME = "soak"


def setting(name: str, default: float) -> float:
    return float(os.environ.get(f"SOAK_{name}", default))


class Workers:
    """``convert_deliver --loop`` processes, killed and restarted by their own pids."""

    def __init__(self, count: int, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs = env, logs
        self.processes: list[subprocess.Popen[bytes]] = []
        self.started = 0
        for _ in range(count):
            self.processes.append(self._start())

    def _start(self) -> subprocess.Popen[bytes]:
        self.started += 1
        log = (self.logs / f"worker-{self.started}.log").open("wb")
        command = [sys.executable, "-m", "django", "convert_deliver", "--loop", "--interval", "0.2"]
        return subprocess.Popen(command, env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def kill_and_restart(self, index: int) -> None:
        process = self.processes[index]
        process.kill()  # SIGKILL: no clean shutdown, as when a machine dies
        process.wait(10)
        self.processes[index] = self._start()

    def stop(self) -> None:
        for process in self.processes:
            process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


def run() -> list[Result]:
    from django_convert.models import Conversion
    from django_convert.testing.tracking_server import ConvertStandIn
    from tests.fixtures_convert import make_conversions, worker_env

    if connection.vendor != "postgresql":
        return [Result(NAME, "not run", 0, "", "needs DATABASE_URL=postgres://...")]
    count = int(setting("CONVERSIONS", 10_000))
    workers_count = int(setting("WORKERS", 3))
    fault_rate = setting("FAULT_RATE", 0.3)
    kill_every = setting("KILL_EVERY", 3.0)
    batch_size = int(setting("BATCH_SIZE", 50))
    time_limit = setting("TIME_LIMIT", 300.0)
    rng = random.Random(int(setting("SEED", 12)))  # picks the worker to kill

    blip_seconds = setting("BLIP_SECONDS", 0.0)
    blip_after = setting("BLIP_AFTER", 5.0)
    Conversion.objects.all().delete()
    make_conversions(count, visitors=max(1, count // 5))
    server = ConvertStandIn(latency=setting("LATENCY_MS", 20.0) / 1000).start()
    server.random_faults(fault_rate, seed=int(setting("SEED", 12)))
    env = worker_env(
        server,
        BATCH_SIZE=batch_size,
        TIMEOUT=2.0,
        # With kills: the shortest lease allowed for TIMEOUT=2 (2 x TIMEOUT + 2), so a
        # killed worker's rows come back soon. Without: the default, as on a real site.
        LEASE_SECONDS=6 if kill_every else 120,
        RETRY_BASE_DELAY=0.2,
        RETRY_MAX_DELAY=2.0,
    )
    proxy = None
    if blip_seconds:
        from tests.tcp_proxy import TCPProxy

        db = connection.settings_dict
        proxy = TCPProxy(db["HOST"] or "127.0.0.1", int(db["PORT"]))
        env["DATABASE_URL"] = env["DATABASE_URL"].replace(f":{db['PORT']}/", f":{proxy.port}/")
    kills = 0
    restored_at: float | None = None
    sent_at_restore = 0
    resumed_after_blip = float("nan")
    with tempfile.TemporaryDirectory() as logs:
        started = time.monotonic()
        workers = Workers(workers_count, env, Path(logs))
        try:
            next_kill = started + kill_every if kill_every else float("inf")
            while time.monotonic() - started < time_limit:
                if not Conversion.objects.filter(status__in=("pending", "sending")).exists():
                    break
                now = time.monotonic()
                if now >= next_kill:
                    workers.kill_and_restart(rng.randrange(workers_count))
                    kills += 1
                    next_kill += kill_every
                if proxy and not proxy.cuts and now - started >= blip_after and server.in_flight:
                    proxy.cut()  # while Convert answers a batch
                    cut_at = now
                if proxy and proxy.refusing and now - cut_at >= blip_seconds:
                    proxy.restore()
                    restored_at = time.monotonic()
                    sent_at_restore = Conversion.objects.filter(status="sent").count()
                waiting = restored_at is not None and math.isnan(resumed_after_blip)
                if waiting and Conversion.objects.filter(status="sent").count() > sent_at_restore:
                    resumed_after_blip = time.monotonic() - restored_at
                time.sleep(0.02)
            elapsed = time.monotonic() - started
        finally:
            workers.stop()
            server.stop()
            if proxy:
                proxy.close()

    recorded = set(Conversion.objects.values_list("transaction_id", flat=True))
    statuses = Counter(Conversion.objects.values_list("status", flat=True))
    accepted = Counter(server.accepted_transaction_ids())
    delivered = len(set(accepted) & recorded)
    lost = len(recorded) - delivered
    twice = sum(n - 1 for n in accepted.values() if n > 1)
    marked_but_not_accepted = Conversion.objects.filter(status="sent").exclude(
        transaction_id__in=list(accepted)
    )
    assert not marked_but_not_accepted.exists(), "a row marked sent that Convert never accepted"
    faults = ", ".join(f"{kind} x{n}" for kind, n in sorted(server.injected.items()))
    requests = len(server.received)
    setup = (
        f"{count} conversions, {workers_count} workers, batch {batch_size}, "
        f"{fault_rate:.0%} faults, "
        + (f"SIGKILL every {kill_every:g}s" if kill_every else "no kill")
        + (f", database cut for {blip_seconds:g}s" if blip_seconds else "")
    )
    return [
        Result(NAME, "delivered", delivered, "conversions", setup),
        Result(NAME, "lost", lost, "conversions", "target 0"),
        Result(
            NAME,
            "accepted more than once",
            twice,
            "conversions",
            f"bound: {kills} kills x 2 x {batch_size} = {kills * 2 * batch_size} (at-least-once)",
        ),
        Result(
            NAME, "rows failed", statuses.get("failed", 0), "rows", "Convert refused, or RETRY_DAYS"
        ),
        Result(
            NAME,
            "rows still unsent",
            statuses.get("pending", 0) + statuses.get("sending", 0),
            "rows",
            f"after {elapsed:.1f} s (limit {time_limit:g} s)",
        ),
        Result(NAME, "workers killed", kills, "SIGKILL", f"{workers.started} started in all"),
        Result(NAME, "requests", requests, "requests", f"faults injected: {faults}"),
        Result(NAME, "elapsed", elapsed, "s", f"{count / elapsed:.0f} conv/s through the faults"),
        *(
            [
                Result(
                    NAME,
                    "delivering again after the database came back",
                    resumed_after_blip,
                    "s",
                    f"cut {blip_seconds:g}s while a batch was in flight; duplicates target 0"
                    + (" (no kill)" if not kill_every else ""),
                )
            ]
            if blip_seconds
            else []
        ),
    ]
