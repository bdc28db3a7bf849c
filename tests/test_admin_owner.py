"""The owner's admin: tracking data read-only, a conversion linked to its visitor and to the
order that caused it, the reports listed with status, dates and visitors, numbers in the
site's locale, and an experience's report on one of its own goals."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from django_convert import track_conversion
from django_convert.models import Bucketing, Conversion, DroppedPost, Experience, Goal, Visitor
from tests.fixtures_conversions import ORDER_RULE
from tests.testapp.models import Order

pytestmark = pytest.mark.django_db


def url(name: str, *args: object) -> str:
    return reverse(f"admin:django_convert_{name}", args=args)


@pytest.fixture
def visitor() -> Visitor:
    row = Visitor.objects.create(
        visitor_id="3f9a2c1b7d4e4b0f9a2c1b7d4e4b0f9a",
        browser="CH",
        devices=["DESK", "OTHDEV"],
        source="campaign",
        visitor_type="returning",
        country="DE",
        custom_segments=["seg-1"],
    )
    Bucketing.objects.create(visitor=row, experience_id="100127238", variation_id="1001186427")
    return row


def test_a_visitor_is_read_only_and_readable(admin_client, visitor) -> None:
    page = admin_client.get(url("visitor_change", visitor.pk)).content.decode()
    assert '<input type="text" name="visitor_id"' not in page
    assert 'name="devices"' not in page  # no raw JSON box
    assert "Desktop (DESK)" in page
    assert "Other device (OTHDEV)" in page
    assert "Returning (returning)" in page
    assert 'name="bucketings-0-experience_id"' not in page  # the inline shows, never edits
    assert 'name="bucketings-MAX_NUM_FORMS" value="0"' in page  # nothing to add
    assert url("visitor_delete", visitor.pk) not in page
    assert 'name="_save"' not in page
    # The bucketing inline, read-only, with the experience's id.
    assert "100127238" in page
    # Editing by POST is refused, even for a superuser.
    response = admin_client.post(url("visitor_change", visitor.pk), {"visitor_id": "x"})
    assert response.status_code == 403
    assert admin_client.get(url("visitor_add")).status_code == 403
    assert admin_client.get(url("visitor_delete", visitor.pk)).status_code == 403


def test_bucketing_is_read_only(admin_client, visitor) -> None:
    row = visitor.bucketings.get()
    page = admin_client.get(url("bucketing_change", row.pk)).content.decode()
    assert 'name="experience_id"' not in page
    assert 'name="_save"' not in page
    assert admin_client.post(url("bucketing_change", row.pk), {}).status_code == 403
    assert admin_client.get(url("bucketing_delete", row.pk)).status_code == 403
    changelist = admin_client.get(url("bucketing_changelist")).content.decode()
    assert "delete_selected" not in changelist


def test_a_visitor_links_to_its_conversions(admin_client, visitor) -> None:
    track_conversion(visitor_id=visitor.visitor_id, goal_id="100037225", transaction_id="A")
    page = admin_client.get(url("visitor_change", visitor.pk)).content.decode()
    assert f"{url('conversion_changelist')}?q={visitor.visitor_id}" in page
    assert "1 conversion" in page
    listed = admin_client.get(url("conversion_changelist") + f"?q={visitor.visitor_id}")
    assert [c.transaction_id for c in listed.context["cl"].result_list] == ["A"]


def test_a_rules_conversion_links_to_its_visitor_and_its_order(
    admin_client, convert_settings, visitor
) -> None:
    convert_settings(CONVERSIONS=[{**ORDER_RULE, "visitor": "visitor_id", "products_count": None}])
    order = Order.objects.create(
        number="ORD-7", status="paid", total=Decimal("37.40"), visitor_id=visitor.visitor_id
    )
    conversion = Conversion.objects.get(transaction_id="ORD-7")
    assert (conversion.source_model, conversion.source_id) == ("testapp.order", str(order.pk))
    page = admin_client.get(url("conversion_change", conversion.pk)).content.decode()
    assert reverse("admin:testapp_order_change", args=[order.pk]) in page
    assert url("visitor_change", visitor.pk) in page
    assert "37.40" in page
    assert "37.4000" not in page
    pk = order.pk
    order.delete()
    page = admin_client.get(url("conversion_change", conversion.pk)).content.decode()
    assert f"order {pk} (no longer there)" in page


def test_track_conversion_takes_the_object_that_caused_it(admin_client) -> None:
    order = Order.objects.create(number="SUB-1")
    conversion = track_conversion(visitor_id="v-9", goal_id="1", source=order)
    assert (conversion.source_model, conversion.source_id) == ("testapp.order", str(order.pk))
    page = admin_client.get(url("conversion_change", conversion.pk)).content.decode()
    assert "nothing stored for this visitor" in page  # no Visitor row: no link to one
    plain = track_conversion(visitor_id="v-9", goal_id="1")
    assert plain.source_model == ""
    assert plain.source_id == ""


@override_settings(USE_THOUSAND_SEPARATOR=False)
def test_money_and_numbers_in_the_sites_locale(admin_client, convert_settings) -> None:
    track_conversion(visitor_id="v-1", goal_id="1", transaction_id="BIG", amount=Decimal("9932.96"))
    listed = admin_client.get(url("conversion_changelist")).content.decode()
    assert "9,932.96" in listed
    assert "9932.9600" not in listed
    convert_settings(CURRENCY="USD")
    assert "9,932.96 USD" in admin_client.get(url("conversion_changelist")).content.decode()
    with override_settings(LANGUAGE_CODE="de"):
        german = admin_client.get(url("conversion_changelist")).content.decode()
    assert "9.932,96 USD" in german


def test_lists_are_compact(admin_client, visitor) -> None:
    """Long values are cut with their whole text in the title; one line per experience."""
    Experience.objects.create(id="100127238", name="Checkout button colour " * 3)
    page = admin_client.get(url("visitor_changelist")).content.decode()
    assert 'class="dc-clip dc-w-16em"' in page
    assert 'title="3f9a2c1b7d4e4b0f9a2c1b7d4e4b0f9a"' in page  # the whole id, on hover
    assert ">3f9a2c1b7d…<" in page
    assert "changelist.css" in page


def test_reports_index_lists_each_experience_with_status_dates_and_visitors(admin_client) -> None:
    now = timezone.now()
    Experience.objects.create(id="100127238", name="Checkout button colour", status="active")
    Experience.objects.create(id="100127300", name="", status="paused")
    for n in range(3):
        visitor = Visitor.objects.create(visitor_id=f"v-{n}")
        Bucketing.objects.create(
            visitor=visitor,
            experience_id="100127238",
            variation_id="1",
            first_seen=now - timedelta(days=n + 1),
            last_seen=now - timedelta(hours=n),
        )
    Bucketing.objects.create(
        visitor=Visitor.objects.create(visitor_id="v-x"), experience_id="555", variation_id="9"
    )
    response = admin_client.get(url("experimentreport_changelist"))
    rows = {row.experience_id: row for row in response.context["rows"]}
    assert next(iter(rows)) == "100127238"  # active first
    checkout = rows["100127238"]
    assert (checkout.status, checkout.visitors) == ("active", 3)
    assert checkout.first_seen == now - timedelta(days=3)
    assert checkout.last_seen == now
    assert rows["100127300"].title == "Experience 100127300 (no name synced)"
    assert rows["100127300"].visitors == 0
    assert rows["555"].status == "not in the synced config"
    page = response.content.decode()
    assert "Checkout button colour (100127238)" in page
    assert url("bucketing_report", "100127238") in page
    assert re.search(r'class="dc-number">3<', page)
    # The index of the admin site lists it in the Convert section.
    index = admin_client.get(reverse("admin:index")).content.decode()
    assert url("experimentreport_changelist") in index
    assert "Experiment reports" in index


def test_an_unnamed_experiences_report_is_titled_and_on_one_of_its_goals(
    admin_client, convert_settings
) -> None:
    # A rule's goal (listed first among the others) is not this experience's.
    convert_settings(CONVERSIONS=[ORDER_RULE])
    Goal.objects.create(id="100037226", name="Add to cart")
    visitor = Visitor.objects.create(visitor_id="v-1")
    Bucketing.objects.create(visitor=visitor, experience_id="777", variation_id="7001")
    track_conversion(visitor_id="v-1", goal_id="100037226", transaction_id="C-1")
    response = admin_client.get(url("bucketing_report", "777"))
    assert response.context["form"].data["goal"] == "100037226"
    assert "Experience 777 (no name synced)" in response.content.decode()
    # Nothing known about its goals: no guess, a question.
    Bucketing.objects.create(
        visitor=Visitor.objects.create(visitor_id="v-2"), experience_id="888", variation_id="1"
    )
    response = admin_client.get(url("bucketing_report", "888"))
    assert response.context["report"] is None
    assert "No goal of this experience is known" in response.content.decode()


def test_a_synced_experiences_report_defaults_to_its_revenue_goal(admin_client) -> None:
    experience = Experience.objects.create(id="100127238", name="Checkout", status="active")
    experience.goals.add(
        Goal.objects.create(id="100037226", name="Add to cart", type="code_trigger"),
        Goal.objects.create(id="100037225", name="Purchase", type="revenue"),
    )
    response = admin_client.get(url("bucketing_report", "100127238"))
    assert response.context["form"].data["goal"] == "100037225"


def test_forget_removes_the_dropped_post_notes_too(admin_client, visitor) -> None:
    DroppedPost.objects.create(visitor_id=visitor.visitor_id, reason="crawler")
    DroppedPost.objects.create(visitor_id="someone-else", reason="crawler")
    data = {
        "action": "forget_visitors",
        "_selected_action": [visitor.pk],
        "index": "0",
        "post": "yes",
    }
    admin_client.post(url("visitor_changelist"), data)
    assert list(DroppedPost.objects.values_list("visitor_id", flat=True)) == ["someone-else"]


def test_filters_never_show_a_bare_number_for_an_unnamed_experience(admin_client) -> None:
    from django_convert.models import ConfigSync

    ConfigSync.objects.create(ok=True)
    Experience.objects.create(id="100127100", name="", status="active")
    page = admin_client.get(url("visitor_changelist")).content.decode()
    assert "100127100 (no name synced)" in page


def test_a_staff_users_own_visitor_does_not_matter(admin_client) -> None:
    user = get_user_model().objects.get(username="admin")
    assert admin_client.get(url("visitor_changelist")).status_code == 200
    assert Visitor.objects.filter(user=user).count() <= 1
