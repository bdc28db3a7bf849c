"""Recording through real requests, with and without ATOMIC_REQUESTS (the table of
transactional guarantees in docs/conversions.rst)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import path

from django_convert.models import Conversion
from tests.fixtures_conversions import ORDER_RULE, make_visitor
from tests.testapp.models import Order


def checkout(request: HttpRequest) -> HttpResponse:
    Order.objects.create(
        number=request.GET["number"],
        visitor_id="v-guest",
        status="paid",
        total=Decimal("149.99"),
    )
    if request.GET.get("fail"):
        raise RuntimeError("the payment provider said no after the order was saved")
    return HttpResponse("thanks")


urlpatterns = [path("checkout/", checkout)]

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls(__name__),
]


@pytest.fixture
def rule(convert_settings: Any) -> None:
    make_visitor("v-guest")
    convert_settings(CONVERSIONS=[{**ORDER_RULE, "visitor": "visitor_id"}])


@pytest.fixture
def atomic_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(connection.settings_dict, "ATOMIC_REQUESTS", True)


def get(url: str) -> int:
    with override_settings(DEBUG_PROPAGATE_EXCEPTIONS=False):
        return Client(raise_request_exception=False).get(url).status_code


def test_atomic_requests_success_commits_both(rule: None, atomic_requests: None) -> None:
    assert get("/checkout/?number=N1") == 200
    assert Order.objects.filter(number="N1").exists()
    assert Conversion.objects.get().transaction_id == "N1"


def test_atomic_requests_failure_keeps_neither(rule: None, atomic_requests: None) -> None:
    assert get("/checkout/?number=N1&fail=1") == 500
    assert not Order.objects.exists()
    assert not Conversion.objects.exists()


def test_autocommit_failure_after_the_save_keeps_both(rule: None) -> None:
    # Without ATOMIC_REQUESTS the order committed when it was saved, so its conversion
    # is recorded too: the outbox follows the order, whatever happens after.
    assert get("/checkout/?number=N1&fail=1") == 500
    assert Order.objects.filter(number="N1").exists()
    assert Conversion.objects.get().transaction_id == "N1"
