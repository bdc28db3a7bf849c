"""Delivery health: ``delivery_health()``, ``convert_deliver --check`` and the admin's
summary above the conversion list name what is wrong, loudly."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from django_convert.delivery.deliver import deliver_due
from django_convert.delivery.health import delivery_health
from django_convert.models import Conversion
from tests.fixtures_convert import make_conversions

pytestmark = pytest.mark.django_db


def ago(**kwargs: float) -> timezone.datetime:
    return timezone.now() - timedelta(**kwargs)


def check(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("convert_deliver", "--check", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), err.getvalue() + str(exc)
    return 0, out.getvalue(), err.getvalue()


def test_a_fresh_outbox_is_healthy() -> None:
    make_conversions(2)  # just recorded, due now: not overdue
    health = delivery_health()
    assert health.ok
    assert (health.pending, health.overdue, health.last_sent_at) == (2, 0, None)
    code, out, _ = check()
    assert code == 0
    assert "pending 2" in out
    assert "OK: conversions are being delivered." in out


def test_overdue_pending_rows_are_named_with_who_should_deliver(convert_settings) -> None:
    convert_settings(DELIVERY="manual", HEALTH_OVERDUE_SECONDS=600)
    make_conversions(3, next_attempt_at=ago(minutes=30))
    make_conversions(1, start=10, next_attempt_at=ago(minutes=5))  # late, within the threshold
    health = delivery_health()
    assert [(p.code, p.count) for p in health.problems] == [("overdue", 3)]
    code, _, err = check()
    assert code == 1
    assert "PROBLEM [overdue] 3 conversion(s) pending more than 600s past their due time" in err
    assert "convert_deliver" in err  # manual: says what to run


def test_rows_sending_past_their_lease_are_stuck() -> None:
    make_conversions(2, status="sending", next_attempt_at=ago(hours=1))
    make_conversions(1, start=10, status="sending", next_attempt_at=ago(seconds=-100))  # leased
    health = delivery_health()
    assert [(p.code, p.count) for p in health.problems] == [("stuck", 2)]
    assert health.sending == 3


def test_recent_failures_are_a_problem_until_they_age_out(convert_server, convert_settings) -> None:
    convert_server.reject(400, times=None)
    make_conversions(1)
    assert deliver_due().failed == 1
    [problem] = delivery_health().problems
    assert (problem.code, problem.count) == ("failed", 1)
    assert "Retry selected conversions" in problem.message
    later = timezone.now() + timedelta(hours=25)
    assert delivery_health(now=later).ok  # HEALTH_FAILED_HOURS = 24


def test_silence_since_the_last_delivery_while_old_rows_wait(convert_settings) -> None:
    convert_settings(HEALTH_SILENCE_HOURS=24)
    # Convert has refused every retry for two days: rows back off into the future, so they
    # are not overdue, but nothing has been delivered since.
    make_conversions(1, status="sent", sent_at=ago(days=3), next_attempt_at=ago(days=3))
    make_conversions(2, start=10, next_attempt_at=ago(seconds=-600))
    Conversion.objects.filter(status="pending").update(created_at=ago(days=2))
    health = delivery_health()
    assert [(p.code, p.count) for p in health.problems] == [("silent", 2)]
    assert health.last_sent_at is not None
    # One delivery today ends the silence.
    make_conversions(
        1, start=20, status="sent", sent_at=ago(minutes=1), next_attempt_at=ago(minutes=1)
    )
    assert delivery_health().ok


def test_check_as_json_for_monitoring() -> None:
    make_conversions(1, next_attempt_at=ago(hours=2))
    code, out, _ = check("--json")
    assert code == 1
    data = json.loads(out)
    assert data["ok"] is False
    assert data["overdue"] == 1
    assert data["problems"][0]["code"] == "overdue"


def test_check_cannot_loop() -> None:
    with pytest.raises(CommandError, match="cannot be combined"):
        call_command("convert_deliver", "--check", "--loop")


def test_check_sends_nothing(convert_server) -> None:
    make_conversions(1)
    check()
    assert convert_server.received == []
    assert Conversion.objects.get().status == "pending"


def test_admin_list_shows_the_health_summary(admin_client) -> None:
    make_conversions(2, next_attempt_at=ago(hours=1))
    response = admin_client.get(reverse("admin:django_convert_conversion_changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="convert-delivery-health"' in html
    assert 'data-problem="overdue"' in html
    assert "2 conversion(s) pending more than" in html
    assert "Nothing delivered yet." in html


def test_admin_list_says_all_is_well(admin_client) -> None:
    response = admin_client.get(reverse("admin:django_convert_conversion_changelist"))
    html = response.content.decode()
    assert "Conversions are being delivered." in html
    assert "data-problem" not in html


# What issue 17 added: held rows, answers that are not Convert's, resends, retries by reason.


def test_rows_held_by_a_frozen_worker_are_named_before_their_lease_ends(convert_settings) -> None:
    convert_settings(LEASE_SECONDS=120, TIMEOUT=10.0)
    rows = make_conversions(3)
    # Claimed 80 s ago (lease runs to +40 s): longer than 2 x TIMEOUT + 30 s.
    Conversion.objects.filter(pk__in=[r.pk for r in rows[:2]]).update(
        status="sending", next_attempt_at=ago(seconds=-40)
    )
    health = delivery_health()
    assert (health.held, health.stuck) == (2, 0)
    assert [p.code for p in health.problems] == ["held"]
    code, out, err = check()
    assert code == 1
    assert "held 2" in out
    assert "PROBLEM [held] 2 conversion(s) 'sending'" in err


def test_answers_that_are_not_converts_and_retries_by_reason(convert_server, admin_client) -> None:
    make_conversions(4)
    convert_server.answer_html()
    deliver_due()
    health = delivery_health()
    assert health.retries == {"foreign_answer": 4}
    [problem] = health.problems
    assert problem.code == "foreign"
    assert "text/html" in problem.message  # the last such answer, as recorded
    code, out, err = check()
    assert code == 1
    assert "retries in the last 24 hour(s) by reason: foreign_answer 4" in out
    assert "PROBLEM [foreign] 4 conversion(s) got an answer that is not Convert's" in err
    page = admin_client.get(reverse("admin:django_convert_conversion_changelist"))
    assert b'data-problem="foreign"' in page.content
    assert b"foreign_answer 4" in page.content


def test_conversions_sent_again_after_an_unknown_outcome_are_reported(
    convert_server, convert_settings
) -> None:
    convert_settings(TIMEOUT=0.5, LEASE_SECONDS=4)
    make_conversions(3)
    convert_server.truncate()  # Convert may have counted them: the outcome is unknown
    deliver_due()
    Conversion.objects.update(next_attempt_at=timezone.now())
    assert deliver_due().sent == 3
    health = delivery_health()
    assert health.resent_recently == 3
    assert "resent" in [p.code for p in health.problems]
    assert json.loads(check("--json")[1])["resent_recently"] == 3
