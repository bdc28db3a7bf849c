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


@pytest.mark.django_db
def test_a_guest_without_a_visitor_id_checks_out_and_the_log_says_why_nothing_is_sent(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A browser that never ran the snippet (JavaScript off) has no Convert visitor id: it
    still sees and pays its order, and the payment's missing conversion is logged."""
    tee = Product.objects.create(name="Tee", price=Decimal("12.45"))
    guest = Client()
    with capture_conversions() as capture, caplog.at_level("WARNING", logger="django_convert"):
        order = buy(guest, tee)
        assert guest.get(f"/orders/{order.number}/").status_code == 200
        assert capture.deliver() == []
    assert order.visitor_id == ""
    assert f"shop.Order {order.pk} has no visitor" in caplog.text


@pytest.mark.django_db
def test_an_order_is_seen_and_paid_only_by_the_browser_that_placed_it(shopper: Client) -> None:
    """Orders belong to the session that placed them, not to a Convert visitor id: another
    browser, even one whose cookie carries the same visitor id, gets a 404."""
    tee = Product.objects.create(name="Tee", price=Decimal("12.45"))
    shopper.post(f"/cart/add/{tee.pk}/")
    shopper.post("/checkout/")
    order = Order.objects.get()
    other = Client()
    other.cookies[settings.DJANGO_CONVERT.get("COOKIE_NAME", "convert_vid")] = VISITOR
    assert other.get(f"/orders/{order.number}/").status_code == 404
    assert other.post(f"/orders/{order.number}/pay/").status_code == 404
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
    assert shopper.get(f"/orders/{order.number}/").status_code == 200
