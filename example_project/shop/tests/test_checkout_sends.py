"""What a checkout sends to Convert, asserted the way a shop would in its own tests:
with django_convert.testing's capture, offline, in each DELIVERY mode."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client, override_settings

from django_convert.testing import SentConversion, capture_conversions
from shop.models import Order, Product

VISITOR = "3f2a9c1be8d04a7f9b1c2d3e4f5a6b7c"


def buy(client: Client, product: Product) -> Order:
    """Cart, checkout and payment, as the shop's pages do them."""
    client.post(f"/cart/add/{product.pk}/")
    client.post(f"/cart/add/{product.pk}/")
    client.post("/checkout/")
    order = Order.objects.get()
    client.post(f"/orders/{order.number}/pay/")
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    return order


@pytest.fixture
def shopper() -> Client:
    """A guest whose browser already carries its Convert visitor id."""
    client = Client()
    client.cookies[settings.DJANGO_CONVERT.get("COOKIE_NAME", "convert_vid")] = VISITOR
    return client


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("mode", ["background", "immediate", "manual"])
def test_a_paid_checkout_sends_the_purchase_goal(mode: str, shopper: Client) -> None:
    tee = Product.objects.create(name="Tee", price=Decimal("12.45"))
    with (
        override_settings(DJANGO_CONVERT={**settings.DJANGO_CONVERT, "DELIVERY": mode}),
        capture_conversions() as capture,
    ):
        order = buy(shopper, tee)
        if mode == "manual":
            assert capture.sent == []  # nothing goes out until convert_deliver runs
            sent = capture.deliver()
        else:
            sent = capture.wait_for(1)
    assert sent == [
        SentConversion(
            visitor_id=VISITOR,
            goal_id="100037225",
            amount=Decimal("24.90"),
            products_count=2,
            transaction_id=order.number,
            bucketing={},
            segments={},
        )
    ]


@pytest.mark.django_db
def test_an_unpaid_checkout_sends_nothing(shopper: Client) -> None:
    tee = Product.objects.create(name="Tee", price=Decimal("12.45"))
    with capture_conversions() as capture:
        shopper.post(f"/cart/add/{tee.pk}/")
        shopper.post("/checkout/")
        assert capture.deliver() == []
