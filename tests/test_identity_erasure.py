"""Erasure that follows merges: forget_user() finds the guest ids login stitching merged
into the account, and what was recorded under them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from django_convert import forget_user, track_conversion
from django_convert.ingest.store import store_context
from django_convert.models import Bucketing, Conversion, Exposure, MergedId, Visitor
from tests.test_identity_stitching import browse, log_in

pytestmark = pytest.mark.django_db

GOAL = "100037225"


def bucketed(visitor_id: str, experience: str, variation: str, at: Any = None) -> None:
    store_context(
        visitor_id=visitor_id,
        experiences=[{"experienceId": experience, "variationId": variation}],
        segments={},
        now=at,
    )


def test_forget_user_after_a_guest_then_login_merge(user: Any) -> None:
    """The issue's case: the customer buys as a guest on a second device, then logs in
    there. The guest's conversion (order number, amount) must go with the account."""
    laptop, phone = Client(), Client()
    account_id = browse(laptop)
    log_in(laptop)
    bucketed(account_id, "e1", "B")
    guest_id = browse(phone)
    bucketed(guest_id, "e1", "A", at=timezone.now() - timedelta(hours=1))
    bucketed(guest_id, "e2", "C")
    guest_order = track_conversion(
        visitor_id=guest_id, goal_id=GOAL, transaction_id="GUEST-1", amount=49
    )
    assert log_in(phone) == account_id  # stitching merges the guest into the account
    assert not Visitor.objects.filter(visitor_id=guest_id).exists()
    assert list(MergedId.objects.values_list("merged_id", flat=True)) == [guest_id]
    # The history kept both of e1's variations, the guest's first (it was seen earlier).
    assert sorted(Exposure.objects.values_list("experience_id", "variation_id", "is_first")) == [
        ("e1", "A", True),
        ("e1", "B", False),
        ("e2", "C", True),
    ]
    own_sent = track_conversion(visitor_id=account_id, goal_id=GOAL, transaction_id="ACC-1")
    Conversion.objects.filter(pk=own_sent.pk).update(status="sent")
    in_flight = track_conversion(visitor_id=account_id, goal_id=GOAL, transaction_id="ACC-2")
    Conversion.objects.filter(pk=in_flight.pk).update(status="sending")
    someone_else = track_conversion(visitor_id="someone-else", goal_id=GOAL, transaction_id="X")

    erasure = forget_user(user)

    assert erasure.visitor_ids == tuple(sorted([account_id, guest_id]))
    assert (erasure.visitors, erasure.bucketing, erasure.exposures, erasure.merged_ids) == (
        1,
        2,
        3,
        1,
    )
    assert (erasure.unsent_conversions, erasure.sent_conversions) == (1, 1)
    assert erasure.in_flight_conversions == 1
    assert guest_id in str(erasure)
    assert "being sent right now" in str(erasure)
    assert not Conversion.objects.filter(pk=guest_order.pk).exists()  # never sent now
    assert set(Conversion.objects.values_list("pk", flat=True)) == {in_flight.pk, someone_else.pk}
    assert not (Visitor.objects.exists())
    assert not (Bucketing.objects.exists())
    assert not (Exposure.objects.exists())
    assert get_user_model().objects.filter(pk=user.pk).exists()  # the account is the shop's


def test_forget_user_without_a_visitor_says_so(user: Any) -> None:
    erasure = forget_user(user)
    assert erasure.visitor_ids == ()
    assert str(erasure) == "No Convert visitor: nothing to forget."


def test_merges_chain_ids_into_the_last_account(user: Any) -> None:
    """Guest 1 merged into guest 2's account row... every id is kept by the final one."""
    from django_convert.identity.stitching import merge_visitors

    Visitor.objects.create(visitor_id="account", user=user)
    Visitor.objects.create(visitor_id="middle")
    Visitor.objects.create(visitor_id="first")
    merge_visitors("first", "middle")
    merge_visitors("middle", "account")
    assert sorted(MergedId.objects.values_list("merged_id", flat=True)) == ["first", "middle"]
    track_conversion(visitor_id="first", goal_id=GOAL, transaction_id="T1")
    assert forget_user(user).unsent_conversions == 1
    assert not Conversion.objects.exists()


def test_the_admin_erasure_action_forgets_and_says_what(admin_client: Any, user: Any) -> None:
    visitor = Visitor.objects.create(visitor_id="v-erase", user=user)
    MergedId.objects.create(visitor=visitor, merged_id="v-guest")
    track_conversion(visitor_id="v-guest", goal_id=GOAL, transaction_id="G1")
    response = admin_client.post(
        "/admin/django_convert/visitor/",
        {"action": "forget_visitors", "_selected_action": [visitor.pk]},
        follow=True,
    )
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert any("v-guest" in m and "1 unsent" in m for m in messages), messages
    assert not Conversion.objects.exists()
    assert not Visitor.objects.filter(visitor_id="v-erase").exists()


def test_the_visitor_page_shows_the_exposure_history_and_merged_ids(admin_client: Any) -> None:
    bucketed("v-page", "e1", "A", at=timezone.now() - timedelta(days=2))
    bucketed("v-page", "e1", "B")
    visitor = Visitor.objects.get(visitor_id="v-page")
    MergedId.objects.create(visitor=visitor, merged_id="v-old-guest")
    page = admin_client.get(f"/admin/django_convert/visitor/{visitor.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "exposure history" in html.lower()
    assert "v-old-guest" in html
    assert html.count("e1") >= 3  # the bucketing row and both exposures
