"""The sweep as a shop grows: installing on 100,000 or 1,000,000 past orders, first and
second run.

A year of paid orders, none with a conversion (the app was just installed), with a
``"visitor": "visitor_id"`` rule and the default 7-day window: the first run records the
window's orders that have a visitor (each with the bucketing its visitor had when the
order was made, from the exposure history: half were bucketed before their order, half
after) and notes the 30 % without one (no consent) once; the second run finds nothing
(measured right after, and once the tables are analyzed, as autovacuum does within a
minute of such a change on PostgreSQL).
Side by side: the floor, the same sweep over an empty window on the same table (one
query). ``BENCH_SWEEP_SIZES`` (default "100000,1000000") picks the sizes; each size is
loaded into the emptied table, outside the measurement.
"""

from __future__ import annotations

import logging
import os
import time
from datetime import timedelta
from typing import Any

from benchmarks.harness import Result

NAME = "sweep_install"
SIZES = [int(size) for size in os.environ.get("BENCH_SWEEP_SIZES", "100000,1000000").split(",")]
RULE = {
    "model": "testapp.Order",
    "goal_id": "100037225",
    "when": {"status": "paid"},
    "visitor": "visitor_id",
    "amount": "total",
    "transaction_id": "number",
}
EXPERIENCE, VARIATION = "100127238", "1001186427"


def _load(orders: int) -> int:
    """``orders`` paid orders over a year; returns how many fall in the 7-day window."""
    from django.db import connection
    from django.utils import timezone

    from django_convert.models import Bucketing, Exposure, Visitor
    from tests.testapp.models import Order

    now = timezone.now()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in (Order, Exposure, Bucketing, Visitor):
            cursor.execute(f"DELETE FROM {quote(model._meta.db_table)}")
    in_window = 0
    created_at = Order._meta.get_field("created_at")
    created_at.auto_now_add = False  # type: ignore[attr-defined]
    try:
        for start in range(0, orders, 10000):
            batch, visitors = [], []
            for n in range(start, min(start + 10000, orders)):
                at = now - timedelta(days=365 * n / orders)
                recent = at > now - timedelta(days=7)
                in_window += recent
                # 30 % without a visitor (no consent); the rest have an id on the order.
                visitor_id = "" if n % 10 < 3 else f"v-{n}"
                if recent and visitor_id:
                    # Half were bucketed an hour before their order, half an hour after.
                    seen = at + timedelta(hours=-1 if n % 2 else 1)
                    visitors.append((visitor_id, seen))
                batch.append(
                    Order(number=f"O-{n}", visitor_id=visitor_id, status="paid", created_at=at)
                )
            Order.objects.bulk_create(batch)
            rows = Visitor.objects.bulk_create(
                Visitor(visitor_id=v, first_seen=seen, last_seen=seen) for v, seen in visitors
            )
            Exposure.objects.bulk_create(
                Exposure(
                    visitor=row,
                    experience_id=EXPERIENCE,
                    variation_id=VARIATION,
                    first_seen=seen,
                    last_seen=seen,
                )
                for row, (_, seen) in zip(rows, visitors, strict=True)
            )
    finally:
        created_at.auto_now_add = True  # type: ignore[attr-defined]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return in_window


def _measure(fn: Any) -> tuple[Any, int, float]:
    """(value, statements sent, seconds); counted by a wrapper (the debug log keeps 9,000)."""
    from django.db import connection

    count = 0

    def counting(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counting):
        started = time.perf_counter()
        value = fn()
        seconds = time.perf_counter() - started
    return value, count, seconds


def run() -> list[Result]:
    from django.conf import settings
    from django.db import connection
    from django.test import override_settings

    from django_convert.conversions.sweep import sweep
    from django_convert.models import Conversion, SkippedConversion

    results = []
    logging.getLogger("django_convert").setLevel(logging.ERROR)  # 1 WARNING per noted order
    convert = {**settings.DJANGO_CONVERT, "CONVERSIONS": [RULE], "DELIVERY": "manual"}
    with override_settings(DJANGO_CONVERT=convert):
        for orders in SIZES:
            Conversion.objects.all().delete()
            SkippedConversion.objects.all().delete()
            started = time.perf_counter()
            in_window = _load(orders)
            setup = time.perf_counter() - started
            note = f"{orders:,} orders, {in_window:,} in the window, {connection.vendor}"
            _, floor_queries, floor = _measure(lambda: sweep(days=1 / 86400))
            [first], first_queries, first_seconds = _measure(sweep)
            [right_after], right_after_queries, right_after_seconds = _measure(sweep)
            if connection.vendor == "postgresql":
                # What an hourly sweep meets: autovacuum has analyzed the tables the first
                # run filled (the notes' table was empty, and its statistics said so).
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            [second], second_queries, second_seconds = _measure(sweep)
            attributed = sum(
                1
                for bucketing in Conversion.objects.values_list("bucketing", flat=True)
                if bucketing
            )
            # The window moves while the table loads: a few orders at its edge drop out.
            assert 0 <= in_window - (first.recorded + first.noted) <= in_window // 100, first
            assert second.recorded == second.noted == right_after.recorded == 0
            results += [
                Result(NAME, f"{orders:,}: setup (not measured)", setup, "s", note),
                Result(
                    NAME,
                    f"{orders:,}: first run",
                    first_seconds,
                    "s",
                    f"{first_queries:,} queries; recorded {first.recorded:,} "
                    f"({attributed:,} with bucketing seen before the order), "
                    f"noted {first.noted:,}",
                ),
                Result(
                    NAME,
                    f"{orders:,}: second run, right after",
                    right_after_seconds * 1000,
                    "ms",
                    f"{right_after_queries} queries (statistics from before the first run)",
                ),
                Result(
                    NAME,
                    f"{orders:,}: second run",
                    second_seconds * 1000,
                    "ms",
                    f"{second_queries} queries (the tables analyzed, as autovacuum does)",
                ),
                Result(
                    NAME,
                    f"{orders:,}: floor (empty window)",
                    floor * 1000,
                    "ms",
                    f"{floor_queries} queries",
                ),
                Result(NAME, f"{orders:,}: second run / floor", second_seconds / floor, "x", note),
            ]
    return results
