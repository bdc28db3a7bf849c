"""Claiming due rows from real threads: disjoint batches, and no waiting on a busy row."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from django_convert.delivery.claim import claim_due
from tests.fixtures_convert import make_conversions
from tests.races import in_threads

pytestmark = [pytest.mark.concurrent_db, pytest.mark.django_db(transaction=True)]


def test_threads_claiming_at_once_never_claim_a_row_twice() -> None:
    make_conversions(60)
    claimed: list[int] = []

    def worker(barrier: threading.Barrier) -> None:
        barrier.wait(timeout=10)
        while rows := claim_due(4).rows:
            claimed.extend(row.pk for row in rows)

    in_threads(worker, 6, timeout=60)
    assert len(claimed) == 60
    assert Counter(claimed).most_common(1)[0][1] == 1


def test_a_claim_skips_rows_another_transaction_is_claiming() -> None:
    if not connection.features.has_select_for_update_skip_locked:
        pytest.skip(
            f"{connection.vendor} locks the whole database for a write: a second claim waits "
            "for the first (its single UPDATE keeps them disjoint: see the test above)"
        )
    rows = make_conversions(6)
    holding, release = threading.Event(), threading.Event()
    first: list[Any] = []

    def claim_and_hold() -> None:
        try:
            with transaction.atomic():
                first.extend(claim_due(2).rows)
                holding.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=claim_and_hold)
    holder.start()
    try:
        assert holding.wait(timeout=30)
        started = time.monotonic()
        with CaptureQueriesContext(connection) as queries:
            second = claim_due(10).rows
        waited = time.monotonic() - started
    finally:
        release.set()
        holder.join(timeout=60)
    assert [row.pk for row in first] == [row.pk for row in rows[:2]]
    # The rows locked by the open claim are skipped at once, not waited for.
    assert [row.pk for row in second] == [row.pk for row in rows[2:]]
    assert waited < 2, [query["sql"] for query in queries]
