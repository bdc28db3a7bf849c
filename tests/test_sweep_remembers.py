"""A sweep that remembers: what can never record is noted once and not looked at again,
each run logs one line, and the interval holds for the whole site, not per process."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from django_convert.conversions.schedule import claimed, seconds_until_due
from django_convert.conversions.sweep import sweep, sweep_if_due
from django_convert.models import Conversion, PeriodicRun, SkippedConversion
from tests.fixtures_conversions import ORDER_RULE
from tests.testapp.models import Order

GUEST_RULE = {**ORDER_RULE, "visitor": "visitor_id", "products_count": None}
VISITOR_LESS = 3000


def paid_orders(count: int, prefix: str, visitor_id: str = "") -> None:
    """Orders paid by ``update()`` (no post_save): what only the sweep can catch."""
    Order.objects.bulk_create(
        Order(number=f"{prefix}{n}", visitor_id=visitor_id, total=Decimal("9"))
        for n in range(count)
    )
    Order.objects.filter(number__startswith=prefix).update(status="paid")


def database_queries(run: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        run()
    return len([q for q in queries if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE"))])


@pytest.mark.django_db
def test_thousands_of_visitor_less_orders_are_logged_once_then_cost_nothing(
    convert_settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    convert_settings(CONVERSIONS=[GUEST_RULE])
    empty_window = database_queries(sweep)  # the floor: nothing in the window
    paid_orders(VISITOR_LESS, "EU-")  # no consent: no visitor id on these orders
    paid_orders(2, "OK-", visitor_id="v-guest")

    with caplog.at_level(logging.INFO, logger="django_convert"):
        [first] = sweep()
    assert (first.recorded, first.noted) == (2, VISITOR_LESS)
    per_order = [r for r in caplog.records if "the order has no visitor" in r.getMessage()]
    assert len(per_order) == VISITOR_LESS  # one WARNING per order ...
    assert {r.levelname for r in per_order} == {"WARNING"}
    assert len({r.getMessage() for r in per_order}) == VISITOR_LESS  # ... each naming its own
    [summary] = [r for r in caplog.records if r.getMessage().startswith("convert_sweep (")]
    assert f"noted {VISITOR_LESS} without a visitor" in summary.getMessage()
    assert SkippedConversion.objects.count() == VISITOR_LESS

    caplog.clear()
    with caplog.at_level(logging.INFO, logger="django_convert"):
        second = database_queries(sweep)
    [line] = caplog.records  # ... once: the next run says one line, and nothing per order
    assert "recorded 0" in line.getMessage()
    assert "noted 0" in line.getMessage()
    assert second == empty_window  # flat: the noted rows cost no query
    assert Conversion.objects.count() == 2


@pytest.mark.django_db
def test_a_later_save_with_a_visitor_still_records_a_noted_order(convert_settings: Any) -> None:
    convert_settings(CONVERSIONS=[GUEST_RULE])
    paid_orders(1, "EU-")
    sweep()
    order = Order.objects.get()
    order.visitor_id = "v-consented-later"
    order.save()
    assert Conversion.objects.get().transaction_id == "EU-0"


@pytest.mark.django_db
def test_the_interval_is_claimed_once_for_the_site(convert_settings: Any) -> None:
    convert_settings(SWEEP_INTERVAL=3600, CONVERSIONS=[GUEST_RULE])
    assert sweep_if_due() is not None  # first ever: claimed
    assert sweep_if_due() is None  # any process, within the hour: not its turn
    assert 3590 < seconds_until_due("sweep", 3600) <= 3600
    run = PeriodicRun.objects.get(name="sweep")
    assert run.finished_at is not None
    assert run.result["rules"] == 1
    PeriodicRun.objects.update(started_at=timezone.now() - timedelta(hours=1, seconds=1))
    assert sweep_if_due() is not None
    convert_settings(SWEEP_INTERVAL=0)
    PeriodicRun.objects.update(started_at=timezone.now() - timedelta(days=1))
    assert sweep_if_due() is None  # 0 turns it off


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("concurrent_db")
def test_racing_processes_claim_the_interval_once() -> None:
    from tests.races import in_threads

    wins: list[bool] = []

    def claim(barrier: Any) -> None:
        barrier.wait()
        with claimed("race", 60) as run:
            wins.append(run is not None)
            time.sleep(0.05)

    in_threads(claim, 6, timeout=30)
    assert sorted(wins) == [False] * 5 + [True]


# Recycled workers: real gunicorn with --max-requests ---------------------------------------

pytest.importorskip("tests.test_delivery_servers")
from tests.test_delivery_servers import (  # noqa: E402
    BIN,
    HAVE_GUNICORN,
    server_env,
    start_server,  # noqa: F401  (the fixture)
)


@pytest.mark.servers
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not HAVE_GUNICORN, reason="gunicorn is not installed (the servers extra)")
def test_recycled_gunicorn_workers_sweep_once_per_interval(
    convert_server: Any,
    start_server: Any,  # noqa: F811  (the fixture imported above)
    tmp_path: Path,
) -> None:
    """gunicorn --max-requests 2 recycles each worker after two requests: every new worker
    starts its delivery thread, whose loop runs the periodic jobs at once. The sweep still
    runs once for the hour, and the order it cannot record is logged once."""
    paid_orders(1, "EU-")  # no visitor: each sweep would log it
    server = start_server(
        [
            str(BIN / "gunicorn"),
            "-w",
            "2",
            "--max-requests",
            "2",
            "-b",
            "127.0.0.1:{port}",
            "tests.wsgi_server:application",
        ],
        server_env(convert_server, POLL_SECONDS=0.2, SWEEP_INTERVAL=3600),
    )
    pids = set()
    for _ in range(16):
        pids.add(server.get("/ping/")["pid"])
        time.sleep(0.4)  # give each new worker's thread the time to run its jobs
    time.sleep(1)
    server.stop()
    assert len(pids) >= 6, pids  # the workers were recycled many times
    log = server.log
    assert log.count("convert_sweep (last") == 1, log
    assert log.count("the order has no visitor") == 1, log
    assert SkippedConversion.objects.count() == 1
