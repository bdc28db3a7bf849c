"""Orders to Convert, end to end: the recording layer's rule writes the outbox row, the
delivery layer sends it to the local stand-in."""

from __future__ import annotations

import time
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import transaction

from django_convert.delivery import deliver_due
from django_convert.models import Conversion
from tests.fixtures_conversions import BUCKETING, GOAL, SEGMENTS
from tests.fixtures_dispatch import (
    CELERY_QUEUE,
    TASK_QUEUE,
    db_backend_missing,
    needs_tasks_framework,
)
from tests.testapp.models import Order, OrderItem

pytestmark = pytest.mark.django_db(transaction=True)

UNREACHABLE = "http://127.0.0.1:9/v1/track"


def pay(buyer, number: str = "ORDER-12345") -> Order:
    """What a checkout view does: create the order, then mark it paid, in one transaction."""
    with transaction.atomic():
        order = Order.objects.create(number=number, user=buyer, total=Decimal("149.99"))
        OrderItem.objects.bulk_create(OrderItem(order=order, name=f"item {n}") for n in range(3))
        order.status = "paid"
        order.save()
    return order


def wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_paid_order_reaches_convert_once_with_its_snapshot(
    buyer, order_rule, convert_server, convert_settings
) -> None:
    convert_settings(DELIVERY="immediate")
    pay(buyer)
    assert Conversion.objects.get().status == "sent"
    [conversion] = convert_server.accepted_conversions()
    assert conversion == {
        "visitorId": "v-7f3a9c",
        "segments": SEGMENTS,
        "goalId": GOAL,
        "goalData": [
            {"key": "amount", "value": 149.99},
            {"key": "productsCount", "value": 3},
            {"key": "transactionId", "value": "ORDER-12345"},
        ],
        "bucketingData": BUCKETING,
    }
    assert b'{"key":"amount","value":149.99}' in convert_server.received[0].raw


def test_rolled_back_order_sends_nothing(
    buyer, order_rule, convert_server, convert_settings
) -> None:
    convert_settings(DELIVERY="immediate")

    def checkout_declined() -> None:
        with transaction.atomic():
            Order.objects.create(number="ORDER-1", user=buyer, total=Decimal(10), status="paid")
            raise RuntimeError("payment declined")

    with pytest.raises(RuntimeError, match="declined"):
        checkout_declined()
    assert not Conversion.objects.exists()
    assert deliver_due().claimed == 0
    assert convert_server.received == []


def test_saving_twice_sends_once(buyer, order_rule, convert_server, convert_settings) -> None:
    convert_settings(DELIVERY="immediate")
    order = pay(buyer)
    order.save()
    Order.objects.get(pk=order.pk).save()
    deliver_due()
    assert convert_server.accepted_transaction_ids() == ["ORDER-12345"]


def test_many_orders_go_out_in_few_requests(buyer, order_rule, convert_server) -> None:
    for n in range(50):  # DELIVERY="manual": queued, then one convert_deliver run
        pay(buyer, f"ORDER-{n}")
    report = deliver_due()
    assert (report.sent, report.requests) == (50, 1)
    assert sorted(convert_server.accepted_transaction_ids()) == sorted(
        f"ORDER-{n}" for n in range(50)
    )


@pytest.mark.parametrize(
    "mode",
    [
        "background",
        "immediate",
        "manual",
        pytest.param("task", marks=needs_tasks_framework),
        pytest.param("celery", marks=pytest.mark.celery),
    ],
)
def test_checkout_succeeds_while_convert_is_unreachable(
    buyer, order_rule, convert_settings, fresh_worker, mode, request
) -> None:
    unreachable = {"TRACKING_URL": UNREACHABLE, "TIMEOUT": 1.0, "RETRY_BASE_DELAY": 60.0}
    convert_settings(DELIVERY=mode, TASK_QUEUE=TASK_QUEUE, CELERY_QUEUE=CELERY_QUEUE, **unreachable)
    if mode == "celery":  # a real worker, as unable to reach Convert as the web process
        request.getfixturevalue("celery_worker")(SimpleNamespace(url=UNREACHABLE), **unreachable)
    started = time.monotonic()
    order = pay(buyer)
    assert time.monotonic() - started < 1.0
    assert Order.objects.get(pk=order.pk).status == "paid"
    conversion = Conversion.objects.get()
    if mode == "task" and db_backend_missing() is None:  # queued; a real db_worker tries it
        assert (conversion.status, conversion.attempts) == ("pending", 0)
        done = request.getfixturevalue("db_worker")(SimpleNamespace(url=UNREACHABLE), **unreachable)
        assert done.returncode == 0, done.stderr
    if mode == "manual":
        assert (conversion.status, conversion.attempts) == ("pending", 0)
    else:  # tried once (in the request, by the worker thread or a task), queued for a retry
        # Claimed ("sending", attempts 1) first, then the outcome: wait for the outcome.
        wait_for(lambda: Conversion.objects.get().last_error != "")
        conversion = Conversion.objects.get()
        assert (conversion.status, conversion.attempts) == ("pending", 1)
        assert "Could not reach Convert" in conversion.last_error
