"""Goal values as shops hold them: numeric strings, Money objects, empty dimensions; a value
that cannot be used drops only itself, never the conversion."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

import pytest

from django_convert import track_conversion
from django_convert.conversions import ConversionRule, register_rule, unregister_rule
from django_convert.conversions.values import clean_amount, clean_custom_dimensions
from django_convert.exceptions import ConversionError
from django_convert.models import Conversion
from tests.fixtures_conversions import GOAL, ORDER_RULE, make_visitor
from tests.testapp.models import Order

pytestmark = pytest.mark.django_db


class Price:
    """Holds its number in ``.amount``, as django-money's Money does."""

    def __init__(self, amount: object, currency: str = "EUR") -> None:
        self.amount = amount
        self.currency = currency


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("49.90", Decimal("49.90")),
        (" 49.9 ", Decimal("49.9")),
        ("12", Decimal("12")),
        (".5", Decimal("0.5")),
        ("1.23455", Decimal("1.2346")),
        (Price(Decimal("30.00")), Decimal("30.00")),
        (Price(19), Decimal("19")),
        (Price("7.50"), None),  # a string inside .amount is not a number holder
        (None, None),
    ],
)
def test_amounts_as_shops_hold_them(value: object, expected: Decimal | None) -> None:
    if isinstance(value, Price) and isinstance(value.amount, str):
        with pytest.raises(ConversionError, match="must be a number"):
            clean_amount(value)
        return
    assert clean_amount(value) == expected


def test_django_money_amount_is_accepted() -> None:
    money = pytest.importorskip("djmoney.money")
    assert clean_amount(money.Money("49.90", "EUR")) == Decimal("49.90")


@pytest.mark.parametrize("value", ["", "abc", "1e3", "NaN", "Infinity", "1,5", "--1"])
def test_strings_that_are_not_plain_numbers_are_refused(value: str) -> None:
    with pytest.raises(ConversionError, match="amount"):
        clean_amount(value)


def test_empty_dimensions_are_left_out_like_none() -> None:
    assert clean_custom_dimensions({1: "", 2: None, 3: "gold", 4: ["", "a"], 5: [""]}) == {
        "3": "gold",
        "4": ["a"],
    }


def test_track_conversion_takes_string_amount_and_count() -> None:
    make_visitor("v-guest")
    track_conversion(
        visitor_id="v-guest", goal_id=GOAL, amount="49.90", products_count=" 3", transaction_id="T1"
    )
    conversion = Conversion.objects.get()
    assert (conversion.amount, conversion.products_count) == (Decimal("49.90"), 3)


class StringTotalRule(ConversionRule):
    """A webhook-fed order: the total arrives as a string, or as a Money object."""

    model = "testapp.Order"
    goal_id = GOAL
    visitor = "visitor_id"
    transaction_id = "number"
    amounts: dict[str, object] = {}

    def should_record(self, instance: Any, *, created: bool, previous: Any) -> bool:
        return bool(instance.status == "paid")

    def get_amount(self, instance: Any) -> object:
        return self.amounts[instance.number]

    def get_custom_dimensions(self, instance: Any) -> Any:
        return {1: instance.coupon, 2: "web"}


@pytest.fixture
def string_total_rule() -> Any:
    register_rule(StringTotalRule)
    yield StringTotalRule
    unregister_rule(StringTotalRule)


def test_rule_records_string_and_money_amounts(string_total_rule: Any) -> None:
    make_visitor("v-guest")
    StringTotalRule.amounts = {"S1": "49.90", "M1": Price(Decimal("30.00"))}
    Order.objects.create(number="S1", visitor_id="v-guest", status="paid")
    Order.objects.create(number="M1", visitor_id="v-guest", status="paid", coupon="SPRING")
    amounts = dict(Conversion.objects.values_list("transaction_id", "amount"))
    assert amounts == {"S1": Decimal("49.90"), "M1": Decimal("30.00")}
    # The empty coupon is left out, as None is; the other dimension stays.
    dimensions = dict(Conversion.objects.values_list("transaction_id", "custom_dimensions"))
    assert dimensions == {"S1": {"2": "web"}, "M1": {"1": "SPRING", "2": "web"}}


def test_unusable_amount_drops_only_the_amount_and_says_so(
    string_total_rule: Any, caplog: pytest.LogCaptureFixture
) -> None:
    make_visitor("v-guest")
    StringTotalRule.amounts = {"B1": "forty-nine"}
    with caplog.at_level(logging.ERROR, logger="django_convert"):
        order = Order.objects.create(number="B1", visitor_id="v-guest", status="paid")
    conversion = Conversion.objects.get()
    assert conversion.amount is None
    assert conversion.transaction_id == "B1"  # the conversion itself is recorded
    [record] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    message = record.getMessage()
    assert "WITHOUT its amount" in message
    assert f"testapp.Order {order.pk}" in message
    assert "test_conversions_values.StringTotalRule" in message  # the rule, by name
    assert "'forty-nine' is not a number" in message


def test_declarative_rule_keeps_the_conversion_when_products_count_is_unusable(
    convert_settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    make_visitor("v-guest")
    # "coupon" is a string: no products count, but the conversion and its amount stay.
    convert_settings(
        CONVERSIONS=[{**ORDER_RULE, "visitor": "visitor_id", "products_count": "coupon"}]
    )
    with caplog.at_level(logging.ERROR, logger="django_convert"):
        Order.objects.create(
            number="N1", visitor_id="v-guest", status="paid", total=Decimal("30"), coupon="x"
        )
    conversion = Conversion.objects.get()
    assert (conversion.amount, conversion.products_count) == (Decimal("30"), None)
    assert "WITHOUT its products_count" in caplog.text
    assert "CONVERSIONS[0] testapp.Order" in caplog.text
