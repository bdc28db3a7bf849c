"""A rule judges what was saved (update_fields), and a pending conversion's values follow
later saves of its instance until it is sent."""

from __future__ import annotations

import logging
import threading
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from django_convert.delivery import deliver_due
from django_convert.models import Conversion
from tests.fixtures_conversions import GOAL, ORDER_RULE, make_visitor
from tests.testapp.models import Order, OrderItem

pytestmark = pytest.mark.django_db

GUEST_RULE = {**ORDER_RULE, "visitor": "visitor_id"}


@pytest.fixture
def guest_rule(convert_settings: Any) -> None:
    make_visitor("v-guest")
    convert_settings(CONVERSIONS=[GUEST_RULE])


# update_fields ---------------------------------------------------------------------------


def test_unsaved_when_field_is_judged_on_the_stored_row(guest_rule: None) -> None:
    order = Order.objects.create(number="N1", visitor_id="v-guest")  # stored: "new"
    order.status = "paid"
    order.coupon = "SPRING"
    order.save(update_fields=["coupon"])  # the status was not saved
    assert Order.objects.get().status == "new"
    assert not Conversion.objects.exists()


def test_when_field_in_update_fields_is_judged_in_memory(guest_rule: None) -> None:
    order = Order.objects.create(number="N1", visitor_id="v-guest")
    order.status = "paid"
    with CaptureQueriesContext(connection) as queries:
        order.save(update_fields=["status"])
    assert Conversion.objects.get().transaction_id == "N1"
    # No stored-value SELECT of the order (the products count reads its items, as always).
    assert not any('FROM "testapp_order" ' in q["sql"] for q in queries)


def test_stored_paid_row_counts_although_memory_says_otherwise(guest_rule: None) -> None:
    Order.objects.create(number="N1", visitor_id="v-guest")
    Order.objects.filter(number="N1").update(status="paid")  # bypasses post_save
    stale = Order.objects.get()
    stale.status = "new"  # an instance loaded earlier, out of date
    stale.coupon = "X"
    stale.save(update_fields=["coupon"])
    assert Conversion.objects.get().transaction_id == "N1"


def test_property_in_when_says_why_it_is_judged_in_memory(
    convert_settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    make_visitor("v-guest")
    convert_settings(CONVERSIONS=[{**GUEST_RULE, "when": {"items_count": 0, "status": "paid"}}])
    order = Order.objects.create(number="N1", visitor_id="v-guest", status="paid")
    Conversion.objects.all().delete()
    with caplog.at_level(logging.WARNING, logger="django_convert"):
        order.save(update_fields=["coupon"])
    assert Conversion.objects.exists()
    assert "'items_count' judged on the instance in memory" in caplog.text
    assert "update_fields=['coupon']" in caplog.text


# Values stay current until sent --------------------------------------------------------------


def test_lines_and_total_saved_after_the_paid_order_reach_convert(
    guest_rule: None, convert_server: Any, convert_settings: Any
) -> None:
    """django-oscar's order, or a webhook's: created paid, lines and total saved after."""
    convert_settings(TRACKING_URL=convert_server.url)
    with transaction.atomic():
        order = Order.objects.create(number="N1", visitor_id="v-guest", status="paid")
        OrderItem.objects.bulk_create(OrderItem(order=order, name=f"line {n}") for n in range(3))
        order.total = Decimal("30.00")
        order.save()
    stored = Conversion.objects.get()
    assert (stored.amount, stored.products_count) == (Decimal("30.00"), 3)
    deliver_due()
    [sent] = convert_server.accepted_conversions()
    assert {"key": "amount", "value": 30.0} in sent["goalData"]
    assert {"key": "productsCount", "value": 3} in sent["goalData"]


def test_snapshot_stays_the_first(guest_rule: None) -> None:
    order = Order.objects.create(number="N1", visitor_id="v-guest", status="paid")
    first = Conversion.objects.get()
    Conversion.objects.filter(pk=first.pk).update(bucketing={"1": "2"})  # what they saw
    order.total = Decimal("5")
    order.coupon = "LATE"
    order.save()
    conversion = Conversion.objects.get()
    assert conversion.amount == Decimal("5")
    assert conversion.bucketing == {"1": "2"}


@pytest.mark.parametrize("status", ["sending", "sent", "failed"])
def test_row_that_left_the_outbox_is_never_changed(
    guest_rule: None, status: str, caplog: pytest.LogCaptureFixture
) -> None:
    order = Order.objects.create(number="N1", visitor_id="v-guest", status="paid", total=1)
    Conversion.objects.update(status=status)
    order.total = Decimal("99")
    with caplog.at_level(logging.WARNING, logger="django_convert"):
        order.save()
    assert Conversion.objects.get().amount == Decimal("1")
    assert f"changed after it left the outbox (status {status})" in caplog.text


def test_claim_between_read_and_update_wins(
    guest_rule: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A worker claims the row after the save read it as pending: the UPDATE is
    conditional on status='pending', so what the worker sends is not changed."""
    from django_convert.conversions import record as record_module

    order = Order.objects.create(number="N1", visitor_id="v-guest", status="paid", total=1)
    real_existing = record_module.Conversion.objects.using

    def claim_then_read(alias: str) -> Any:
        Conversion.objects.filter(status="pending").update(status="sending")  # the worker
        return real_existing(alias)

    order.total = Decimal("99")
    queryset = record_module.Conversion.objects
    monkeypatch.setattr(type(queryset), "using", lambda self, alias: claim_then_read(alias))
    stale = Conversion.objects.get()
    Conversion.objects.filter(pk=stale.pk).update(status="pending")
    with caplog.at_level(logging.WARNING, logger="django_convert"):
        order.save()
    monkeypatch.undo()
    conversion = Conversion.objects.get()
    assert (conversion.status, conversion.amount) == ("sending", Decimal("1"))
    assert "changed after it left the outbox" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_worker_holding_the_claim_wins_over_a_concurrent_resave(
    on_postgres: None, guest_rule: None, caplog: pytest.LogCaptureFixture
) -> None:
    """Real concurrency: a worker's claim holds the row locked while the order is saved
    again with a new total; the conditional UPDATE waits, then finds it no longer pending."""
    order = Order.objects.create(number="N1", visitor_id="v-guest", status="paid", total=1)
    claimed, release = threading.Event(), threading.Event()

    def worker() -> None:
        try:
            with transaction.atomic():
                Conversion.objects.filter(status="pending").update(status="sending")
                claimed.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=worker)
    thread.start()
    assert claimed.wait(10)
    threading.Timer(0.5, release.set).start()  # the claim commits while the save waits
    order.total = Decimal("99")
    with caplog.at_level(logging.WARNING, logger="django_convert"):
        order.save()
    thread.join(10)
    conversion = Conversion.objects.get()
    assert (conversion.status, conversion.amount) == ("sending", Decimal("1"))
    assert "changed after it left the outbox (status" in caplog.text


def test_unchanged_resave_writes_nothing(guest_rule: None) -> None:
    order = Order.objects.create(number="N1", visitor_id="v-guest", status="paid")
    with CaptureQueriesContext(connection) as queries:
        order.save()
    assert not any(q["sql"].startswith("UPDATE") and "django_convert" in q["sql"] for q in queries)


def test_goal_of_a_resave_is_the_same_row(guest_rule: None) -> None:
    order = Order.objects.create(number="N1", visitor_id="v-guest", status="paid")
    order.save()
    assert Conversion.objects.filter(goal_id=GOAL).count() == 1
