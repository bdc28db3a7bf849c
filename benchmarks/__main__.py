"""Run every benchmark in this folder and print one table: ``python -m benchmarks``.

Each ``bench_*.py`` module defines ``run() -> list[Result]``. Benchmarks use the test
settings, so ``DATABASE_URL=postgres://...`` runs them on PostgreSQL.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

from benchmarks.harness import print_table, setup_django, test_database


def main(selected: list[str]) -> int:
    setup_django()
    names = sorted(
        info.name
        for info in pkgutil.iter_modules([str(Path(__file__).parent)])
        if info.name.startswith("bench_") and (not selected or info.name in selected)
    )
    if not names:
        print("no benchmarks found")
        return 1
    results = []
    with test_database():
        for name in names:
            print(f"running {name} ...", file=sys.stderr)
            results.extend(importlib.import_module(f"benchmarks.{name}").run())
    print_table(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
