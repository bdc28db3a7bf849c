"""The shop's admin edits a guest order whose browser had no Convert visitor id."""

from decimal import Decimal

import pytest
from django.test import Client

from django_convert.testing import capture_conversions
from shop.models import Order, OrderItem, Product


@pytest.mark.django_db
def test_the_admin_marks_a_guest_order_without_a_visitor_id_paid(
    admin_client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    tee = Product.objects.create(name="Tee", price=Decimal("12.45"))
    order = Order.objects.create(number="ORDER-NOJS", visitor_id="")
    item = OrderItem.objects.create(order=order, product=tee, quantity=1, price=tee.price)
    form = {
        "number": order.number,
        "status": "paid",
        "visitor_id": "",
        "user": "",
        "items-TOTAL_FORMS": "1",
        "items-INITIAL_FORMS": "1",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
        "items-0-id": str(item.pk),
        "items-0-order": str(order.pk),
        "items-0-product": str(tee.pk),
        "items-0-quantity": "1",
        "items-0-price": "12.45",
    }
    with capture_conversions() as capture, caplog.at_level("WARNING", logger="django_convert"):
        response = admin_client.post(f"/admin/shop/order/{order.pk}/change/", form)
        assert response.status_code == 302, response.content.decode()[:2000]
        assert capture.deliver() == []
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert f"shop.Order {order.pk} has no visitor" in caplog.text
