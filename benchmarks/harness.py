"""What every benchmark shares: Django setup, a result row, and the table."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

SQLITE_WAL_INIT = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"


@dataclass(frozen=True)
class Result:
    benchmark: str
    metric: str
    value: float
    unit: str
    note: str = ""


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()


@contextmanager
def test_database() -> Iterator[None]:
    """A fresh, migrated test database for the run (as pytest-django makes one).

    On SQLite it is a file, not memory: background delivery threads and worker processes
    must see the same database as the code being measured, as on a real site.
    """
    import tempfile

    from django.db import connection

    with tempfile.TemporaryDirectory() as folder:
        if connection.vendor == "sqlite":
            connection.settings_dict.setdefault("TEST", {})["NAME"] = f"{folder}/bench.sqlite3"
            if os.environ.get("BENCH_SQLITE_WAL"):
                # Django 5.1+'s advice for SQLite in production: WAL, no fsync per commit.
                connection.settings_dict.setdefault("OPTIONS", {})["init_command"] = SQLITE_WAL_INIT
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            yield
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)


def timed(fn: Callable[[], object], repeat: int = 1) -> float:
    """Seconds per call of ``fn``, over ``repeat`` calls."""
    started = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - started) / repeat


def print_table(results: list[Result]) -> None:
    headers = ("benchmark", "metric", "value", "unit", "note")
    rows = [(r.benchmark, r.metric, f"{r.value:,.3f}", r.unit, r.note) for r in results]
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]
    for row in [headers, tuple("-" * w for w in widths), *rows]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))
