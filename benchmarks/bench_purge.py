"""``convert_purge`` of a large backlog: time, peak memory, and checkouts running meanwhile.

Stale visitors (each with one bucketing row and one exposure) are loaded, then purged by
``convert_purge`` in a process of its own, whose peak resident memory is read from the
operating system (``wait4``). Side by side, the same backlog purged the way it was before
the batches: one transaction, ``QuerySet.delete()`` (which loads every visitor to
cascade), ``benchmarks/purge_before.py``. While each purge runs, a thread checks out
orders in a loop (an order saved paid in ``atomic()``, its conversion recorded): on
SQLite they share its one write lock. Counts: checkouts done, failed, and the slowest.

``BENCH_PURGE_VISITORS`` sets the backlog (default 1,000,000 on PostgreSQL and MariaDB,
300,000 on SQLite); ``BENCH_PURGE_BEFORE`` the backlog for the before-the-batches side
(default 100,000: it needs about 2 GB per million visitors).
On SQLite both run with ``transaction_mode = "IMMEDIATE"`` (docs/databases.rst).
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

from benchmarks.harness import Result

NAME = "purge"
ORDER_NUMBERS = itertools.count()
ROOT = Path(__file__).resolve().parent.parent
RULE = {
    "model": "testapp.Order",
    "goal_id": "100037225",
    "when": {"status": "paid"},
    "visitor": "visitor_id",
    "transaction_id": "number",
}


def _load(visitors: int) -> None:
    """``visitors`` visitors last seen 400 days ago, each with a bucketing row and an
    exposure, written by the database itself (INSERT ... SELECT)."""
    from django.db import connection

    from django_convert.models import Bucketing, Exposure, Visitor

    quote = connection.ops.quote_name
    visitor, bucketing, exposure = (quote(m._meta.db_table) for m in (Visitor, Bucketing, Exposure))
    old = "'2020-01-01 00:00:00'"
    if connection.vendor == "postgresql":
        numbers = f"generate_series(1, {visitors}) AS g(n)"
        name = "'old-' || n"
    elif connection.vendor == "mysql":
        numbers = (
            f"(SELECT a.n + 1000 * b.n AS n FROM (SELECT seq AS n FROM seq_0_to_999) a, "
            f"(SELECT seq AS n FROM seq_0_to_{visitors // 1000}) b) g WHERE g.n < {visitors}"
        )
        name = "CONCAT('old-', n)"
    else:
        numbers = (
            f"(WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c "
            f"WHERE n < {visitors}) SELECT n FROM c)"
        )
        name = "'old-' || n"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {visitor} (visitor_id, browser, devices, source, visitor_type, "
            f"country, campaign, custom_segments, first_seen, last_seen) "
            f"SELECT {name}, 'CH', '[]', '', '', 'DE', '', '[]', {old}, {old} FROM {numbers}"
        )
        for table, extra, value in (
            (bucketing, "", ""),
            (exposure, ", is_first", ", 1" if connection.vendor != "postgresql" else ", true"),
        ):
            cursor.execute(
                f"INSERT INTO {table} (visitor_id, experience_id, variation_id, first_seen, "
                f"last_seen{extra}) SELECT id, '100127238', '1001186427', {old}, {old}{value} "
                f"FROM {visitor}"
            )
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")


def _database_url() -> str:
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite://{Path(db['NAME']).resolve()}"
    scheme = "mysql" if connection.vendor == "mysql" else "postgres"
    return f"{scheme}://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT']}/{db['NAME']}"


def _purge_in_process(module: list[str]) -> tuple[float, float, str]:
    """(seconds, peak MB of the process, its output): the purge in a process of its own."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings_server",  # SQLite: IMMEDIATE
        "DATABASE_URL": _database_url(),
        "PYTHONPATH": str(ROOT),
    }
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", *module],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = process.stdout.read() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(module)} failed:\n{output}")
    return seconds, usage.ru_maxrss / 1024, output  # Linux: kilobytes


class Checkouts(threading.Thread):
    """Orders paid in a loop while a purge runs; counts failures and the slowest."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.done = 0
        self.failed: list[str] = []
        self.slowest = 0.0

    def run(self) -> None:
        from django.db import connection, transaction

        from tests.testapp.models import Order

        try:
            while not self.stop.is_set():
                started = time.perf_counter()
                try:
                    with transaction.atomic():
                        number = f"C-{next(ORDER_NUMBERS)}"
                        order = Order.objects.create(
                            number=number, visitor_id="v-buyer", total=Decimal("30")
                        )
                        order.status = "paid"
                        order.save()
                    self.done += 1
                except Exception as error:
                    self.failed.append(str(error))
                self.slowest = max(self.slowest, time.perf_counter() - started)
                time.sleep(0.02)
        finally:
            connection.close()


def _side(label: str, module: list[str], visitors: int, note: str) -> list[Result]:
    _load(visitors)
    checkouts = Checkouts()
    checkouts.start()
    seconds, peak_mb, _ = _purge_in_process(module)
    checkouts.stop.set()
    checkouts.join()
    from django_convert.models import Visitor

    assert not Visitor.objects.filter(visitor_id__startswith="old-").exists()
    failures = f"; first: {checkouts.failed[0][:60]}" if checkouts.failed else ""
    return [
        Result(NAME, f"{label}: {visitors:,} visitors", seconds, "s", note),
        Result(NAME, f"{label}: peak memory", peak_mb, "MB", "the purging process"),
        Result(
            NAME,
            f"{label}: checkouts meanwhile",
            checkouts.done,
            "done",
            f"{len(checkouts.failed)} failed, slowest {checkouts.slowest * 1000:.0f} ms" + failures,
        ),
    ]


def run() -> list[Result]:
    from django.conf import settings
    from django.db import connection
    from django.test import override_settings

    sqlite = connection.vendor == "sqlite"
    if sqlite:  # the docs' advice for SQLite with concurrent writers
        connection.settings_dict.setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
        connection.close()
    visitors = int(os.environ.get("BENCH_PURGE_VISITORS", "300000" if sqlite else "1000000"))
    before = int(os.environ.get("BENCH_PURGE_BEFORE", "100000"))
    note = connection.vendor
    convert = {**settings.DJANGO_CONVERT, "CONVERSIONS": [RULE], "DELIVERY": "manual"}
    results = []
    with override_settings(DJANGO_CONVERT=convert):
        batches = ["django", "convert_purge", "--days", "30", "--skip-checks"]
        results += _side("batches", batches, visitors, f"{note}, 1,000 per batch")
        results += _side("before (one transaction)", ["benchmarks.purge_before"], before, note)
        if before != visitors:
            results += _side("batches", batches, before, f"{note}, the same backlog")
    return results
