"""convert_sweep: conversions made by update(), bulk_create(), bulk_update() or raw SQL are
recorded late, once, at a cost that follows the new rows."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from django_convert.conversions import ConversionRule, register_rule, unregister_rule
from django_convert.conversions.sweep import sweep, sweep_counts
from django_convert.models import Conversion
from tests.fixtures_conversions import GOAL, ORDER_RULE, make_visitor
from tests.testapp.models import Order, Payment

pytestmark = pytest.mark.django_db

GUEST_RULE = {**ORDER_RULE, "visitor": "visitor_id", "products_count": None}


@pytest.fixture
def guest_rule(convert_settings: Any) -> None:
    make_visitor("v-guest")
    convert_settings(CONVERSIONS=[GUEST_RULE])


def transaction_ids() -> list[str]:
    return sorted(Conversion.objects.values_list("transaction_id", flat=True))


def test_update_bulk_update_bulk_create_and_raw_sql_are_caught(guest_rule: None) -> None:
    orders = [Order.objects.create(number=f"N{n}", visitor_id="v-guest") for n in range(4)]
    Order.objects.filter(number="N0").update(status="paid", total=Decimal("12.50"))
    orders[1].status = "paid"
    Order.objects.bulk_update([orders[1]], ["status"])
    Order.objects.bulk_create([Order(number="B1", visitor_id="v-guest", status="paid")])
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(Order._meta.db_table)
        cursor.execute(f"UPDATE {table} SET status = 'paid' WHERE number = %s", ["N2"])
    assert transaction_ids() == []
    [report] = sweep()
    assert (report.missing, report.recorded, report.sql_anti_join) == (4, 4, True)
    assert transaction_ids() == ["B1", "N0", "N1", "N2"]
    assert Conversion.objects.get(transaction_id="N0").amount == Decimal("12.50")
    assert Conversion.objects.get(transaction_id="N0").origin == "CONVERSIONS[0] testapp.Order"
    # Idempotent: a second sweep finds nothing to do.
    [again] = sweep()
    assert (again.missing, again.recorded) == (0, 0)
    assert Conversion.objects.count() == 4


def test_orders_recorded_by_their_save_are_not_touched(guest_rule: None) -> None:
    Order.objects.create(number="S1", visitor_id="v-guest", status="paid")
    [report] = sweep()
    assert report.missing == 0
    assert transaction_ids() == ["S1"]


def test_default_transaction_id_is_computed_in_sql(convert_settings: Any) -> None:
    make_visitor("v-guest")
    convert_settings(CONVERSIONS=[{**GUEST_RULE, "transaction_id": None}])
    saved = Order.objects.create(number="S1", visitor_id="v-guest", status="paid")
    bypassed = Order.objects.create(number="U1", visitor_id="v-guest")
    Order.objects.filter(pk=bypassed.pk).update(status="paid")
    [report] = sweep()
    assert (report.missing, report.sql_anti_join) == (1, True)
    expected = [f"testapp.order:{saved.pk}", f"testapp.order:{bypassed.pk}"]
    assert transaction_ids() == sorted(expected)


def test_window_leaves_out_older_rows(guest_rule: None) -> None:
    Order.objects.create(number="OLD", visitor_id="v-guest")
    Order.objects.update(status="paid", created_at=timezone.now() - timedelta(days=10))
    assert sweep()[0].missing == 0
    assert sweep(days=30)[0].recorded == 1


def test_dry_run_writes_nothing(guest_rule: None) -> None:
    Order.objects.create(number="N1", visitor_id="v-guest")
    Order.objects.update(status="paid")
    [report] = sweep(dry_run=True)
    assert (report.missing, report.recorded) == (1, 0)
    assert not Conversion.objects.exists()


def test_cost_follows_new_rows_not_the_table(guest_rule: None) -> None:
    for n in range(30):  # already converted by their save
        Order.objects.create(number=f"S{n}", visitor_id="v-guest", status="paid")
    for n in range(3):
        Order.objects.create(number=f"U{n}", visitor_id="v-guest")
    Order.objects.filter(number__startswith="U").update(status="paid")
    with CaptureQueriesContext(connection) as queries:
        sweep()
    statements = [q["sql"].split()[0].upper() for q in queries]
    # One SELECT finds the 3 new rows (NOT EXISTS on the outbox), then one INSERT each
    # (after a snapshot SELECT off PostgreSQL/SQLite); savepoints aside.
    work = [verb for verb in statements if verb in ("SELECT", "INSERT", "UPDATE")]
    assert work.count("INSERT") == 3
    assert len(work) <= 1 + 2 * 3


def test_rows_without_visitor_are_noted_once_and_logged_once(
    guest_rule: None, caplog: pytest.LogCaptureFixture
) -> None:
    from django_convert.models import SkippedConversion

    Order.objects.create(number="N1", visitor_id="")
    Order.objects.update(status="paid")
    with caplog.at_level(logging.WARNING, logger="django_convert"):
        [report] = sweep()
    assert (report.missing, report.recorded, report.noted) == (1, 0, 1)
    assert "the order has no visitor" in caplog.text
    assert "noted 1 without a visitor" in caplog.text
    [note] = SkippedConversion.objects.all()
    assert (note.goal_id, note.transaction_id) == (GOAL, "N1")
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="django_convert"):
        [report] = sweep()
    assert (report.missing, report.noted) == (0, 0)
    [line] = caplog.records  # the run's summary, nothing about N1
    assert line.levelname == "INFO"
    assert "N1" not in line.getMessage()


def test_rule_without_a_date_field_is_reported_not_swept(
    convert_settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    convert_settings(
        CONVERSIONS=[{"model": "testapp.Payment", "goal_id": GOAL, "visitor": "order.user"}]
    )
    with caplog.at_level(logging.WARNING, logger="django_convert"):
        [report] = sweep()
    assert "name one with 'sweep_since'" in report.skipped
    assert "NOT swept" in caplog.text


def test_sweep_since_names_the_window_field(convert_settings: Any) -> None:
    make_visitor("v-guest")
    convert_settings(
        CONVERSIONS=[
            {
                "model": "testapp.Payment",
                "goal_id": GOAL,
                "when": {"state": "captured"},
                "visitor": "order.visitor_id",
                "amount": "amount",
                "sweep_since": "order.created_at",
            }
        ]
    )
    order = Order.objects.create(number="N1", visitor_id="v-guest")
    payment = Payment.objects.create(order=order, amount=Decimal("9.99"))
    Payment.objects.update(state="captured")
    [report] = sweep()
    assert report.recorded == 1
    assert Conversion.objects.get().transaction_id == f"testapp.payment:{payment.pk}"


class SweptCodeRule(ConversionRule):
    model = "testapp.Order"
    goal_id = GOAL
    visitor = "visitor_id"

    def should_record(self, instance: Any, *, created: bool, previous: Any) -> bool:
        return bool(instance.status == "paid" and instance.coupon)

    def get_transaction_id(self, instance: Any) -> object:
        return f"coupon-order-{instance.number}"  # known only in Python

    def sweep_queryset(self, since: Any, using: str) -> Any:
        return Order.objects.using(using).filter(created_at__gte=since, status="paid")


class UnsweptCodeRule(ConversionRule):
    model = "testapp.Order"
    goal_id = "100037226"
    visitor = "visitor_id"


@pytest.fixture
def code_rules() -> Iterator[None]:
    make_visitor("v-guest")
    register_rule(SweptCodeRule)
    register_rule(UnsweptCodeRule)
    yield
    unregister_rule(SweptCodeRule)
    unregister_rule(UnsweptCodeRule)


def test_code_rules_are_swept_through_sweep_queryset(code_rules: None) -> None:
    Order.objects.create(number="N1", visitor_id="v-guest")
    Order.objects.create(number="N2", visitor_id="v-guest", coupon="X")
    Order.objects.update(status="paid")
    swept, unswept = sweep()
    assert (swept.recorded, swept.sql_anti_join) == (1, False)
    assert "define sweep_queryset" in unswept.skipped
    swept_goal = Conversion.objects.filter(goal_id=GOAL)
    assert list(swept_goal.values_list("transaction_id", flat=True)) == ["coupon-order-N2"]
    assert sweep()[0].missing == 0  # checked against the outbox in Python: nothing new


def test_command_reports_per_rule(guest_rule: None) -> None:
    Order.objects.create(number="N1", visitor_id="v-guest")
    Order.objects.update(status="paid")
    out = StringIO()
    call_command("convert_sweep", "--dry-run", stdout=out)
    assert "would record 1 conversion(s) (last 7 days by created_at)" in out.getvalue()
    call_command("convert_sweep", "--days", "2", stdout=out)
    assert "recorded 1 conversion(s) (last 2 days by created_at)." in out.getvalue()
    with pytest.raises(CommandError, match="positive"):
        call_command("convert_sweep", "--days", "0")


def test_task_forms_return_counts(guest_rule: None) -> None:
    Order.objects.create(number="N1", visitor_id="v-guest")
    Order.objects.update(status="paid")
    assert sweep_counts() == {
        "rules": 1,
        "skipped_rules": 0,
        "recorded": 1,
        "noted": 0,
        "not_recorded": 0,
        "undated": 0,
    }
    celery = pytest.importorskip("django_convert.delivery.celery")
    Order.objects.create(number="N2", visitor_id="v-guest")
    Order.objects.filter(number="N2").update(status="paid")
    assert celery.sweep_conversions()["recorded"] == 1  # a plain call runs it in-process


def test_django_tasks_task_sweeps(guest_rule: None) -> None:
    try:
        from django_convert.delivery.tasks import sweep_conversions_task
    except ImproperlyConfigured:
        pytest.skip("no Django Tasks framework installed")
    Order.objects.create(number="N1", visitor_id="v-guest")
    Order.objects.update(status="paid")
    assert sweep_conversions_task.call(30)["recorded"] == 1
    assert transaction_ids() == ["N1"]


def test_update_fields_of_a_deferred_load_judge_the_stored_row(guest_rule: None) -> None:
    """A save of an instance loaded with only() writes only the loaded fields."""
    Order.objects.create(number="N1", visitor_id="v-guest")
    partial = Order.objects.only("pk", "coupon", "visitor_id", "number").get()
    partial.coupon = "X"
    partial.save()  # update_fields = the loaded fields: status is read from the row
    assert transaction_ids() == []
    Order.objects.update(status="paid")
    partial.save()
    assert transaction_ids() == ["N1"]


def test_disabled_sweeps_nothing(
    guest_rule: None, convert_settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    Order.objects.create(number="N1", visitor_id="v-guest")
    Order.objects.update(status="paid")
    convert_settings(CONVERSIONS=[GUEST_RULE], ENABLED=False)
    with caplog.at_level(logging.WARNING, logger="django_convert"):
        assert sweep() == []
    assert "ENABLED is False" in caplog.text
