"""Request-path cost of recording a conversion: an Order save with a rule vs without.

The baseline is the very same Order save with no rule configured (same table, same
columns), so the difference is what recording adds: the visitor+bucketing SELECT, the
outbox INSERT (in a savepoint inside a transaction) and the Python around them. A save of
``Plain`` (a model no rule names) is shown for reference. Both autocommit (a view without
ATOMIC_REQUESTS) and one transaction per save (ATOMIC_REQUESTS) are measured.

Delivery is "manual" by default: nothing is sent, so the figure is the recording cost
alone. ``BENCH_DELIVERY=background python -m benchmarks bench_request_path`` measures
another mode (recording itself never talks to Convert; delivery runs after commit).
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
DELIVERY = os.environ.get("BENCH_DELIVERY", "manual")
SAVES_PER_ROUND = 300
ROUNDS = 9

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


def run() -> list[Result]:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import override_settings

    from django_convert.models import Bucketing, Conversion, Visitor
    from tests.testapp.models import Order, Plain

    user = get_user_model().objects.create_user("bench-buyer")
    visitor = Visitor.objects.create(
        visitor_id="v-bench", user=user, browser="CH", devices=["DESK"], country="DE"
    )
    for experience in range(3):
        Bucketing.objects.create(
            visitor=visitor, experience_id=f"10012723{experience}", variation_id="1001186427"
        )
    numbers = itertools.count()
    base = {**settings.DJANGO_CONVERT, "DELIVERY": DELIVERY}
    with_rule = override_settings(DJANGO_CONVERT={**base, "CONVERSIONS": [RULE]})
    without_rule = override_settings(DJANGO_CONVERT={**base, "CONVERSIONS": []})

    def order() -> None:
        Order.objects.create(
            number=f"B-{next(numbers)}", user=user, status="paid", total=Decimal("149.99")
        )

    def plain() -> None:
        Plain.objects.create(name="plain")

    results: list[Result] = []
    vendor = connection.vendor
    for atomic in (False, True):
        mode = "atomic" if atomic else "autocommit"
        timings: dict[str, list[float]] = {"plain": [], "order": [], "order+rule": []}
        for _ in range(ROUNDS):  # interleaved, so drift hits every variant alike
            with without_rule:
                timings["plain"].append(_per_save(plain, atomic))
                timings["order"].append(_per_save(order, atomic))
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
        note = f"{vendor}, {mode}, DELIVERY={DELIVERY}"
        results += [
            Result(NAME, f"{mode}: Plain save (no rule)", median["plain"], "ms", note),
            Result(NAME, f"{mode}: Order save, no rule", median["order"], "ms", note),
            Result(NAME, f"{mode}: Order save + conversion", median["order+rule"], "ms", note),
            Result(NAME, f"{mode}: added per save", added, "ms", note),
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
