"""Request-path cost of recording a conversion: an Order save with a rule vs without.

The baseline is the very same Order save with no rule configured (same table, same
columns), so the difference is what recording adds: the rule, the one INSERT ... SELECT
that snapshots the visitor into the outbox, and the Python around them. The floor is
measured too: the same save followed by one plain INSERT of an outbox row whose values are
ready (no rule, no snapshot read, no Python around it). A save of ``Plain`` (a model no
rule names) is shown for reference. Both autocommit (a view without ATOMIC_REQUESTS) and
one transaction per save (ATOMIC_REQUESTS) are measured.

By default three setups run side by side: the issue's (DELIVERY="background", the
default, with a Convert stand-in answering in 1 s), the same with Convert down (nothing
listening), and "manual" (nothing is sent) as the reference for the recording cost
alone. The background worker really delivers while saves are timed; recording itself
never talks to Convert, so all three should show the same added time.
``BENCH_DELIVERY=<mode>`` with ``BENCH_CONVERT_LATENCY_MS=<ms>|down`` runs one setup.
"""

from __future__ import annotations

import gc
import itertools
import os
import statistics
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from benchmarks.harness import Result

NAME = "request_path"
# (DELIVERY, Convert's latency in ms or "down"; None for manual, where nothing is sent).
SETUPS: list[tuple[str, str | None]] = [
    ("background", "1000"),
    ("background", "down"),
    ("manual", None),
]
if "BENCH_DELIVERY" in os.environ:
    SETUPS = [(os.environ["BENCH_DELIVERY"], os.environ.get("BENCH_CONVERT_LATENCY_MS", "1000"))]
SAVES_PER_ROUND = 300
ROUNDS = 11

RULE = {
    "model": "testapp.Order",
    "goal_id": "100037225",
    "when": {"status": "paid"},
    "visitor": "user",
    "amount": "total",
    "transaction_id": "number",
}


def _per_save(save: Callable[[], Any], atomic: bool) -> float:
    from django.db import transaction

    gc.collect()
    started = time.perf_counter()
    if atomic:
        for _ in range(SAVES_PER_ROUND):
            with transaction.atomic():
                save()
    else:
        for _ in range(SAVES_PER_ROUND):
            save()
    return (time.perf_counter() - started) / SAVES_PER_ROUND


def _queries(save: Callable[[], Any], atomic: bool) -> int:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        if atomic:
            with transaction.atomic():
                save()
        else:
            save()
    return len(queries)


def _floor_statement(connection: Any, visitor_id: str) -> tuple[str, list[Any]]:
    """An INSERT of one outbox row, every value already prepared for the database."""
    from django_convert.models import Conversion

    row = Conversion(
        goal_id=RULE["goal_id"],
        transaction_id="",
        visitor_id=visitor_id,
        bucketing={"100127230": "1001186427"},
        segments={"browser": "CH", "devices": ["DESK"], "country": "DE"},
        amount=Decimal("149.99"),
        # Not pending: the background worker must not spend time delivering floor rows.
        status=Conversion.Status.SENT,
    )
    fields = [field for field in Conversion._meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(Conversion._meta.db_table)} "
        f"({', '.join(quote(field.column) for field in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    params = [field.get_db_prep_save(field.pre_save(row, True), connection) for field in fields]
    assert fields[1].name == "transaction_id"
    return sql, params


def run() -> list[Result]:
    results: list[Result] = []
    for delivery, latency in SETUPS:
        results += _run_setup(delivery, None if delivery == "manual" else latency)
    return results


def _run_setup(delivery: str, latency: str | None) -> list[Result]:
    if latency is None:
        return _run(delivery, None, "nothing sent")
    from benchmarks.stand_in import stand_in_process
    from django_convert.delivery import worker

    try:
        if latency == "down":
            return _run(delivery, "http://127.0.0.1:9/v1/track", "Convert down")
        with stand_in_process(float(latency)) as url:
            return _run(delivery, url, f"Convert answers in {float(latency):g} ms")
    finally:
        # Before the next setup (a stopped worker stays stopped: start a fresh one) and
        # before the runner drops the test database.
        worker.get_worker().stop(timeout=30)  # let an in-flight batch finish
        worker._worker = worker.BackgroundWorker()


