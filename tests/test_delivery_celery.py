"""DELIVERY="celery": a real Celery worker on the local Redis (database 5) delivers to the
local stand-in; publishing never breaks or slows the request."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any

import pytest
from celery import Celery

from django_convert.models import Conversion
from tests.fixtures_convert import make_conversions
from tests.fixtures_dispatch import CELERY_QUEUE

pytestmark = [
    pytest.mark.celery,
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("tests.delivery_urls"),
]


def wait_for(
    condition: Callable[[], bool], timeout: float = 15.0, what: str = "", log: Any = None
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            # The worker's log as it is now, not as it was when waiting began.
            raise AssertionError(
                f"timed out waiting for {what or condition}\n{log.log if log else ''}"
            )
        time.sleep(0.05)


def checkout(client, order: str = "ORDER-1") -> float:
    started = time.monotonic()
    response = client.post("/checkout/", {"order": order})
    assert response.status_code == 200
    return time.monotonic() - started


def row(order: str = "ORDER-1") -> Conversion:
    return Conversion.objects.get(transaction_id=order)


def test_checkout_publishes_a_task_that_a_celery_worker_delivers(
    client, convert_server, convert_settings, celery_worker
) -> None:
    worker = celery_worker(convert_server)
    convert_settings(DELIVERY="celery", CELERY_QUEUE=CELERY_QUEUE)
    convert_server.latency = 3.0
    # Publishing is one Redis command; Convert (3 s) is not waited for, even on a busy machine.
    assert checkout(client) < 1.5
    wait_for(lambda: row().status == "sent", what="the worker to send it\n" + worker.log)
    assert convert_server.accepted_transaction_ids() == ["ORDER-1"]
    assert row().attempts == 1
    assert "django_convert.deliver_conversions" in worker.log


def test_a_task_run_twice_sends_nothing_twice_and_sweeps_what_is_due(
    convert_server, convert_settings, celery_worker
) -> None:
    from django_convert.delivery.celery import enqueue_delivery

    convert_settings(DELIVERY="celery", CELERY_QUEUE=CELERY_QUEUE)
    mine = [c.pk for c in make_conversions(3)]
    make_conversions(2, start=3)  # due, but no task of their own (e.g. backed off earlier)
    enqueue_delivery(mine)
    enqueue_delivery(mine)  # a duplicate message, as acks_late redelivery can produce
    worker = celery_worker(convert_server)
    wait_for(lambda: len(worker.succeeded()) == 2, what="both tasks\n" + worker.log)
    first, second = worker.succeeded()
    assert "'sent': 5" in first  # its own three, then the two others due
    assert "'sent': 0" in second
    assert sorted(convert_server.accepted_transaction_ids()) == [f"ORDER-{n}" for n in range(5)]
    assert set(Conversion.objects.values_list("status", "attempts")) == {("sent", 1)}


def test_a_worker_killed_mid_task_loses_nothing(
    convert_server, convert_settings, celery_worker
) -> None:
    from django_convert.delivery.celery import enqueue_delivery

    # acks_late: the message of a task whose worker died is delivered again after Redis's
    # visibility timeout. The rows the dead worker had claimed are due again 5 s after
    # their lease (TAKEOVER_GRACE), which must come first for the redelivered task to
    # send them.
    convert = {"LEASE_SECONDS": 7, "TIMEOUT": 2.5}  # the shortest lease the checks allow
    redelivery = {
        "CELERY_BROKER_TRANSPORT_OPTIONS": json.dumps(
            {"visibility_timeout": 14, "unacked_restore_interval": 1, "unacked_restore_throttle": 1}
        )
    }
    convert_settings(DELIVERY="celery", CELERY_QUEUE=CELERY_QUEUE, **convert)
    pks = [c.pk for c in make_conversions(3)]
    convert_server.latency = 2.0
    first = celery_worker(convert_server, redelivery, **convert)
    enqueue_delivery(pks)
    wait_for(lambda: len(convert_server.received) == 1, what="the request", log=first)
    first.kill()  # mid-request: Convert's answer is never read, the message never acked
    assert set(Conversion.objects.values_list("status", flat=True)) == {"sending"}

    convert_server.latency = 0.0
    second = celery_worker(convert_server, redelivery, **convert)
    wait_for(
        lambda: set(Conversion.objects.values_list("status", flat=True)) == {"sent"},
        timeout=30,
        what="the redelivered task",
        log=second,
    )
    assert "django_convert.deliver_conversions" in second.log  # the same message, again
    assert convert_server.received[0].client_gone
    # The stand-in counts a request whose client hung up as not accepted; a real Convert
    # may have counted it (delivery is at-least-once).
    assert sorted(convert_server.accepted_transaction_ids()) == [f"ORDER-{n}" for n in range(3)]
    assert set(Conversion.objects.values_list("attempts", flat=True)) == {2}


def test_deliver_due_task_for_celery_beat(convert_server, celery_worker) -> None:
    from django_convert.delivery.celery import deliver_due

    make_conversions(4)
    worker = celery_worker(convert_server)
    deliver_due.apply_async(queue=CELERY_QUEUE)
    wait_for(lambda: worker.succeeded(), what="the task\n" + worker.log)
    assert "'sent': 4" in worker.succeeded()[0]
    assert len(convert_server.accepted_transaction_ids()) == 4


def test_checkout_succeeds_while_convert_and_the_broker_are_unreachable(
    client, convert_settings, celery_app, caplog
) -> None:
    # Celery would let a CELERY_BROKER_URL variable override this broker (tests/settings.py
    # removes it); the closed port must be the one used.
    assert "CELERY_BROKER_URL" not in os.environ
    down = Celery("down", broker="redis://127.0.0.1:9/5", set_as_current=False)
    down.set_current()
    try:
        convert_settings(DELIVERY="celery", TRACKING_URL="http://127.0.0.1:9/v1/track")
        assert checkout(client) < 1.0
    finally:
        celery_app.set_current()
    assert "Could not publish a Celery delivery of conversion(s)" in caplog.text
    assert "127.0.0.1:9" in caplog.text
    assert (row().status, row().attempts) == ("pending", 0)  # still in the outbox


def test_without_celery_the_error_says_what_to_install(
    client, convert_settings, caplog, monkeypatch
) -> None:
    monkeypatch.setitem(sys.modules, "celery", None)  # import fails as if not installed
    monkeypatch.delitem(sys.modules, "django_convert.delivery.celery", raising=False)
    convert_settings(DELIVERY="celery")
    checkout(client)
    assert "pip install 'django-convert[celery]'" in caplog.text
    assert row().status == "pending"


@pytest.mark.celery
def test_the_tests_refuse_to_empty_a_redis_database_holding_foreign_keys() -> None:
    import redis
    from django.conf import settings

    from tests.fixtures_dispatch import empty_test_redis

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2)
    client.set("someone-elses-session", "keep me")
    try:
        with pytest.raises(pytest.fail.Exception, match="DJANGO_CONVERT_TEST_REDIS_URL"):
            empty_test_redis(settings.CELERY_BROKER_URL)
        assert client.get("someone-elses-session") == b"keep me"
    finally:
        client.delete("someone-elses-session")
    empty_test_redis(settings.CELERY_BROKER_URL)  # only the tests' own keys: emptied
    assert client.dbsize() == 0
