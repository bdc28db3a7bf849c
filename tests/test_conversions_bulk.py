"""The bulk paths that send no post_save, recorded directly: record_conversions() and
RecordingQuerySet's update(), bulk_create() and bulk_update()."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction

from django_convert.conversions import (
    ConversionRule,
    record_conversions,
    register_rule,
    unregister_rule,
)
from django_convert.models import Conversion
from tests.fixtures_conversions import GOAL, ORDER_RULE, make_visitor
from tests.testapp.models import Order, Plain

pytestmark = pytest.mark.django_db

GUEST_RULE = {**ORDER_RULE, "visitor": "visitor_id", "products_count": None}


@pytest.fixture
def guest_rule(convert_settings: Any) -> None:
    make_visitor("v-guest")
    convert_settings(CONVERSIONS=[GUEST_RULE])


def new_orders(count: int, **fields: Any) -> list[Order]:
    return [
        Order.objects.create(number=f"N{n}", visitor_id="v-guest", total=n, **fields)
        for n in range(count)
    ]


def recorded() -> dict[str, Decimal | None]:
    return dict(Conversion.objects.values_list("transaction_id", "amount"))


def test_plain_update_records_nothing_and_record_conversions_catches_it(
    guest_rule: None,
) -> None:
    new_orders(3)
    with transaction.atomic():
        Order.objects.filter(number__in=["N1", "N2"]).update(status="paid")
        assert recorded() == {}  # Django's update() sends no post_save
        rows = record_conversions(Order.objects.filter(number__in=["N1", "N2"]))
    assert len(rows) == 2
    assert recorded() == {"N1": Decimal("1"), "N2": Decimal("2")}
    record_conversions(Order.objects.all())  # again: idempotent, nothing new
    assert Conversion.objects.count() == 2


def test_recording_update_is_the_admin_mark_as_paid_action(guest_rule: None) -> None:
    new_orders(4)
    count = Order.recording.filter(number__in=["N0", "N1", "N3"]).update(status="paid")
    assert count == 3
    assert recorded() == {"N0": Decimal("0"), "N1": Decimal("1"), "N3": Decimal("3")}


def test_recording_update_that_does_not_match_records_nothing(guest_rule: None) -> None:
    new_orders(2)
    Order.recording.all().update(coupon="SPRING")
    assert recorded() == {}


def test_recording_update_rolls_back_with_its_conversions(guest_rule: None) -> None:
    new_orders(2)

    def pay_then_fail() -> None:
        with transaction.atomic():
            Order.recording.all().update(status="paid")
            assert Conversion.objects.count() == 2
            raise RuntimeError("payment provider said no")

    with pytest.raises(RuntimeError):
        pay_then_fail()
    assert recorded() == {}
    assert set(Order.objects.values_list("status", flat=True)) == {"new"}


def test_recording_bulk_create(guest_rule: None) -> None:
    Order.recording.bulk_create(
        [
            Order(number="B1", visitor_id="v-guest", status="paid", total=5),
            Order(number="B2", visitor_id="v-guest", status="new"),
        ]
    )
    assert recorded() == {"B1": Decimal("5")}


def test_record_conversions_after_plain_bulk_create(guest_rule: None) -> None:
    orders = Order.objects.bulk_create(
        [Order(number=f"B{n}", visitor_id="v-guest", status="paid") for n in range(3)]
    )
    record_conversions(orders, created=True)
    assert sorted(recorded()) == ["B0", "B1", "B2"]


def test_default_transaction_id_needs_the_primary_key(
    convert_settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    make_visitor("v-guest")
    convert_settings(CONVERSIONS=[{**GUEST_RULE, "transaction_id": None}])
    unsaved = Order(number="U1", visitor_id="v-guest", status="paid")
    with caplog.at_level(logging.ERROR, logger="django_convert"):
        assert record_conversions([unsaved]) == []
    assert "has no primary key yet" in caplog.text
    assert not Conversion.objects.exists()


def test_recording_bulk_update_judges_what_was_written(guest_rule: None) -> None:
    orders = new_orders(3)
    for order in orders:
        order.status = "paid"
    Order.recording.bulk_update(orders[:1], ["coupon"])  # status not written: stays "new"
    assert recorded() == {}
    Order.recording.bulk_update(orders, ["status"])
    assert sorted(recorded()) == ["N0", "N1", "N2"]


def test_record_conversions_warns_for_a_model_without_rules(
    guest_rule: None, caplog: pytest.LogCaptureFixture
) -> None:
    Plain.objects.create(name="x")
    with caplog.at_level(logging.WARNING, logger="django_convert"):
        assert record_conversions(Plain.objects.all()) == []
        assert record_conversions(list(Plain.objects.all())) == []
    assert caplog.text.count("testapp.Plain has no conversion rule") == 2


def test_record_conversions_warns_when_nothing_matches_a_visitor(
    guest_rule: None, caplog: pytest.LogCaptureFixture
) -> None:
    Order.objects.create(number="N1", visitor_id="")
    Order.objects.update(status="paid")
    with caplog.at_level(logging.WARNING, logger="django_convert"):
        assert record_conversions(Order.objects.all()) == []
    assert "has no visitor" in caplog.text


class PaidFromPending(ConversionRule):
    model = "testapp.Order"
    goal_id = GOAL
    visitor = "visitor_id"
    transaction_id = "number"
    previous_fields = ("status",)

    def should_record(self, instance: Any, *, created: bool, previous: Any) -> bool:
        was = previous["status"] if previous else None
        return bool(was == "pending" and instance.status == "paid")


@pytest.fixture
def paid_from_pending() -> Iterator[None]:
    make_visitor("v-guest")
    register_rule(PaidFromPending)
    yield
    unregister_rule(PaidFromPending)


def test_recording_update_gives_code_rules_the_previous_values(paid_from_pending: None) -> None:
    Order.objects.create(number="P1", visitor_id="v-guest", status="pending")
    Order.objects.create(number="P2", visitor_id="v-guest", status="new")
    Order.recording.all().update(status="paid")
    assert list(Conversion.objects.values_list("transaction_id", flat=True)) == ["P1"]
