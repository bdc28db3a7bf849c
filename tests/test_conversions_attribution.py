"""Attribution as of the conversion: a conversion carries the bucketing its visitor had when
the order was made, whether recorded at save time or by a sweep hours or days later."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from django_convert.conversions.sweep import sweep
from django_convert.ingest.store import store_context
from django_convert.models import Conversion, Exposure
from tests.fixtures_conversions import GOAL, ORDER_RULE
from tests.testapp.models import Order

pytestmark = pytest.mark.django_db

EXPERIENCE, A, B = "100127238", "1001186427", "1001186428"


def seen(visitor_id: str, variation: str, at: Any, user: Any = None) -> None:
    """What the listener's post stores when Convert's script buckets the visitor at ``at``."""
    store_context(
        visitor_id=visitor_id,
        experiences=[{"experienceId": EXPERIENCE, "variationId": variation}],
        segments={"country": "DE"},
        user=user,
        now=at,
    )


def past_order(number: str, user: Any, created: Any, **fields: Any) -> Order:
    """An order paid before the app was installed: no rule ran, no conversion."""
    order = Order.objects.create(number=number, user=user, total=Decimal("80"), **fields)
    Order.objects.filter(pk=order.pk).update(status="paid", created_at=created)
    return order


def test_installing_on_a_shop_with_past_orders_attributes_nothing_to_later_exposure(
    convert_settings: Any,
) -> None:
    """The issue's install: returning customers bucketed for the first time after their
    1-6-day-old orders; the next sweep must not put those orders in the experiment."""
    now = timezone.now()
    users = [get_user_model().objects.create_user(f"customer-{n}") for n in range(60)]
    for n, user in enumerate(users):
        past_order(f"OLD-{n}", user, now - timedelta(days=1 + n % 6))
    for n, user in enumerate(users):  # installed; they come back and are bucketed today
        seen(f"v-{n}", A if n % 2 else B, now - timedelta(minutes=30), user=user)
    convert_settings(CONVERSIONS=[ORDER_RULE])

    [report] = sweep()

    assert report.recorded == 60
    assert [row for row in Conversion.objects.values_list("bucketing", flat=True) if row] == []
    # ... while their segments (no history) and the goal data are there.
    assert Conversion.objects.filter(segments={"country": "DE"}).count() == 60


def test_a_late_recorded_order_carries_the_variation_seen_before_it(convert_settings: Any) -> None:
    now = timezone.now()
    ann, bob = (get_user_model().objects.create_user(name) for name in ("ann", "bob"))
    seen("v-ann", A, now - timedelta(days=3), user=ann)  # exposed, then buys
    past_order("ANN-1", ann, now - timedelta(days=2))
    seen("v-ann", B, now - timedelta(days=1), user=ann)  # Convert re-buckets her later
    seen("v-bob", A, now - timedelta(days=3), user=bob)
    past_order("BOB-1", bob, now - timedelta(days=2))
    seen("v-bob", A, now - timedelta(hours=1), user=bob)  # seen again: same variation
    convert_settings(CONVERSIONS=[ORDER_RULE])

    sweep()

    by_order = dict(Conversion.objects.values_list("transaction_id", "bucketing"))
    assert by_order == {"ANN-1": {EXPERIENCE: A}, "BOB-1": {EXPERIENCE: A}}
    # The history kept both of Ann's variations; her first is A.
    assert sorted(
        Exposure.objects.filter(visitor__visitor_id="v-ann").values_list("variation_id", "is_first")
    ) == [(A, True), (B, False)]


def test_occurred_at_names_the_moment(convert_settings: Any) -> None:
    """Created on Monday, bucketed on Tuesday, paid on Wednesday: with "occurred_at":
    "paid_at" the Tuesday exposure counts; by the creation date it would not."""
    now = timezone.now()
    ann = get_user_model().objects.create_user("ann")
    past_order("ANN-1", ann, now - timedelta(days=3), paid_at=now - timedelta(days=1))
    seen("v-ann", A, now - timedelta(days=2), user=ann)

    convert_settings(CONVERSIONS=[{**ORDER_RULE, "occurred_at": "paid_at"}])
    sweep()
    assert Conversion.objects.get().bucketing == {EXPERIENCE: A}

    Conversion.objects.all().delete()
    convert_settings(CONVERSIONS=[ORDER_RULE])  # falls back to created_at
    sweep()
    assert Conversion.objects.get().bucketing == {}


def test_save_time_recording_takes_the_bucketing_of_now(buyer: Any, convert_settings: Any) -> None:
    from tests.fixtures_conversions import BUCKETING

    convert_settings(CONVERSIONS=[ORDER_RULE])
    Order.objects.create(number="N1", user=buyer, status="paid")
    assert Conversion.objects.get().bucketing == BUCKETING


def test_a_visitor_id_rule_swept_late_uses_the_history_too(convert_settings: Any) -> None:
    now = timezone.now()
    seen("v-guest", B, now - timedelta(hours=2))
    order = Order.objects.create(number="G1", visitor_id="v-guest", total=Decimal("5"))
    Order.objects.filter(pk=order.pk).update(status="paid", created_at=now - timedelta(hours=3))
    convert_settings(CONVERSIONS=[{**ORDER_RULE, "visitor": "visitor_id"}])
    sweep()
    conversion = Conversion.objects.get()
    assert (conversion.visitor_id, conversion.bucketing, conversion.goal_id) == (
        "v-guest",
        {},
        GOAL,
    )


def check_ids() -> list[str]:
    from django_convert.conversions.moment_checks import check_moments

    return [message.id for message in check_moments()]


def test_check_occurred_at_must_be_a_moment(convert_settings: Any) -> None:
    convert_settings(CONVERSIONS=[{**ORDER_RULE, "occurred_at": "paid_at"}])
    assert check_ids() == []
    convert_settings(CONVERSIONS=[{**ORDER_RULE, "occurred_at": "total"}])
    assert check_ids() == ["django_convert.E113"]
    convert_settings(CONVERSIONS=[{**ORDER_RULE, "occurred_at": "paid_on"}])
    assert check_ids() == ["django_convert.E113"]


def test_check_warns_for_a_swept_code_rule_without_a_moment(convert_settings: Any) -> None:
    from django_convert.conversions import ConversionRule
    from django_convert.conversions.registry import register_rule, unregister_rule

    class Swept(ConversionRule):
        model = "testapp.Order"
        goal_id = GOAL
        visitor = "user"

        def sweep_queryset(self, since: Any, using: str) -> Any:
            return Order.objects.using(using).filter(created_at__gte=since)

    rule = register_rule(Swept)
    try:
        assert check_ids() == ["django_convert.W111"]
        Swept.occurred_at = "paid_at"
        assert check_ids() == []
    finally:
        unregister_rule(rule)
