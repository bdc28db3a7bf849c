"""Rules: declarative ones from settings and code rules, fired by model saves."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.db import OperationalError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from django_convert.conversions import ConversionRule, register_rule, unregister_rule
from django_convert.conversions import record as record_module
from django_convert.models import Conversion
from django_convert.signals import conversion_recorded
from tests.fixtures_conversions import BUCKETING, GOAL, ORDER_RULE, SEGMENTS, make_visitor
from tests.races import in_threads
from tests.testapp.models import GiftOrder, Order, OrderItem, Payment, Plain, ShopOrder

pytestmark = pytest.mark.django_db


def paid_order(user: Any, number: str = "ORDER-12345", **fields: Any) -> Order:
    order = Order.objects.create(number=number, user=user, total=Decimal("149.99"), **fields)
    for name in ("a", "b", "c"):
        OrderItem.objects.create(order=order, name=name)
    order.status = "paid"
    order.save()
    return order


def sql_verbs(queries: CaptureQueriesContext) -> list[str]:
    return [query["sql"].split()[0].upper() for query in queries]


# Declarative rules ---------------------------------------------------------------------


def test_paid_order_records_one_conversion(buyer: Any, order_rule: Any) -> None:
    order = paid_order(buyer)
    conversion = Conversion.objects.get()
    assert conversion.goal_id == GOAL
    assert conversion.visitor_id == "v-7f3a9c"
    assert conversion.bucketing == BUCKETING
    assert conversion.segments == SEGMENTS
    assert conversion.origin == "CONVERSIONS[0] testapp.Order"
    assert conversion.goal_data() == [
        {"key": "amount", "value": Decimal("149.99")},
        {"key": "productsCount", "value": 3},
        {"key": "transactionId", "value": order.number},
    ]


def test_when_must_hold(buyer: Any, order_rule: Any) -> None:
    order = Order.objects.create(number="N1", user=buyer)
    assert not Conversion.objects.exists()
    order.status = "shipped"
    order.save()
    assert not Conversion.objects.exists()


def test_saving_again_records_once_with_the_latest_values(buyer: Any, order_rule: Any) -> None:
    order = paid_order(buyer)
    order.total = Decimal("10")
    order.save()
    Order.objects.get(pk=order.pk).save()
    conversion = Conversion.objects.get()
    assert conversion.amount == Decimal("10")  # pending: a later save's values are current


def test_proxy_model_saves_use_the_concrete_models_rules(buyer: Any, order_rule: Any) -> None:
    ShopOrder.objects.create(number="N1", user=buyer, status="paid")
    assert Conversion.objects.get().transaction_id == "N1"


def test_proxy_and_concrete_saves_of_one_order_are_one_transaction(
    buyer: Any, convert_settings: Any
) -> None:
    """The default transaction id names the rule's model, not the proxy the admin used."""
    convert_settings(CONVERSIONS=[{**ORDER_RULE, "transaction_id": None}])
    order = ShopOrder.objects.create(number="N1", user=buyer, status="paid")
    Order.objects.get(pk=order.pk).save()
    assert list(Conversion.objects.values_list("transaction_id", flat=True)) == [
        f"testapp.order:{order.pk}"
    ]


def test_multi_table_child_saves_use_the_parents_rules(buyer: Any, convert_settings: Any) -> None:
    convert_settings(CONVERSIONS=[{**ORDER_RULE, "transaction_id": None}])
    gift = GiftOrder.objects.create(number="G1", user=buyer, status="paid", message="hi")
    Order.objects.get(pk=gift.pk).save()  # the same order, saved as its parent
    conversion = Conversion.objects.get()
    assert conversion.transaction_id == f"testapp.order:{gift.pk}"
    assert conversion.origin == "CONVERSIONS[0] testapp.Order"


def test_rolled_back_save_keeps_no_conversion(buyer: Any, order_rule: Any) -> None:
    def checkout() -> None:
        with transaction.atomic():
            paid_order(buyer)
            assert Conversion.objects.count() == 1
            raise RuntimeError("payment declined")

    with pytest.raises(RuntimeError):
        checkout()
    assert not Order.objects.exists()
    assert not Conversion.objects.exists()