def _run(delivery: str, tracking_url: str | None, convert: str) -> list[Result]:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import override_settings

    from django_convert.models import Bucketing, Conversion, Visitor
    from tests.testapp.models import Order, Plain

    setup = f"{delivery}, {convert}"
    # One buyer per setup, so order numbers (the transaction ids) never repeat.
    user = get_user_model().objects.create_user(f"bench-{get_user_model().objects.count()}")
    visitor = Visitor.objects.create(
        visitor_id=f"v-bench-{user.pk}", user=user, browser="CH", devices=["DESK"], country="DE"
    )
    for experience in range(3):
        Bucketing.objects.create(
            visitor=visitor, experience_id=f"10012723{experience}", variation_id="1001186427"
        )
    numbers = itertools.count()
    base = {**settings.DJANGO_CONVERT, "DELIVERY": delivery}
    if tracking_url:
        base["TRACKING_URL"] = tracking_url
    with_rule = override_settings(DJANGO_CONVERT={**base, "CONVERSIONS": [RULE]})
    without_rule = override_settings(DJANGO_CONVERT={**base, "CONVERSIONS": []})

    def order() -> None:
        Order.objects.create(
            number=f"B-{user.pk}-{next(numbers)}", user=user, status="paid", total=Decimal("149.99")
        )

    def plain() -> None:
        Plain.objects.create(name="plain")

    floor_sql, floor_params = _floor_statement(connection, visitor.visitor_id)
    floors = itertools.count()

    def order_and_floor_insert() -> None:
        order()
        floor_params[1] = f"F-{user.pk}-{next(floors)}"  # the transaction id
        with connection.cursor() as cursor:
            cursor.execute(floor_sql, floor_params)

    results: list[Result] = []
    vendor = connection.vendor
    if vendor == "sqlite" and os.environ.get("BENCH_SQLITE_WAL"):
        vendor = "sqlite WAL"
    for atomic in (False, True):
        mode = "atomic" if atomic else "autocommit"
        timings: dict[str, list[float]] = {
            "plain": [],
            "order": [],
            "order+floor": [],
            "order+rule": [],
        }
        for _ in range(ROUNDS):  # interleaved, so drift hits every variant alike
            with without_rule:
                timings["plain"].append(_per_save(plain, atomic))
                timings["order"].append(_per_save(order, atomic))
                timings["order+floor"].append(_per_save(order_and_floor_insert, atomic))
            with with_rule:
                timings["order+rule"].append(_per_save(order, atomic))
        with without_rule:
            base_queries = _queries(order, atomic)
        with with_rule:
            before = Conversion.objects.count()
            rule_queries = _queries(order, atomic)
            assert Conversion.objects.count() == before + 1, "the rule did not record"
        median = {name: statistics.median(values) * 1000 for name, values in timings.items()}
        added = median["order+rule"] - median["order"]
        floor = median["order+floor"] - median["order"]
        note = f"{vendor}, {mode}"
        mode = f"{setup}: {mode}"
        results += [
            Result(NAME, f"{mode}: Plain save (no rule)", median["plain"], "ms", note),
            Result(NAME, f"{mode}: Order save, no rule", median["order"], "ms", note),
            Result(NAME, f"{mode}: Order save + conversion", median["order+rule"], "ms", note),
            Result(NAME, f"{mode}: added per save", added, "ms", note),
            Result(NAME, f"{mode}: floor (one plain outbox INSERT)", floor, "ms", note),
            Result(NAME, f"{mode}: added above the floor", added - floor, "ms", note),
            Result(
                NAME,
                f"{mode}: ratio with/without rule",
                median["order+rule"] / median["order"],
                "x",
                note,
            ),
            Result(
                NAME,
                f"{mode}: extra queries per save",
                rule_queries - base_queries,
                "queries",
                f"{base_queries} -> {rule_queries}",
            ),
        ]
    return results
