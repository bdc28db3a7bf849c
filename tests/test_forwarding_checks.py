"""FORWARD's system checks, the health that convert_deliver --check and convert_doctor
report per destination, and the admin of forwarded events."""

from __future__ import annotations

import contextlib
import json
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.urls import reverse

from django_convert.forwarding.checks import check_forwarding
from django_convert.forwarding.config import configured
from django_convert.forwarding.deliver import deliver_forwarded
from django_convert.models import ForwardedEvent
from tests.fixtures_forwarding import make_forwarded


def ids(forward: Any, debug: bool = False) -> list[str]:
    with override_settings(DJANGO_CONVERT={"FORWARD": forward}, DEBUG=debug):
        return [message.id or "" for message in check_forwarding()]


GOOD = {
    "ga4": {"MEASUREMENT_ID": "G-ABC123XYZ", "API_SECRET": "s"},
    "segment": {"WRITE_KEY": "wk"},
    "mixpanel": {
        "PROJECT_TOKEN": "t",
        "API_SECRET": "",
        "URL": "https://api-eu.mixpanel.com/import",
    },
}


@pytest.mark.parametrize(
    ("forward", "expected"),
    [
        (GOOD, []),
        ({}, []),
        (["segment"], ["django_convert.E300"]),
        ({"segmnet": {"WRITE_KEY": "x"}}, ["django_convert.E301"]),
        ({"segment": "wk"}, ["django_convert.E302"]),
        ({"segment": {"WRITE_KEY": ""}}, ["django_convert.E303"]),
        ({"mixpanel": {"API_SECRET": "x"}}, ["django_convert.E303"]),
        ({"ga4": {"MEASUREMENT_ID": "UA-1234-1", "API_SECRET": "s"}}, ["django_convert.E304"]),
        ({"segment": {"WRITE_KEY": "w", "URL": "ftp://x"}}, ["django_convert.E305"]),
        (
            {"segment": {"WRITE_KEY": "w", "URL": "http://x.example/v1/batch"}},
            ["django_convert.W300"],
        ),
        ({"segment": {"WRITE_KEY": "w", "WRITEKEY": "w"}}, ["django_convert.E306"]),
        ({"segment": {"WRITE_KEY": "w", "CONVERSIONS": "yes"}}, ["django_convert.W301"]),
        ({"segment": {"WRITE_KEY": "w", "BROWSER_ID_WAIT": "30"}}, ["django_convert.W302"]),
        ({"segment": {"WRITE_KEY": "w", "BROWSER_ID_WAIT": -1}}, ["django_convert.W302"]),
        ({"segment": {"WRITE_KEY": "w", "BROWSER_ID_WAIT": True}}, ["django_convert.W302"]),
        ({"segment": {"WRITE_KEY": "w", "BROWSER_ID_WAIT": 0}}, []),
        ({"segment": {"WRITE_KEY": "w", "BROWSER_ID_WAIT": 12.5}}, []),
    ],
)
def test_checks(forward: Any, expected: list[str]) -> None:
    assert ids(forward) == expected


def test_plain_http_is_fine_with_debug() -> None:
    assert ids({"segment": {"WRITE_KEY": "w", "URL": "http://127.0.0.1:1/v1/batch"}}, True) == []


def test_a_destination_missing_a_credential_is_not_forwarded_to() -> None:
    with override_settings(DJANGO_CONVERT={"FORWARD": {"segment": {"WRITE_KEY": " "}, **{
        k: v for k, v in GOOD.items() if k != "segment"}}}):  # fmt: skip
        assert sorted(configured()) == ["ga4", "mixpanel"]


@pytest.mark.django_db
def test_check_command_runs_them() -> None:
    with (
        override_settings(DJANGO_CONVERT={"FORWARD": {"segmnet": {}}}),
        pytest.raises(Exception, match="E301"),
    ):
        call_command("check", stdout=StringIO(), stderr=StringIO())


