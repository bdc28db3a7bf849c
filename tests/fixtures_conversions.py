"""Fixtures for recording conversions: a visitor with stored data, and the Order rule."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model

from django_convert.models import Bucketing, Visitor

GOAL = "100037225"

#: The contract's example rule, on the test app's Order.
ORDER_RULE: dict[str, Any] = {
    "model": "testapp.Order",
    "goal_id": GOAL,
    "when": {"status": "paid"},
    "visitor": "user",
    "amount": "total",
    "products_count": "items_count",
    "transaction_id": "number",
}

SEGMENTS = {
    "browser": "CH",
    "devices": ["DESK"],
    "source": "campaign",
    "visitorType": "returning",
    "country": "DE",
    "campaign": "spring",
    "customSegments": ["seg-1", "seg-2"],
}


def make_visitor(visitor_id: str = "v-7f3a9c", user: Any = None) -> Visitor:
    visitor = Visitor.objects.create(
        visitor_id=visitor_id,
        user=user,
        browser="CH",
        devices=["DESK"],
        source="campaign",
        visitor_type="returning",
        country="DE",
        campaign="spring",
        custom_segments=["seg-1", "seg-2"],
    )
    Bucketing.objects.create(visitor=visitor, experience_id="100127238", variation_id="1001186427")
    Bucketing.objects.create(visitor=visitor, experience_id="100127239", variation_id="1001186430")
    return visitor


BUCKETING = {"100127238": "1001186427", "100127239": "1001186430"}


@pytest.fixture
def buyer(db: None) -> Any:
    """A user with a stored visitor, its segments and two bucketing rows."""
    user = get_user_model().objects.create_user("buyer")
    make_visitor(user=user)
    return user


@pytest.fixture
def order_rule(convert_settings: Any) -> dict[str, Any]:
    convert_settings(CONVERSIONS=[ORDER_RULE])
    return ORDER_RULE