def test_default_transaction_id_is_label_and_pk(buyer: Any, convert_settings: Any) -> None:
    convert_settings(CONVERSIONS=[{"model": "testapp.Order", "goal_id": GOAL, "visitor": "user"}])
    order = Order.objects.create(number="N1", user=buyer)
    assert Conversion.objects.get().transaction_id == f"testapp.order:{order.pk}"


def test_visitor_id_field(convert_settings: Any) -> None:
    make_visitor("v-guest")
    convert_settings(CONVERSIONS=[{**ORDER_RULE, "visitor": "visitor_id"}])
    Order.objects.create(number="N1", visitor_id="v-guest", status="paid")
    conversion = Conversion.objects.get()
    assert (conversion.visitor_id, conversion.bucketing) == ("v-guest", BUCKETING)


@pytest.mark.parametrize(("visitor_path", "fields"), [("user", {}), ("visitor_id", {})])
def test_no_visitor_records_nothing_and_warns(
    convert_settings: Any, caplog: pytest.LogCaptureFixture, visitor_path: str, fields: Any
) -> None:
    convert_settings(CONVERSIONS=[{**ORDER_RULE, "visitor": visitor_path}])
    with caplog.at_level(logging.WARNING, logger="django_convert"):
        order = Order.objects.create(number="N1", status="paid", **fields)
    assert Order.objects.filter(pk=order.pk).exists()
    assert not Conversion.objects.exists()
    [record] = [r for r in caplog.records if r.name == "django_convert"]
    assert record.levelno == logging.WARNING
    assert f"testapp.Order {order.pk} has no visitor" in record.getMessage()
    assert "made-up id" in record.getMessage()


def test_user_without_visitor_records_nothing_and_warns(
    django_user_model: Any, order_rule: Any, caplog: pytest.LogCaptureFixture
) -> None:
    user = django_user_model.objects.create_user("no-visitor")
    with caplog.at_level(logging.WARNING, logger="django_convert"):
        Order.objects.create(number="N1", user=user, status="paid")
    assert not Conversion.objects.exists()
    assert any("has no Convert visitor" in r.getMessage() for r in caplog.records)


def test_dotted_paths_properties_and_custom_dimensions(buyer: Any, convert_settings: Any) -> None:
    convert_settings(
        CONVERSIONS=[
            {
                "model": "testapp.Payment",
                "goal_id": "200",
                "when": {"state": "captured", "order.status": "paid"},
                "visitor": "order.user",
                "amount": "amount",
                "transaction_id": "reference",
                "custom_dimensions": {1: "order.coupon", "2": "order.number"},
            }
        ]
    )
    order = Order.objects.create(number="N1", user=buyer, status="paid", coupon="SPRING")
    payment = Payment.objects.create(order=order, state="captured", amount=Decimal("5.5"))
    conversion = Conversion.objects.get()
    assert conversion.visitor_id == "v-7f3a9c"
    assert conversion.transaction_id == f"PAY-{payment.pk}"
    assert conversion.amount == Decimal("5.5")
    assert conversion.custom_dimensions == {"1": "SPRING", "2": "N1"}


def test_path_through_an_empty_relation_gives_no_value(convert_settings: Any) -> None:
    make_visitor("v-guest")
    convert_settings(
        CONVERSIONS=[
            {
                **ORDER_RULE,
                "visitor": "visitor_id",
                "amount": "user.convert_visitor.pk",
                "custom_dimensions": {1: "user.username", 2: "number"},
            }
        ]
    )
    Order.objects.create(number="N1", visitor_id="v-guest", status="paid")  # no user
    conversion = Conversion.objects.get()
    assert conversion.amount is None
    assert conversion.custom_dimensions == {"2": "N1"}


