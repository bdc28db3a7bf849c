"""Paths from an instance to a value, at save time and in the system checks."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from django_convert.conversions.paths import (
    path_problem,
    resolve,
    resolve_visitor,
    visitor_path_problem,
)
from django_convert.exceptions import ConversionError
from django_convert.models import Visitor
from tests.testapp.models import Order, OrderItem, Payment

pytestmark = pytest.mark.django_db


@pytest.fixture
def payment(django_user_model: Any) -> Payment:
    user = django_user_model.objects.create_user("ann")
    order = Order.objects.create(number="N1", user=user, total=Decimal("3.50"), coupon="X")
    OrderItem.objects.create(order=order, name="a")
    return Payment.objects.create(order=order, amount=Decimal("3.50"))


def test_resolve_fields_relations_properties_and_methods(payment: Payment) -> None:
    assert resolve(payment, "amount") == Decimal("3.50")
    assert resolve(payment, "order.coupon") == "X"
    assert resolve(payment, "order.user.username") == "ann"
    assert resolve(payment, "reference") == f"PAY-{payment.pk}"
    assert resolve(payment, "order.items_count") == 1


def test_resolve_stops_at_none(payment: Payment) -> None:
    payment.order.user = None
    assert resolve(payment, "order.user.username") is None


def test_resolve_visitor_reads_the_user_key_without_a_query(payment: Payment) -> None:
    order = Order.objects.get(pk=payment.order_id)
    with CaptureQueriesContext(connection) as queries:
        assert resolve_visitor(order, "user") == (None, order.user_id)
        assert resolve_visitor(order, "user_id") == (None, order.user_id)
    assert len(queries) == 0


def test_resolve_visitor_through_a_one_to_one_field(django_user_model: Any) -> None:
    user = django_user_model.objects.create_user("bob")
    visitor = Visitor.objects.create(visitor_id="v1", user=user)
    visitor = Visitor.objects.get(pk=visitor.pk)
    with CaptureQueriesContext(connection) as queries:
        assert resolve_visitor(visitor, "user") == (None, user.pk)
    assert len(queries) == 0


def test_resolve_visitor_strings_users_and_nothing(payment: Payment) -> None:
    order = payment.order
    order.visitor_id = "v-guest"
    assert resolve_visitor(order, "visitor_id") == ("v-guest", None)
    assert resolve_visitor(payment, "order.user") == (None, order.user_id)
    payment.order.user = None
    assert resolve_visitor(payment, "order.user") == (None, None)


def test_resolve_visitor_refuses_other_types(payment: Payment) -> None:
    with pytest.raises(ConversionError, match="gave a Decimal"):
        resolve_visitor(payment, "amount")


@pytest.mark.parametrize(
    "path",
    ["amount", "order", "order.user.username", "order_id", "reference", "order.items_count"],
)
def test_paths_that_resolve(path: str) -> None:
    assert path_problem(Payment, path) is None


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("", "is not a path"),
        ("order..user", "is not a path"),
        (3, "is not a path"),
        ("amont", "has no field"),
        ("order.itms", "testapp.Order has no field"),
        ("order.items", "holds many objects"),
        ("describe", "needs arguments"),
    ],
)
def test_paths_that_do_not(path: Any, reason: str) -> None:
    problem = path_problem(Payment, path)
    assert problem is not None
    assert reason in problem


def test_past_a_method_types_are_trusted() -> None:
    assert path_problem(Payment, "reference.upper") is None


@pytest.mark.parametrize("path", ["order.user", "order.user_id", "order.visitor_id", "reference"])
def test_visitor_paths(path: str) -> None:
    assert visitor_path_problem(Payment, path) is None


@pytest.mark.parametrize(
    ("path", "reason"), [("order", "leads to testapp.Order"), ("amount", "DecimalField")]
)
def test_visitor_paths_to_the_wrong_thing(path: str, reason: str) -> None:
    problem = visitor_path_problem(Payment, path)
    assert problem is not None
    assert reason in problem
