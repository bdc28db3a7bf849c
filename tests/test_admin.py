from __future__ import annotations

from datetime import datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from django_convert.models import Bucketing, Conversion, Visitor

pytestmark = pytest.mark.django_db

CHANGELISTS = ["visitor", "bucketing", "conversion", "skippedconversion"]


def changelist(name: str) -> str:
    return reverse(f"admin:django_convert_{name}_changelist")


def make_rows(start: int, count: int) -> None:
    User = get_user_model()
    for n in range(start, start + count):
        user = User.objects.create_user(f"user{n}")
        visitor = Visitor.objects.create(visitor_id=f"v{n}", user=user, devices=["DESK"])
        Bucketing.objects.create(visitor=visitor, experience_id=str(n), variation_id="7")
        Conversion.objects.create(
            goal_id="1", transaction_id=f"T{n}", visitor_id=f"v{n}", last_request={"visitors": []}
        )


@pytest.mark.parametrize("name", CHANGELISTS)
def test_changelist_ok_for_staff(admin_client, name) -> None:
    make_rows(0, 2)
    assert admin_client.get(changelist(name)).status_code == 200


@pytest.mark.parametrize("name", CHANGELISTS)
def test_changelist_refused_to_non_staff(client, name) -> None:
    user = get_user_model().objects.create_user("plain", password="pw")
    client.force_login(user)
    response = client.get(changelist(name))
    assert response.status_code in (302, 403)
    assert response.status_code != 302 or "/login/" in response["Location"]


@pytest.mark.parametrize("name", CHANGELISTS)
def test_staff_with_view_permission_only(client, name) -> None:
    user = get_user_model().objects.create_user("staff", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename=f"view_{name}"))
    client.force_login(user)
    assert client.get(changelist(name)).status_code == 200


@pytest.mark.parametrize("name", CHANGELISTS)
def test_changelist_queries_do_not_grow_with_rows(admin_client, name) -> None:
    make_rows(0, 3)
    # Warm up: a user's first request links them to a visitor id (a few one-off queries).
    admin_client.get(changelist(name))
    with CaptureQueriesContext(connection) as few:
        admin_client.get(changelist(name))
    make_rows(3, 20)
    with CaptureQueriesContext(connection) as many:
        admin_client.get(changelist(name))
    assert len(many) == len(few)


@pytest.mark.parametrize(
    "query", ["?browser=CH", "?device=DESK", "?source=direct", "?visitor_type=new", "?q=v1"]
)
def test_visitor_filters_and_search(admin_client, query) -> None:
    make_rows(0, 2)
    assert admin_client.get(changelist("visitor") + query).status_code == 200


def test_device_filter_matches_whole_codes(admin_client) -> None:
    Visitor.objects.create(visitor_id="desk", devices=["DESK"])
    Visitor.objects.create(visitor_id="phone", devices=["IPH", "ALLPH"])
    response = admin_client.get(changelist("visitor") + "?device=IPH")
    assert [v.visitor_id for v in response.context["cl"].result_list] == ["phone"]


def test_search_by_username(admin_client) -> None:
    make_rows(0, 3)
    response = admin_client.get(changelist("visitor") + "?q=user1")
    assert [v.visitor_id for v in response.context["cl"].result_list] == ["v1"]


def test_bucketing_filters(admin_client) -> None:
    make_rows(0, 3)
    response = admin_client.get(changelist("bucketing") + "?experience_id=2")
    assert [b.experience_id for b in response.context["cl"].result_list] == ["2"]


def test_conversion_detail_shows_request_and_response(admin_client) -> None:
    conversion = Conversion.objects.create(
        goal_id="1",
        transaction_id="T",
        visitor_id="v",
        status="failed",
        last_request={"visitors": [{"visitorId": "v"}]},
        last_response_status=422,
        last_response_body='{"code": 422, "message": "goalId unknown"}',
        last_error="rejected",
    )
    url = reverse("admin:django_convert_conversion_change", args=[conversion.pk])
    content = admin_client.get(url).content.decode()
    assert "goalId unknown" in content
    assert "&quot;visitorId&quot;: &quot;v&quot;" in content
    assert "422" in content


def test_conversions_cannot_be_added(admin_client) -> None:
    assert admin_client.get(reverse("admin:django_convert_conversion_add")).status_code == 403


@pytest.mark.parametrize("name", ["visitor", "bucketing"])
def test_visitor_data_comes_from_ingest_not_the_add_form(admin_client, name) -> None:
    assert admin_client.get(reverse(f"admin:django_convert_{name}_add")).status_code == 403


@pytest.mark.parametrize(
    ("status", "shown"),
    [("pending", "2030"), ("sending", "due again at"), ("sent", "—"), ("failed", "—")],
)
def test_next_attempt_is_shown_only_where_it_means_something(admin_client, status, shown) -> None:
    when = timezone.make_aware(datetime(2030, 1, 2, 3, 4))
    conversion = Conversion.objects.create(
        goal_id="1", transaction_id="T", visitor_id="v", status=status, next_attempt_at=when
    )
    url = reverse("admin:django_convert_conversion_change", args=[conversion.pk])
    field = admin_client.get(url).content.decode().split("Next attempt", 1)[1][:400]
    assert shown in field
    if status in ("sent", "failed"):
        assert "2030" not in field
