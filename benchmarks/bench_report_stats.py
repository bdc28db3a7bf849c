"""The statistics' share of a report page: 3 variations, 30 days, segments by device.

``python -m benchmarks bench_report_stats`` (SQLite or DATABASE_URL's PostgreSQL) writes
6,000 exposed visitors over 30 days into 3 variations (an original and two at +10 % and
+20 %), with devices and orders, then builds the page with ``segment="device"`` under
cProfile and prints the page's time and the part spent in the statistics (the comparisons,
Holm and the trend's intervals). ``BENCH_REPORT_STATS_DUMP=path`` also writes every figure
of the page (each float, by where it sits) as JSON, to compare two versions of the code
figure by figure.
"""

from __future__ import annotations

import cProfile
import dataclasses
import json
import os
import pstats
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from benchmarks.harness import Result

EXPERIENCE, GOAL = "100127240", "100037227"
VARIATIONS = (("1001186430", 0.08), ("1001186431", 0.088), ("1001186432", 0.096))
START = datetime(2026, 10, 1, tzinfo=UTC)
DAYS = 30
VISITORS = 6_000
DEVICES = (["DESK"], ["ALLPH", "IPH"], ["ALLTAB", "IPAD"], [])
REPEAT = 2
#: Where the statistics live: the cumulative time of these functions is their share.
STATISTICS = ("compare_rates", "compare_means", "adjust")


def _seed() -> None:
    from django_convert.models import Conversion, Experience, Exposure, Goal, Variation, Visitor

    experience = Experience.objects.create(id=EXPERIENCE, name="Checkout", status="active")
    goal = Goal.objects.create(id=GOAL, name="Purchase", type="revenue")
    experience.goals.add(goal)
    for vid, _rate in VARIATIONS:
        Variation.objects.create(id=vid, experience=experience, name=vid, traffic_allocation=1)
    rng = random.Random(19)
    visitors = Visitor.objects.bulk_create(
        [
            Visitor(visitor_id=f"s{i}", devices=rng.choice(DEVICES), browser="CH")
            for i in range(VISITORS)
        ],
        batch_size=2000,
    )
    exposures, conversions = [], []
    for i, visitor in enumerate(visitors):
        vid, rate = VARIATIONS[i % 3]
        seen = START + timedelta(minutes=rng.randrange(DAYS * 24 * 60 - 1))
        exposures.append(
            Exposure(visitor=visitor, experience_id=EXPERIENCE, variation_id=vid, first_seen=seen)
        )
        if rng.random() < rate:
            conversions.append(
                Conversion(
                    visitor_id=f"s{i}", goal_id=GOAL, transaction_id=f"S{i}",
                    bucketing={EXPERIENCE: vid}, amount=Decimal(rng.randrange(1000, 20000)) / 100,
                    created_at=seen + timedelta(minutes=rng.randrange(1, 600)),
                )
            )  # fmt: skip
    Exposure.objects.bulk_create(exposures, batch_size=2000)
    Conversion.objects.bulk_create(conversions, batch_size=2000)


def _figures(value: Any, path: str, out: dict[str, Any]) -> None:
    """Every number and text of ``value`` by its path (callables skipped)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            _figures(getattr(value, f.name), f"{path}.{f.name}", out)
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _figures(item, f"{path}[{i}]", out)
    elif isinstance(value, dict):
        for key, item in value.items():
            _figures(item, f"{path}[{key!r}]", out)
    elif isinstance(value, float | int | str | bool | Decimal) or value is None:
        out[path] = repr(value)
    elif isinstance(value, datetime):
        out[path] = value.isoformat()


def run() -> list[Result]:
    from django_convert.reports.page import build_page

    _seed()
    end = START + timedelta(days=DAYS)

    def page() -> object:
        return build_page(EXPERIENCE, GOAL, START, end, segment="device")

    page()  # warm-up: imports, caches
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        page()
        times.append(time.perf_counter() - started)
    profile = cProfile.Profile()
    profile.enable()
    built = page()
    profile.disable()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    total = sum(tt for (_f, _l, _n), (_cc, _nc, tt, _ct, _callers) in stats.items())
    share = sum(
        ct
        for (filename, _line, name), (_cc, _nc, _tt, ct, _callers) in stats.items()
        if name in STATISTICS and filename.endswith(os.path.join("reports", "compare.py"))
    )
    dump = os.environ.get("BENCH_REPORT_STATS_DUMP")
    if dump:
        out: dict[str, Any] = {}
        _figures(built, "page", out)
        with open(dump, "w") as stream:
            json.dump(out, stream, indent=0, sort_keys=True)
    return [
        Result("report_stats", "page by device", statistics.median(times) * 1000, "ms",
               f"median of {REPEAT}, {VISITORS:,} visitors, 3 variations, {DAYS} days"),
        Result("report_stats", "statistics (profiled)", share * 1000, "ms",
               f"of {total * 1000:.0f} ms profiled: compare_rates, compare_means, adjust"),
    ]  # fmt: skip
