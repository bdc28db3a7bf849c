"""django_convert.testing: the capture helpers users import in their own shop's tests."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from django.template import Context, Template
from django.test import RequestFactory

from django_convert import track_conversion
from django_convert.models import Conversion
from django_convert.testing import STANDIN_SCRIPT_URL, SentConversion, capture_conversions
from tests.fixtures_conversions import BUCKETING, GOAL, SEGMENTS
from tests.testapp.models import Order, OrderItem


def pay(buyer, number: str = "ORDER-1") -> Order:
    with transaction.atomic():
        order = Order.objects.create(number=number, user=buyer, total=Decimal("49.90"))
        OrderItem.objects.bulk_create(OrderItem(order=order, name=f"item {n}") for n in range(2))
        order.status = "paid"
        order.save()
    return order


EXPECTED = SentConversion(
    visitor_id="v-7f3a9c",
    goal_id=GOAL,
    amount=Decimal("49.90"),
    products_count=2,
    transaction_id="ORDER-1",
    bucketing=BUCKETING,
    segments=SEGMENTS,
)


@pytest.mark.django_db
@pytest.mark.parametrize("mode", ["manual", "immediate", "background", "task", "celery"])
def test_deliver_sends_what_is_due_inside_the_tests_transaction(
    mode, buyer, order_rule, convert_settings
) -> None:
    """In a transactional test on_commit never fires: deliver() still sends, in any mode."""
    convert_settings(DELIVERY=mode)
    with capture_conversions() as capture:
        pay(buyer)
        assert capture.sent == []
        assert capture.deliver() == [EXPECTED]
    assert Conversion.objects.get().status == "sent"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("mode", ["immediate", "background"])
def test_after_a_real_commit_the_configured_delivery_sends(
    mode, buyer, order_rule, convert_settings, fresh_worker
) -> None:
    convert_settings(DELIVERY=mode)
    with capture_conversions() as capture:
        pay(buyer)
        assert capture.wait_for(1) == [EXPECTED]
        assert capture.deliver() == [EXPECTED]  # nothing left: sent once
    assert len(capture.requests) == 1


@pytest.mark.django_db
def test_custom_dimensions_and_no_amount(convert_settings) -> None:
    with capture_conversions() as capture:
        track_conversion(visitor_id="guest-1", goal_id=GOAL, custom_dimensions={1: "gold"})
        [sent] = capture.deliver()
    assert sent.amount is None
    assert sent.products_count is None
    assert sent.custom_dimensions == {1: "gold"}
    assert sent.visitor_id == "guest-1"


@pytest.mark.django_db
def test_what_convert_refuses_shows_as_rejected() -> None:
    with capture_conversions() as capture:
        capture.server.reject(400, "Invalid goal", times=None, fields={"goalId": "unknown"})
        track_conversion(visitor_id="guest-1", goal_id=GOAL, transaction_id="T-1")
        assert capture.deliver() == []
        assert {r.answer for r in capture.rejected} == {400}
        with pytest.raises(AssertionError, match="expected 1 conversion"):
            capture.wait_for(1, timeout=0.2)
    assert Conversion.objects.get().status == "failed"


@pytest.mark.django_db
def test_the_stand_in_checks_the_configured_project(convert_settings) -> None:
    with capture_conversions() as capture:
        convert_settings(PROJECT_ID="999")  # a shop whose settings change mid-test
        track_conversion(visitor_id="guest-1", goal_id=GOAL, transaction_id="T-1")
        assert capture.deliver() == []
        [request] = capture.rejected
        assert request.answer == 404


@pytest.mark.django_db
def test_the_pytest_fixture_is_shipped(convert_capture) -> None:
    track_conversion(visitor_id="guest-2", goal_id=GOAL, amount=Decimal("5"))
    [sent] = convert_capture.deliver()
    assert (sent.visitor_id, sent.amount) == ("guest-2", Decimal("5"))


def test_urls_point_at_the_stand_in_and_are_restored(settings) -> None:
    before = dict(settings.DJANGO_CONVERT)
    with capture_conversions() as capture:
        assert settings.DJANGO_CONVERT["TRACKING_URL"] == capture.server.url
        assert settings.DJANGO_CONVERT["CONFIG_URL"] == capture.server.config_url
    assert before == settings.DJANGO_CONVERT


@pytest.mark.django_db
def test_a_config_sync_reads_the_stand_ins_project() -> None:
    from django_convert.project.sync import sync_project_config

    with capture_conversions():
        sync_project_config()
    from django_convert.models import Goal

    assert Goal.objects.filter(id=GOAL).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", "/static/django_convert/testing/convert-standin.js"),
        ("?bucketing=1:2", "/static/django_convert/testing/convert-standin.js?bucketing=1:2"),
    ],
)
def test_standin_script_url_is_served_from_static_files(convert_settings, query, expected) -> None:
    convert_settings(SCRIPT_URL=STANDIN_SCRIPT_URL + query)
    request = RequestFactory().get("/")
    request.convert_visitor_id = "v-1"
    html = Template("{% load convert %}{% convert_script %}").render(Context({"request": request}))
    assert f'src="{expected.replace("&", "&amp;")}"' in html