def test_bad_data_is_logged_and_the_save_still_succeeds(
    buyer: Any, convert_settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    convert_settings(CONVERSIONS=[{**ORDER_RULE, "custom_dimensions": {1: "coupon"}}])
    with caplog.at_level(logging.ERROR, logger="django_convert"), transaction.atomic():
        order = Order.objects.create(number="N1", user=buyer, status="paid", coupon="x" * 40)
    assert Order.objects.filter(pk=order.pk).exists()
    # Only the unusable dimension is dropped: the conversion itself is recorded.
    assert Conversion.objects.get().custom_dimensions == {}
    [record] = [r for r in caplog.records if r.name == "django_convert"]
    assert record.levelno == logging.ERROR
    assert "WITHOUT its custom dimension 1" in record.getMessage()
    assert "Convert allows at most 32" in record.getMessage()
    assert f"testapp.Order {order.pk}" in record.getMessage()
    assert "CONVERSIONS[0] testapp.Order" in record.getMessage()


def test_pii_visitor_id_is_refused_and_the_save_still_succeeds(
    convert_settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    convert_settings(CONVERSIONS=[{**ORDER_RULE, "visitor": "visitor_id"}])
    with caplog.at_level(logging.ERROR, logger="django_convert"):
        order = Order.objects.create(number="N1", visitor_id="ann@example.com", status="paid")
    assert Order.objects.filter(pk=order.pk).exists()
    assert not Conversion.objects.exists()
    [record] = [r for r in caplog.records if r.name == "django_convert"]
    assert "looks like personal data" in record.getMessage()
    assert "ann@example.com" not in record.getMessage()  # the log does not leak it either


def test_rules_follow_override_settings(buyer: Any, convert_settings: Any) -> None:
    Order.objects.create(number="N1", user=buyer, status="paid")
    assert not Conversion.objects.exists()
    convert_settings(CONVERSIONS=[ORDER_RULE])
    Order.objects.create(number="N2", user=buyer, status="paid")
    convert_settings(CONVERSIONS=[{**ORDER_RULE, "goal_id": "300"}])
    Order.objects.create(number="N3", user=buyer, status="paid")
    assert sorted(Conversion.objects.values_list("transaction_id", "goal_id")) == [
        ("N2", GOAL),
        ("N3", "300"),
    ]


def test_disabled_records_nothing_and_says_so_once(
    buyer: Any,
    order_rule: Any,
    convert_settings: Any,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from django_convert.conversions import enabled as rules

    monkeypatch.setattr(rules, "_said_disabled", False)  # whatever earlier tests left
    convert_settings(ENABLED=False)
    with caplog.at_level(logging.WARNING, logger="django_convert"):
        paid_order(buyer)
        paid_order(buyer, number="ORDER-2")
    assert not Conversion.objects.exists()
    assert caplog.text.count("['ENABLED'] is False: conversions are NOT recorded") == 1


def test_fixture_loading_is_not_a_conversion(buyer: Any, order_rule: Any) -> None:
    # A fixture row carries every column (raw saves apply no auto_now_add).
    Order(number="N1", user=buyer, status="paid", created_at=timezone.now()).save_base(raw=True)
    assert Order.objects.exists()
    assert not Conversion.objects.exists()


def test_broken_rule_is_skipped_and_logged(
    buyer: Any, convert_settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    convert_settings(
        CONVERSIONS=[{**ORDER_RULE, "model": "testapp.Nope"}, {**ORDER_RULE, "goal_id": "x"}]
    )
    with caplog.at_level(logging.ERROR, logger="django_convert"):
        Order.objects.create(number="N1", user=buyer, status="paid")
    assert not Conversion.objects.exists()
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "testapp.Nope" in messages
    assert "goal_id must be a digit string" in messages


@pytest.mark.parametrize(
    ("conversions", "message"),
    [
        ({"model": "testapp.Order"}, "must be a list"),
        (["testapp.Order"], "is not a dict"),
        ([{"model": "testapp.Order", "goal_id": GOAL}], "has no visitor"),
    ],
)
def test_unusable_settings_are_logged_not_raised(
    buyer: Any,
    convert_settings: Any,
    caplog: pytest.LogCaptureFixture,
    conversions: Any,
    message: str,
) -> None:
    convert_settings(CONVERSIONS=conversions)
    with caplog.at_level(logging.ERROR, logger="django_convert"):
        Order.objects.create(number="N1", user=buyer, status="paid")
    assert Order.objects.exists()
    assert not Conversion.objects.exists()
    assert message in " ".join(r.getMessage() for r in caplog.records)


def test_signal_after_commit(
    buyer: Any, order_rule: Any, django_capture_on_commit_callbacks: Any
) -> None:
    seen: list[Conversion] = []

    def receiver(sender: Any, conversion: Conversion, **kwargs: Any) -> None:
        seen.append(conversion)

    conversion_recorded.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            order = Order.objects.create(number="N1", user=buyer, status="paid")
            order.save()
        assert [c.transaction_id for c in seen] == ["N1"]
    finally:
        conversion_recorded.disconnect(receiver)


# Query counts ---------------------------------------------------------------------------

FLOOR_RULE = {"model": "testapp.Order", "goal_id": GOAL, "when": {"status": "paid"}}


def test_recording_adds_the_insert_and_at_most_one_select(
    buyer: Any, convert_settings: Any
) -> None:
    convert_settings(CONVERSIONS=[{**FLOOR_RULE, "visitor": "user", "amount": "total"}])
    with CaptureQueriesContext(connection) as queries:
        Order.objects.create(number="N1", user=buyer, status="paid")
    # The order's INSERT, then the outbox INSERT (after the snapshot SELECT off
    # PostgreSQL); the User row itself is never loaded ("user" is read as user_id).
    assert sql_verbs(queries) == ["INSERT", "INSERT"]


def test_saves_of_models_without_rules_cost_no_query(order_rule: Any) -> None:
    with CaptureQueriesContext(connection) as queries:
        Plain.objects.create(name="p")
    assert sql_verbs(queries) == ["INSERT"]


@pytest.mark.django_db(transaction=True)
def test_autocommit_save_records_in_at_most_two_statements(convert_settings: Any) -> None:
    make_visitor("v-guest")
    convert_settings(CONVERSIONS=[{**FLOOR_RULE, "visitor": "visitor_id"}])
    with CaptureQueriesContext(connection) as queries:
        Order.objects.create(number="N1", visitor_id="v-guest", status="paid")
    assert sql_verbs(queries) == ["INSERT", "INSERT"]
    assert Conversion.objects.get().transaction_id.startswith("testapp.order:")


# Failure of the outbox write --------------------------------------------------------------


@pytest.fixture
def failing_outbox(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("database went away")

    monkeypatch.setattr(record_module, "write_conversion", fail)
    monkeypatch.setattr(record_module, "write_from_visitor", fail)


def test_failed_outbox_write_in_a_transaction_rolls_the_save_back(
    buyer: Any, order_rule: Any, failing_outbox: None
) -> None:
    def checkout() -> None:
        with transaction.atomic():
            Order.objects.create(number="N1", user=buyer, status="paid")

    with pytest.raises(OperationalError):
        checkout()
    assert not Order.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_failed_outbox_write_under_autocommit_is_logged_loudly(
    convert_settings: Any,
    failing_outbox: None,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_visitor("v-guest")
    convert_settings(CONVERSIONS=[{**ORDER_RULE, "visitor": "visitor_id"}])
    with caplog.at_level(logging.ERROR, logger="django_convert"), pytest.raises(OperationalError):
        Order.objects.create(number="N1", visitor_id="v-guest", status="paid")
    order = Order.objects.get()  # committed before post_save ran
    [record] = [r for r in caplog.records if r.name == "django_convert"]
    assert f"testapp.Order {order.pk} was saved (autocommit)" in record.getMessage()
    assert "NOT recorded" in record.getMessage()
    assert record.exc_info is not None
    assert not Conversion.objects.exists()
    # Saving again replays it, and only once.
    monkeypatch.undo()
    order.save()
    order.save()
    assert Conversion.objects.get().transaction_id == order.number


# Concurrency ---------------------------------------------------------------------------------


@pytest.mark.concurrent_db
@pytest.mark.django_db(transaction=True)
def test_concurrent_saves_record_one_conversion(concurrent_db: None, convert_settings: Any) -> None:
    make_visitor("v-guest")
    convert_settings(CONVERSIONS=[{**ORDER_RULE, "visitor": "visitor_id"}])
    order = Order.objects.create(number="N1", visitor_id="v-guest", total=Decimal("9.99"))

    def worker(barrier: threading.Barrier) -> None:
        with transaction.atomic():
            mine = Order.objects.get(pk=order.pk)
            mine.status = "paid"
            barrier.wait(timeout=10)
            mine.save()

    in_threads(worker, 6, timeout=30)
    assert Conversion.objects.count() == 1


# Code rules ------------------------------------------------------------------------------------


class OrderPaid(ConversionRule):
    """Only the transition pending -> paid converts, not an order created as paid."""

    model = "testapp.Order"
    goal_id = "400"
    visitor = "user"
    amount = "total"
    transaction_id = "number"
    previous_fields = ("status",)

    def should_record(self, instance: Any, *, created: bool, previous: Any) -> bool:
        was = previous["status"] if previous else None
        return was == "pending" and instance.status == "paid"


@pytest.fixture
def order_paid_rule() -> Iterator[type[OrderPaid]]:
    register_rule(OrderPaid)
    yield OrderPaid
    unregister_rule(OrderPaid)


def test_code_rule_sees_the_previous_state(buyer: Any, order_paid_rule: Any) -> None:
    Order.objects.create(number="CREATED-PAID", user=buyer, status="paid")
    order = Order.objects.create(number="N1", user=buyer, status="new")
    order.status = "paid"
    order.save()  # new -> paid: not the transition
    assert not Conversion.objects.exists()
    order = Order.objects.create(number="N2", user=buyer, status="pending")
    stale = Order.objects.get(pk=order.pk)
    order.status = "paid"
    order.save()  # pending -> paid
    stale.status = "paid"
    stale.save()  # the database says paid already: no transition
    conversion = Conversion.objects.get()
    assert (conversion.goal_id, conversion.transaction_id) == ("400", "N2")
    assert conversion.origin == "rule tests.test_conversions_rules.OrderPaid"
    assert conversion.bucketing == BUCKETING


def test_previous_state_costs_one_query_only_for_existing_instances(
    buyer: Any, order_paid_rule: Any
) -> None:
    with CaptureQueriesContext(connection) as queries:
        order = Order.objects.create(number="N1", user=buyer, status="pending")
    assert sql_verbs(queries) == ["INSERT"]
    order.status = "paid"
    with CaptureQueriesContext(connection) as queries:
        order.save()
    assert sql_verbs(queries) == ["SELECT", "UPDATE", "INSERT"]


def test_code_and_declarative_rules_together(
    buyer: Any, order_rule: Any, order_paid_rule: Any
) -> None:
    order = Order.objects.create(number="N1", user=buyer, status="pending")
    order.status = "paid"
    order.save()
    assert sorted(Conversion.objects.values_list("goal_id", flat=True)) == [GOAL, "400"]


def test_code_rule_with_computed_goal_and_visitor(buyer: Any) -> None:
    class ByCoupon(ConversionRule):
        model = Order

        def get_goal_id(self, instance: Any) -> object:
            return 500 if instance.coupon else 501

        def get_visitor(self, instance: Any) -> object:
            return instance.visitor_id or instance.user

        def get_custom_dimensions(self, instance: Any) -> Any:
            return {5: [instance.coupon, instance.number]}

    rule = ByCoupon()
    register_rule(rule)
    try:
        Order.objects.create(number="N1", user=buyer, coupon="SPRING")
        make_visitor("v-guest")
        Order.objects.create(number="N2", visitor_id="v-guest")
    finally:
        unregister_rule(rule)
    Order.objects.create(number="N3", user=buyer, coupon="SPRING")  # unregistered
    rows = {c.goal_id: c for c in Conversion.objects.all()}
    assert set(rows) == {"500", "501"}
    assert rows["500"].visitor_id == "v-7f3a9c"
    assert rows["500"].custom_dimensions == {"5": ["SPRING", "N1"]}
    assert rows["501"].visitor_id == "v-guest"


def test_code_rule_returning_a_wrong_visitor_type_is_logged(
    buyer: Any, caplog: pytest.LogCaptureFixture
) -> None:
    class Wrong(ConversionRule):
        model = "testapp.Order"
        goal_id = "600"

        def get_visitor(self, instance: Any) -> object:
            return instance  # an Order is not a visitor

    rule = register_rule(Wrong())
    try:
        with caplog.at_level(logging.ERROR, logger="django_convert"):
            Order.objects.create(number="N1", user=buyer)
    finally:
        unregister_rule(rule)
    assert not Conversion.objects.exists()
    assert any("gave a visitor of type Order" in r.getMessage() for r in caplog.records)