@pytest.mark.django_db
def test_deliver_check_reports_each_destination(destinations) -> None:
    make_forwarded("segment", 2)
    destinations.segment.fail(400)  # refused, a single-row batch each: failed
    destinations.segment.fail(400)
    destinations.segment.fail(400)
    deliver_forwarded()
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="Forwarding is not healthy: segment"):
        call_command("convert_deliver", "--check", stdout=out, stderr=err)
    assert "forwarding to segment (configured): pending 0" in out.getvalue()
    assert "failed recently 2" in out.getvalue()
    assert "last error: Segment refused the request: HTTP 400" in out.getvalue()
    assert "PROBLEM [forward:segment]" in err.getvalue()
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("convert_deliver", "--check", "--json", stdout=out, stderr=StringIO())
    data = json.loads(out.getvalue())
    by_name = {d["name"]: d for d in data["forwarding"]}
    assert sorted(by_name) == ["ga4", "mixpanel", "segment"]
    assert by_name["segment"]["failed"] == 2
    assert by_name["ga4"]["problems"] == []


@pytest.mark.django_db
def test_rows_for_a_destination_no_longer_configured_are_a_problem(destinations, convert_settings):
    make_forwarded("mixpanel", 1)
    convert_settings(FORWARD=destinations.forward("segment"))
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="mixpanel"):
        call_command("convert_deliver", "--check", stdout=out, stderr=err)
    assert "mixpanel (NOT configured): pending 1" in out.getvalue()
    assert "not configured in FORWARD" in err.getvalue()


@pytest.mark.django_db
def test_doctor_lists_each_destination(destinations) -> None:
    make_forwarded("ga4", 1)
    deliver_forwarded()
    out = StringIO()
    with contextlib.suppress(CommandError):  # other items (no synced config) fail here
        call_command("convert_doctor", stdout=out, stderr=StringIO())
    text = out.getvalue()
    for name in ("ga4", "segment", "mixpanel"):
        assert f"Forwarding to {name}" in text
    assert "ga4 (configured): pending 0, sending 0, overdue 0, failed recently 0" in text


@pytest.mark.django_db
def test_doctor_says_when_nothing_is_forwarded(convert_settings) -> None:
    convert_settings(FORWARD={})
    out = StringIO()
    with contextlib.suppress(CommandError):
        call_command("convert_doctor", stdout=out, stderr=StringIO())
    assert "FORWARD configures no destination" in out.getvalue()


# The admin ---------------------------------------------------------------------------


def staff(*codenames: str) -> Client:
    user = get_user_model().objects.create_user(
        f"staff-{'-'.join(codenames) or 'none'}"[:150], password="pw", is_staff=True
    )
    for codename in codenames:
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label="django_convert", codename=codename)
        )
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_admin_lists_filters_and_shows_request_and_answer(destinations) -> None:
    make_forwarded("segment", 1)
    make_forwarded("mixpanel", 1)
    destinations.segment.fail(503)
    deliver_forwarded()
    client = staff("view_forwardedevent")
    url = reverse("admin:django_convert_forwardedevent_changelist")
    page = client.get(url, {"destination": "segment"})
    assert page.status_code == 200
    assert b"Homepage hero / Variation 1" in page.content
    assert page.context["cl"].result_count == 1
    row = ForwardedEvent.objects.get(destination="segment")
    detail = client.get(reverse("admin:django_convert_forwardedevent_change", args=[row.pk]))
    assert detail.status_code == 200
    assert b"Experiment Viewed" in detail.content  # the request sent
    assert b"injected fault" in detail.content  # the answer
    assert b"unavailable" in detail.content


@pytest.mark.django_db
def test_admin_retry_needs_the_change_permission(destinations) -> None:
    [row] = make_forwarded("segment", 1)
    ForwardedEvent.objects.filter(pk=row.pk).update(status="failed", attempts=3)
    url = reverse("admin:django_convert_forwardedevent_changelist")
    data = {"action": "retry_forwarded", "_selected_action": [row.pk]}
    assert staff("view_forwardedevent").post(url, data).status_code == 403
    assert ForwardedEvent.objects.get().status == "failed"
    response = staff("view_forwardedevent", "change_forwardedevent").post(url, data)
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("pending", 0)
    assert deliver_forwarded()["segment"].sent == 1


@pytest.mark.django_db
def test_a_destination_with_a_missing_credential_is_a_problem(convert_settings) -> None:
    convert_settings(FORWARD={"segment": {"WRITE_KEY": ""}})
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="segment"):
        call_command("convert_deliver", "--check", stdout=out, stderr=err)
    assert "segment (NOT configured)" in out.getvalue()
    assert "E303" in err.getvalue()
