from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from django_convert.models import Bucketing, Conversion, Visitor

pytestmark = pytest.mark.django_db


def test_visitor_segments_in_api_shape() -> None:
    visitor = Visitor.objects.create(
        visitor_id="v1",
        browser="CH",
        devices=["DESK"],
        source="direct",
        visitor_type="new",
        country="US",
        custom_segments=["seg-1"],
    )
    assert visitor.segments() == {
        "browser": "CH",
        "devices": ["DESK"],
        "source": "direct",
        "visitorType": "new",
        "country": "US",
        "customSegments": ["seg-1"],
    }


def test_bucketing_data_maps_experience_to_variation() -> None:
    visitor = Visitor.objects.create(visitor_id="v1")
    Bucketing.objects.create(visitor=visitor, experience_id="100127238", variation_id="1001186427")
    Bucketing.objects.create(visitor=visitor, experience_id="2", variation_id="3")
    assert visitor.bucketing_data() == {"100127238": "1001186427", "2": "3"}


def test_one_bucketing_row_per_experience() -> None:
    visitor = Visitor.objects.create(visitor_id="v1")
    Bucketing.objects.create(visitor=visitor, experience_id="1", variation_id="2")
    with pytest.raises(IntegrityError), transaction.atomic():
        Bucketing.objects.create(visitor=visitor, experience_id="1", variation_id="3")


def test_one_conversion_per_goal_and_transaction() -> None:
    Conversion.objects.create(goal_id="1", transaction_id="T1", visitor_id="v1")
    Conversion.objects.create(goal_id="2", transaction_id="T1", visitor_id="v1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Conversion.objects.create(goal_id="1", transaction_id="T1", visitor_id="v2")


def test_goal_data_in_api_shape() -> None:
    conversion = Conversion(
        goal_id="1",
        transaction_id="ORDER-1",
        visitor_id="v",
        amount=Decimal("149.99"),
        products_count=3,
        custom_dimensions={"2": ["a", "b"], "1": "gold"},
    )
    assert conversion.goal_data() == [
        {"key": "amount", "value": Decimal("149.99")},
        {"key": "productsCount", "value": 3},
        {"key": "transactionId", "value": "ORDER-1"},
        {"key": "customDimension1", "value": "gold"},
        {"key": "customDimension2", "value": ["a", "b"]},
    ]


def test_due_includes_expired_leases_only() -> None:
    now = timezone.now()
    past, future = now - timezone.timedelta(seconds=1), now + timezone.timedelta(seconds=60)
    due = [
        Conversion.objects.create(
            goal_id="1", transaction_id="a", visitor_id="v", next_attempt_at=past
        ),
        Conversion.objects.create(
            goal_id="1", transaction_id="b", visitor_id="v", status="sending", next_attempt_at=past
        ),
    ]
    for transaction_id, status, when in [
        ("c", "pending", future),
        ("d", "sending", future),
        ("e", "sent", past),
        ("f", "failed", past),
    ]:
        Conversion.objects.create(
            goal_id="1",
            transaction_id=transaction_id,
            visitor_id="v",
            status=status,
            next_attempt_at=when,
        )
    assert set(Conversion.objects.due(now)) == set(due)


def test_deleting_a_user_deletes_their_visitor_data() -> None:
    user = get_user_model().objects.create_user("ann")
    visitor = Visitor.objects.create(visitor_id="v1", user=user)
    Bucketing.objects.create(visitor=visitor, experience_id="1", variation_id="2")
    Conversion.objects.create(goal_id="1", transaction_id="T", visitor_id="v1")
    user.delete()
    assert not Visitor.objects.exists()
    assert not Bucketing.objects.exists()
    assert Conversion.objects.filter(visitor_id="v1").exists()
