"""Delivery outcomes in the conversion admin, and the "Retry selected conversions" action."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from django_convert.delivery import deliver_due
from django_convert.models import Conversion
from tests.fixtures_convert import make_conversions

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:django_convert_conversion_changelist")


def change_url(row: Conversion) -> str:
    return reverse("admin:django_convert_conversion_change", args=[row.pk])


def test_permanent_4xx_is_visible_with_converts_message(convert_server, admin_client) -> None:
    convert_server.reject(400, "Goal 100037225 is not part of project 10056789", times=None)
    [row] = make_conversions(1)
    deliver_due()
    row.refresh_from_db()
    assert row.status == "failed"
    page = admin_client.get(change_url(row)).content.decode()
    assert "Goal 100037225 is not part of project 10056789" in page  # Convert's answer
    assert "400" in page
    assert "ORDER-0" in page and "visitor-0" in page  # the request sent  # noqa: PT018
    listing = admin_client.get(CHANGELIST, {"status": "failed"}).content.decode()
    assert "Goal 100037225 is not part" in listing  # the short error column


def retry(client, rows) -> object:
    return client.post(
        CHANGELIST,
        {"action": "retry_conversions", "_selected_action": [r.pk for r in rows]},
        follow=True,
    )


def test_retry_requeues_failed_and_leaves_sent_alone(convert_server, admin_client) -> None:
    failed = make_conversions(2, status="failed", attempts=12, last_error="HTTP 401")
    waiting = make_conversions(
        1, start=2, attempts=3, next_attempt_at=timezone.now() + timezone.timedelta(hours=1)
    )
    sent = make_conversions(1, start=3, status="sent", attempts=1)
    response = retry(admin_client, failed + waiting + sent)
    assert "3 conversion(s) queued for delivery" in response.content.decode()
    assert "1 sent or in-flight conversion(s) left alone" in response.content.decode()
    rows = {r.transaction_id: r for r in Conversion.objects.all()}
    assert (rows["ORDER-0"].status, rows["ORDER-0"].attempts) == ("pending", 0)
    assert rows["ORDER-0"].next_attempt_at <= timezone.now()
    assert (rows["ORDER-2"].status, rows["ORDER-2"].attempts) == ("pending", 3)
    assert rows["ORDER-2"].next_attempt_at <= timezone.now()
    assert rows["ORDER-3"].status == "sent"
    assert deliver_due().sent == 3  # DELIVERY="manual" in tests: the next run sends them
    assert sorted(convert_server.accepted_transaction_ids()) == ["ORDER-0", "ORDER-1", "ORDER-2"]


def test_retry_needs_change_permission(client) -> None:
    [row] = make_conversions(1, status="failed")
    user = get_user_model().objects.create_user("viewer", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_conversion"))
    client.force_login(user)
    assert "retry_conversions" not in client.get(CHANGELIST).content.decode()
    retry(client, [row])
    row.refresh_from_db()
    assert row.status == "failed"
    user.user_permissions.add(Permission.objects.get(codename="change_conversion"))
    user = get_user_model().objects.get(pk=user.pk)  # drop the permission cache
    client.force_login(user)
    assert "retry_conversions" in client.get(CHANGELIST).content.decode()
    retry(client, [row])
    row.refresh_from_db()
    assert row.status == "pending"
