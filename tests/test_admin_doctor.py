"""The conversion admin's "Diagnose" page (convert_doctor's checklist in the admin)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse

from django_convert.models import Conversion
from tests.test_convert_doctor import convert, visitor

pytestmark = pytest.mark.django_db


def diagnose_url(row: Conversion) -> str:
    return reverse("admin:django_convert_conversion_diagnose", args=[row.pk])


def test_change_page_links_to_diagnose(synced, admin_client) -> None:
    visitor()
    row = convert()
    page = admin_client.get(reverse("admin:django_convert_conversion_change", args=[row.pk]))
    assert diagnose_url(row) in page.content.decode()


def test_diagnose_page_lists_each_item(synced, admin_client) -> None:
    visitor(bucketing={"100127238": "1001186401"})  # a variation of another experience
    row = convert(goal="100037227")  # a goal not attached to the experience
    response = admin_client.get(diagnose_url(row))
    assert response.status_code == 200
    page = response.content.decode()
    assert "2 checks failed" in page
    assert page.count('class="dc-fail"') == 2
    assert page.count('class="dc-pass"') == 7
    assert "not attached to experience(s) 100127238" in page
    assert "In Convert, add the goal to each experience" in page
    assert "a variation of experience 100127239, not of 100127238" in page
    assert "doctor.css" in page


def test_diagnose_page_all_passing(synced, admin_client) -> None:
    visitor()
    page = admin_client.get(diagnose_url(convert())).content.decode()
    assert "No check failed." in page
    assert 'class="dc-fail"' not in page


def test_diagnose_needs_view_permission(synced, client) -> None:
    visitor()
    row = convert()
    user = get_user_model().objects.create_user("staff", password="pw", is_staff=True)
    client.force_login(user)
    assert client.get(diagnose_url(row)).status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="view_conversion"))
    assert client.get(diagnose_url(row)).status_code == 200


def test_diagnose_unknown_conversion_is_404(admin_client) -> None:
    url = reverse("admin:django_convert_conversion_diagnose", args=[999999])
    assert admin_client.get(url).status_code == 404
