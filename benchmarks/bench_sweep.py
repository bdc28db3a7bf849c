"""convert_sweep's cost: 100,000 orders, 1,000 of them paid by ``QuerySet.update()``.

The table holds a year of orders (99,000, most paid, each paid one with its conversion
in the outbox) and 1,000 orders paid just now by ``update()``, which recorded nothing.
The sweep (default 7-day window on ``created_at``, NOT EXISTS on the outbox's unique
index) is measured side by side with a naive reconciliation that reads the whole table:
every paid order's transaction id and every recorded one, compared in Python, then the
same recording of the missing ones. Both must record exactly the 1,000 missing
conversions. Queries are counted with Django's debug cursor; time is wall clock.
``BENCH_SWEEP_ORDERS`` / ``BENCH_SWEEP_NEW`` change the sizes.
"""

from __future__ import annotations

import os
import time
from datetime import timedelta
from decimal import Decimal
from typing import Any

from benchmarks.harness import Result

NAME = "sweep"
ORDERS = int(os.environ.get("BENCH_SWEEP_ORDERS", "100000"))
NEW = int(os.environ.get("BENCH_SWEEP_NEW", "1000"))
GOAL = "100037225"
RULE = {
    "model": "testapp.Order",
    "goal_id": GOAL,
    "when": {"status": "paid"},
    "visitor": "visitor_id",
    "amount": "total",
    "transaction_id": "number",
}


def _populate() -> None:
    from django.utils import timezone

    from django_convert.models import Conversion, Visitor
    from tests.testapp.models import Order

    Visitor.objects.create(visitor_id="v-bench")
    now = timezone.now()
    created_at = Order._meta.get_field("created_at")
    created_at.auto_now_add = False  # type: ignore[attr-defined]  # backdate the year
    try:
        old = ORDERS - NEW
        for start in range(0, old, 5000):
            Order.objects.bulk_create(
                Order(
                    number=f"OLD-{n}",
                    visitor_id="v-bench",
                    status="paid" if n % 10 else "cancelled",
                    total=Decimal("19.90"),
                    created_at=now - timedelta(days=365 * n / old),
                )
                for n in range(start, min(start + 5000, old))
            )
            Conversion.objects.bulk_create(
                Conversion(
                    goal_id=GOAL,
                    transaction_id=f"OLD-{n}",
                    visitor_id="v-bench",
                    amount=Decimal("19.90"),
                    status="sent",
                )
                for n in range(start, min(start + 5000, old))
                if n % 10
            )
        Order.objects.bulk_create(
            Order(number=f"NEW-{n}", visitor_id="v-bench", total=Decimal("30"), created_at=now)
            for n in range(NEW)
        )
    finally:
        created_at.auto_now_add = True  # type: ignore[attr-defined]
    Order.objects.filter(number__startswith="NEW-").update(status="paid")  # no post_save


def _naive(dry_run: bool = False) -> int:
    """Reconcile by reading the whole table and the whole outbox."""
    from django.db import transaction

    from django_convert.conversions import record_conversions
    from django_convert.models import Conversion
    from tests.testapp.models import Order

    paid = dict(Order.objects.filter(status="paid").values_list("number", "pk"))
    recorded = set(Conversion.objects.filter(goal_id=GOAL).values_list("transaction_id", flat=True))
    missing = [pk for number, pk in paid.items() if number not in recorded]
    if dry_run:
        return len(missing)
    with transaction.atomic():  # one commit, as the sweep's chunks: compare the reading
        return len(record_conversions(Order.objects.filter(pk__in=missing)))


def _found(reports: Any) -> int:
    return sum(report.missing for report in reports)


def _measure(fn: Any) -> tuple[Any, int, float]:
    from django.db import connection, reset_queries

    connection.force_debug_cursor = True
    reset_queries()
    started = time.perf_counter()
    try:
        value = fn()
    finally:
        seconds = time.perf_counter() - started
        queries = len(connection.queries)
        connection.force_debug_cursor = False
    return value, queries, seconds


def run() -> list[Result]:
    from django.conf import settings
    from django.db import connection
    from django.test import override_settings

    from django_convert.conversions.sweep import sweep
    from django_convert.models import Conversion
    from tests.testapp.models import Order

    convert = {**settings.DJANGO_CONVERT, "CONVERSIONS": [RULE], "DELIVERY": "manual"}
    with override_settings(DJANGO_CONVERT=convert):
        started = time.perf_counter()
        _populate()
        if connection.vendor == "postgresql":
            # A settled database, as in production: statistics for the planner, and no
            # autovacuum woken by the bulk load running under one side of the comparison.
            with connection.cursor() as cursor:
                for model in (Conversion, Order):
                    cursor.execute(
                        f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}"
                    )
        setup = time.perf_counter() - started
        # Not measured: a first query on the tables, so neither side pays for a cold cache.
        list(Conversion.objects.filter(transaction_id="NEW-0"))
        # Finding the missing rows: what grows with the table.
        found, find_queries, find_seconds = _measure(lambda: _found(sweep(dry_run=True)))
        naive_found, naive_find_queries, naive_find_seconds = _measure(lambda: _naive(True))
        # Finding and recording them (the INSERTs cost the same on both sides).
        reports, sweep_queries, sweep_seconds = _measure(sweep)
        swept = sum(report.recorded for report in reports)
        Conversion.objects.filter(transaction_id__startswith="NEW-").delete()
        naive_recorded, naive_queries, naive_seconds = _measure(_naive)
        # The steady state of a sweep every few minutes: nothing new to record.
        _, idle_queries, idle_seconds = _measure(sweep)
        _, naive_idle_queries, naive_idle_seconds = _measure(_naive)
    assert found == naive_found == swept == NEW == naive_recorded, (found, naive_found, swept)
    note = f"{ORDERS:,} orders, {NEW:,} new paid, {connection.vendor}"

    def side_by_side(what: str, sweep_value: tuple[int, float], naive: tuple[int, float]) -> list:
        return [
            Result(
                NAME, f"{what}: sweep", sweep_value[1] * 1000, "ms", f"{sweep_value[0]} queries"
            ),
            Result(NAME, f"{what}: naive full table", naive[1] * 1000, "ms", f"{naive[0]} queries"),
            Result(NAME, f"{what}: naive / sweep", naive[1] / sweep_value[1], "x", note),
        ]

    return [
        Result(NAME, "setup (not measured)", setup, "s", note),
        *side_by_side(
            "find only (dry run)",
            (find_queries, find_seconds),
            (naive_find_queries, naive_find_seconds),
        ),
        *side_by_side(
            "find + record", (sweep_queries, sweep_seconds), (naive_queries, naive_seconds)
        ),
        *side_by_side(
            "nothing new", (idle_queries, idle_seconds), (naive_idle_queries, naive_idle_seconds)
        ),
        Result(NAME, "sweep: per new row", 1000 * sweep_seconds / NEW, "ms", "find + record"),
    ]
