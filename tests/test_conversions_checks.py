"""System checks for conversion rules: django_convert.E101-E109."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from django_convert.checks import check_conversion_rules
from django_convert.conversions import ConversionRule, register_rule, unregister_rule
from tests.fixtures_conversions import GOAL, ORDER_RULE


def ids(messages: list[Any]) -> list[str]:
    return [message.id for message in messages]


def check(convert_settings: Any, *rules: Any) -> list[Any]:
    convert_settings(CONVERSIONS=list(rules))
    return check_conversion_rules()


def test_the_contract_rule_passes(convert_settings: Any) -> None:
    assert check(convert_settings, ORDER_RULE) == []


def test_full_featured_rule_passes(convert_settings: Any) -> None:
    rule = {
        "model": "testapp.Payment",
        "goal_id": 200,
        "when": {"state": "captured", "order.status": "paid"},
        "visitor": "order.user",
        "amount": "amount",
        "products_count": "order.items_count",
        "transaction_id": "reference",
        "custom_dimensions": {1: "order.coupon", "2": "order.user.username"},
    }
    assert check(convert_settings, rule) == []


@pytest.mark.parametrize(
    "visitor", ["user", "user_id", "visitor_id", "order.user", "order.visitor_id"]
)
def test_visitor_paths_that_work(convert_settings: Any, visitor: str) -> None:
    model = "testapp.Order" if not visitor.startswith("order.") else "testapp.Payment"
    assert (
        check(
            convert_settings,
            {
                **ORDER_RULE,
                "model": model,
                "when": {},
                "visitor": visitor,
                "amount": None,
                "products_count": None,
                "transaction_id": None,
            },
        )
        == []
    )


def test_no_rules_pass(convert_settings: Any) -> None:
    assert check(convert_settings) == []


@pytest.mark.parametrize("value", [{"model": "testapp.Order"}, "testapp.Order", 3])
def test_conversions_not_a_list(convert_settings: Any, value: Any) -> None:
    convert_settings(CONVERSIONS=value)
    [error] = check_conversion_rules()
    assert error.id == "django_convert.E101"
    assert "must be a list" in error.msg


def test_entry_not_a_dict(convert_settings: Any) -> None:
    [error] = check(convert_settings, "testapp.Order")
    assert error.id == "django_convert.E101"
    assert "CONVERSIONS'][0] must be a dict" in error.msg


def test_unknown_key(convert_settings: Any) -> None:
    [error] = check(convert_settings, {**ORDER_RULE, "ammount": "total"})
    assert error.id == "django_convert.E102"
    assert "ammount" in error.msg
    assert "amount" in error.hint


def test_missing_required_keys(convert_settings: Any) -> None:
    [error] = check(convert_settings, {"model": "testapp.Order"})
    assert error.id == "django_convert.E103"
    assert "goal_id, visitor" in error.msg


@pytest.mark.parametrize("model", ["testapp.Nope", "Order", "nope.Order", 42])
def test_unknown_model(convert_settings: Any, model: Any) -> None:
    [error] = check(convert_settings, {**ORDER_RULE, "model": model})
    assert error.id == "django_convert.E104"
    assert repr(model) in error.msg


@pytest.mark.parametrize(
    ("model", "suggested"),
    [
        ("testapp.Ordr", '"testapp.Order"'),  # a typo in the model name
        ("Order", '"testapp.Order"'),  # no app label
        ("shop.Order", '"testapp.Order"'),  # the wrong app
        ("testapp.Paymnet", '"testapp.Payment"'),
        ("testap.OrderItems", '"testapp.OrderItem"'),
    ],
)
def test_unknown_model_hint_names_the_close_installed_models(
    convert_settings: Any, model: str, suggested: str
) -> None:
    [error] = check(convert_settings, {**ORDER_RULE, "model": model})
    assert error.id == "django_convert.E104"
    assert error.hint.startswith(f"Did you mean {suggested}")
    assert repr(model) not in error.hint  # the message names the bad label, the hint does not


@pytest.mark.parametrize("model", ["zzz.Qqqqq", 42])
def test_unknown_model_with_nothing_close_gets_the_format_hint(
    convert_settings: Any, model: Any
) -> None:
    [error] = check(convert_settings, {**ORDER_RULE, "model": model})
    assert error.hint == 'Name it as "app_label.ModelName" of a model in INSTALLED_APPS.'


@pytest.mark.parametrize("goal_id", ["goal", "12a", "1" * 33, 1.5])
def test_goal_id_not_digits(convert_settings: Any, goal_id: Any) -> None:
    [error] = check(convert_settings, {**ORDER_RULE, "goal_id": goal_id})
    assert error.id == "django_convert.E105"


@pytest.mark.parametrize(
    ("key", "path", "reason"),
    [
        ("amount", "totl", "has no field, property or method 'totl'"),
        ("amount", "user.nope", "auth.User has no field"),
        ("products_count", "items", "holds many objects"),
        ("transaction_id", "user.", "is not a path"),
        ("transaction_id", "payments.state", "holds many objects"),
        ("visitor", "total", "DecimalField; the visitor path must lead"),
        ("visitor", "payments", "holds many objects"),
    ],
)
def test_paths_that_do_not_resolve(convert_settings: Any, key: str, path: str, reason: str) -> None:
    [error] = check(convert_settings, {**ORDER_RULE, key: path})
    assert error.id == "django_convert.E106"
    assert repr(path) in error.msg
    assert reason in error.msg


def test_method_needing_arguments(convert_settings: Any) -> None:
    rule = {"model": "testapp.Payment", "goal_id": GOAL, "visitor": "order.user"}
    [error] = check(convert_settings, {**rule, "transaction_id": "describe"})
    assert error.id == "django_convert.E106"
    assert "needs arguments" in error.msg


def test_visitor_path_to_another_model(convert_settings: Any) -> None:
    rule = {"model": "testapp.Payment", "goal_id": GOAL, "visitor": "order"}
    [error] = check(convert_settings, rule)
    assert error.id == "django_convert.E106"
    assert "leads to testapp.Order" in error.msg


@pytest.mark.parametrize(
    ("when", "text"), [(["status"], "must be a dict"), ({"state": "paid"}, "'state'")]
)
def test_when(convert_settings: Any, when: Any, text: str) -> None:
    [error] = check(convert_settings, {**ORDER_RULE, "when": when})
    assert error.id == "django_convert.E107"
    assert text in error.msg


@pytest.mark.parametrize(
    ("dimensions", "error_id"),
    [
        (["coupon"], "django_convert.E108"),
        ({6: "coupon"}, "django_convert.E108"),
        ({"x": "coupon"}, "django_convert.E108"),
        ({1: "coupn"}, "django_convert.E106"),
    ],
)
def test_custom_dimensions(convert_settings: Any, dimensions: Any, error_id: str) -> None:
    [error] = check(convert_settings, {**ORDER_RULE, "custom_dimensions": dimensions})
    assert error.id == error_id


@pytest.mark.django_db  # Django 6's check command also runs database checks
def test_errors_stop_manage_py_check(convert_settings: Any) -> None:
    convert_settings(CONVERSIONS=[{**ORDER_RULE, "model": "testapp.Nope"}])
    with pytest.raises(SystemCheckError) as raised:
        call_command("check", stdout=StringIO(), stderr=StringIO())
    assert "django_convert.E104" in str(raised.value)


class GoodRule(ConversionRule):
    model = "testapp.Order"
    goal_id = GOAL
    visitor = "user"
    amount = "total"
    previous_fields = ("status", "user_id")


class BadRule(ConversionRule):
    model = "testapp.Order"
    goal_id = "not-a-goal"
    visitor = "number.upper"
    amount = "totl"
    previous_fields = ("items_count",)


class BadModelRule(ConversionRule):
    model = "testapp.Nope"
    goal_id = GOAL


class ComputedRule(ConversionRule):
    """Overridden getters are code: their paths are not checked."""

    model = "testapp.Order"

    def get_goal_id(self, instance: Any) -> object:
        return GOAL

    def get_visitor(self, instance: Any) -> object:
        return instance.user


@pytest.fixture
def registered() -> Iterator[Any]:
    rules: list[Any] = []

    def add(rule: Any) -> None:
        rules.append(register_rule(rule))

    yield add
    for rule in rules:
        unregister_rule(rule)


def test_code_rules_are_checked(convert_settings: Any, registered: Any) -> None:
    convert_settings(CONVERSIONS=[])
    registered(GoodRule)
    registered(ComputedRule)
    assert check_conversion_rules() == []
    registered(BadRule)
    registered(BadModelRule)
    messages = check_conversion_rules()
    assert sorted(ids(messages)) == [
        "django_convert.E104",
        "django_convert.E105",
        "django_convert.E106",
        "django_convert.E109",
    ]
    assert all("BadRule" in m.msg or "BadModelRule" in m.msg for m in messages)
