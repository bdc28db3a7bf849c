"""A guest checkout end to end, in-process: the guest's page view and ingest store their
bucketing, checkout stores their visitor id on the order, a payment webhook (a request
with no visitor) marks it paid, and Convert receives the guest's conversion."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.test import Client
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from django_convert import get_visitor_id
from django_convert.delivery import deliver_due
from django_convert.identity.resolvers import new_visitor_id
from django_convert.models import Conversion
from tests.fixtures_conversions import GOAL
from tests.testapp.models import Order, OrderItem

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


def page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(get_visitor_id(request) or "")


@csrf_exempt
def checkout(request: HttpRequest) -> JsonResponse:
    with transaction.atomic():
        order = Order.objects.create(
            number=request.POST["number"],
            total=Decimal("49.90"),
            visitor_id=get_visitor_id(request) or "",  # a guest: no user, their visitor id
        )
        OrderItem.objects.bulk_create(OrderItem(order=order, name=n) for n in ("a", "b"))
    return JsonResponse({"number": order.number})


@csrf_exempt
def payment_webhook(request: HttpRequest) -> JsonResponse:
    """The payment provider calls this: no cookie, no visitor, no user."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(number=request.POST["number"])
        order.status = "paid"
        order.save()
    return JsonResponse({"ok": True})


urlpatterns = [
    path("", page),
    path("checkout/", checkout),
    path("webhook/", payment_webhook),
    path("convert/", include("django_convert.urls")),
]

GUEST_RULE = {
    "model": "testapp.Order",
    "goal_id": GOAL,
    "when": {"status": "paid"},
    "visitor": "visitor_id",
    "amount": "total",
    "products_count": "items_count",
    "transaction_id": "number",
}


def test_guest_checkout_paid_by_webhook_reaches_convert(
    convert_settings: Any, convert_server: Any
) -> None:
    convert_settings(CONVERSIONS=[GUEST_RULE], TRACKING_URL=convert_server.url)
    guest = Client()
    # The page's inline snippet creates the guest's id cookie in the browser (the server
    # never sets one for an anonymous page view); the test client plays that browser.
    guest.cookies["convert_vid"] = new_visitor_id()
    visitor_id = guest.get("/").content.decode()
    assert visitor_id == guest.cookies["convert_vid"].value  # the middleware read it
    ingest = guest.post(
        "/convert/context/",
        data=json.dumps(
            {
                "visitorId": visitor_id,
                "experiences": [{"experienceId": "100127238", "variationId": "1001186427"}],
                "segments": {"browser": "CH", "devices": ["DESK"]},
            }
        ),
        content_type="application/json",
    )
    assert ingest.status_code < 300, ingest.content
    assert guest.post("/checkout/", {"number": "G-1"}).json() == {"number": "G-1"}
    assert not Conversion.objects.exists()  # placed, not paid yet
    assert Client().post("/webhook/", {"number": "G-1"}).json() == {"ok": True}

    deliver_due()
    [conversion] = convert_server.accepted_conversions()
    assert conversion["visitorId"] == visitor_id
    assert conversion["bucketingData"] == {"100127238": "1001186427"}
    assert conversion["goalData"] == [
        {"key": "amount", "value": 49.9},
        {"key": "productsCount", "value": 2},
        {"key": "transactionId", "value": "G-1"},
    ]
    assert Conversion.objects.get().status == "sent"
