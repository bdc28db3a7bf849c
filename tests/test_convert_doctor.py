"""``convert_doctor``: each checklist item passing and failing, per conversion and project-wide.

Conversions are recorded with track_conversion and delivered to the stand-in over HTTP,
so the request and Convert's answer the doctor reads are real ones.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from django_convert import track_conversion
from django_convert.delivery import deliver_due
from django_convert.models import Bucketing, ConfigSync, Conversion, Experience, Visitor
from django_convert.reports.doctor import diagnose_conversion, find_conversions
from django_convert.reports.doctor_project import diagnose_project

pytestmark = pytest.mark.django_db

SEGMENTS = {"browser": "CH", "devices": ["DESK"], "visitorType": "new", "country": "US"}


def visitor(visitor_id: str = "v-1", bucketing: dict[str, str] | None = None) -> Visitor:
    row = Visitor.objects.create(
        visitor_id=visitor_id, browser="CH", devices=["DESK"], visitor_type="new", country="US"
    )
    for experience_id, variation_id in (bucketing or {"100127238": "1001186428"}).items():
        Bucketing.objects.create(
            visitor=row, experience_id=experience_id, variation_id=variation_id
        )
    return row


def convert(visitor_id: str = "v-1", goal: str = "100037225", deliver: bool = True, **kw):
    values = {"amount": Decimal("24.90"), "transaction_id": "ORDER-1", **kw}
    row = track_conversion(visitor_id=visitor_id, goal_id=goal, **values)
    if deliver:
        deliver_due()
    row.refresh_from_db()
    return row


def items(conversion: Conversion) -> dict[str, tuple[str, str]]:
    return {
        i.key: (i.status, i.detail + " | " + i.fix) for i in diagnose_conversion(conversion).items
    }


def status(conversion: Conversion) -> dict[str, str]:
    return {key: value[0] for key, value in items(conversion).items()}


def test_a_good_conversion_passes_every_item(synced) -> None:
    visitor()
    row = convert()
    assert row.status == "sent"
    assert status(row) == {
        "visitor": "pass",
        "bucketing_shape": "pass",
        "goal": "pass",
        "experience:100127238": "pass",
        "amount": "pass",
        "transaction_id": "pass",
        "segments": "pass",
        "request": "pass",
        "answer": "pass",
    }
    found = items(row)
    assert (
        "Checkout button colour (100127238) → B: green button (1001186428)"
        in found["experience:100127238"][1]
    )
    assert "sent as a JSON number" in found["amount"][1]
    assert "ConvertAgent/" in found["request"][1]
    assert "HTTP 200" in found["answer"][1]
    out = StringIO()
    call_command("convert_doctor", "ORDER-1", stdout=out)
    assert "All checks passed." in out.getvalue()
    assert out.getvalue().count("PASS") == 9


def test_visitor_never_seen_or_never_bucketed(synced) -> None:
    row = convert("ghost")
    assert status(row)["visitor"] == "fail"
    assert "never reported by the browser" in items(row)["visitor"][1]
    Visitor.objects.create(visitor_id="plain")
    row = convert("plain", transaction_id="ORDER-2")
    assert status(row)["visitor"] == "fail"
    assert "never bucketed" in items(row)["visitor"][1]
    assert status(row)["bucketing_shape"] == "fail"  # sent without bucketingData


def test_conversion_recorded_before_the_bucketing_arrived(synced) -> None:
    Visitor.objects.create(visitor_id="early")
    row = convert("early")  # no bucketing yet: bucketingData is empty
    late = Visitor.objects.get(visitor_id="early")
    Bucketing.objects.create(visitor=late, experience_id="100127238", variation_id="1001186427")
    assert status(row)["visitor"] == "pass"  # bucketed now
    assert status(row)["bucketing_shape"] == "fail"
    assert "arrived at" in items(row)["bucketing_shape"][1]
    assert "before the browser reported the bucketing" in items(row)["bucketing_shape"][1]


def test_bucketing_data_that_is_not_id_to_id(synced) -> None:
    visitor()
    row = convert(deliver=False)
    Conversion.objects.filter(pk=row.pk).update(bucketing={"checkout": 1001186428})
    row.refresh_from_db()
    assert status(row)["bucketing_shape"] == "fail"


def test_goal_not_in_the_project(synced) -> None:
    visitor()
    row = convert(goal="123456")
    assert status(row)["goal"] == "fail"
    assert "not a goal of the synced project" in items(row)["goal"][1]


def test_goal_not_attached_to_the_bucketed_experience(synced) -> None:
    visitor()
    row = convert(goal="100037227")  # newsletter: only on the draft homepage experience
    assert status(row)["goal"] == "fail"
    assert "not attached to experience(s) 100127238" in items(row)["goal"][1]


def test_goal_and_ids_cannot_be_checked_before_a_sync(config_server) -> None:
    visitor()
    row = convert()
    assert status(row)["goal"] == "warn"
    assert status(row)["experiences"] == "warn"
    assert diagnose_conversion(row).ok  # a warning is not a failure


@pytest.mark.parametrize(
    ("bucketing", "found"),
    [
        ({"555": "1001186428"}, "experience 555: not in the synced config"),
        ({"100127238": "666"}, "variation 666: not in the synced config"),
        ({"100127238": "1001186401"}, "a variation of experience 100127239, not of 100127238"),
        ({"100127240": "1001186501"}, "draft, not active"),
    ],
    ids=["unknown experience", "unknown variation", "wrong experience", "draft"],
)
def test_experience_and_variation_must_exist_and_be_active(synced, bucketing, found) -> None:
    visitor(bucketing=bucketing)
    row = convert(deliver=False)
    [key] = [key for key in status(row) if key.startswith("experience:")]
    assert status(row)[key] == "fail"
    assert found in items(row)[key][1]


def test_stopped_variation_and_paused_experience(synced) -> None:
    Experience.objects.filter(pk="100127238").update(status="paused")
    visitor()
    row = convert(deliver=False)
    assert "paused, not active" in items(row)["experience:100127238"][1]


def test_revenue_goal_without_amount_and_amount_sent_as_text(synced) -> None:
    visitor()
    row = convert(amount=None)
    assert status(row)["amount"] == "fail"
    assert "revenue goal" in items(row)["amount"][1]
    row = convert(transaction_id="ORDER-2")
    request = row.last_request
    request["body"]["visitors"][0]["events"][0]["data"]["goalData"][0]["value"] = "24.90"
    Conversion.objects.filter(pk=row.pk).update(last_request=request)
    row.refresh_from_db()
    assert status(row)["amount"] == "fail"
    assert "not a number" in items(row)["amount"][1]


def test_transaction_id_shared_by_two_visitors(synced) -> None:
    visitor()
    visitor("v-2")
    first = convert()
    same_order = convert(goal="100037226")  # the same order's other goal: fine
    assert status(first)["transaction_id"] == "pass"
    assert "1 other goal(s) of the same order" in items(first)["transaction_id"][1]
    convert("v-2", goal="100037227")  # someone else's order with the same id
    assert status(first)["transaction_id"] == "fail"
    assert "v-2" in items(same_order)["transaction_id"][1]


@pytest.mark.parametrize(
    "segments",
    [
        {"visitorType": "1"},
        {"devices": "DESK"},
        {"browser": "Chrome"},
        {"country": "USA"},
        {"age": "30"},
    ],
)
def test_invalid_segment_codes(synced, segments) -> None:
    visitor()
    row = convert(deliver=False)
    Conversion.objects.filter(pk=row.pk).update(segments=segments)
    row.refresh_from_db()
    assert status(row)["segments"] == "fail"


def test_request_not_sent_yet_and_bad_user_agent(synced, convert_settings) -> None:
    visitor()
    row = convert(deliver=False)
    assert status(row)["request"] == "warn"
    assert status(row)["answer"] == "warn"
    convert_settings(USER_AGENT="python-requests/2.32")
    assert status(row)["request"] == "fail"
    assert "drops the events" in items(row)["request"][1]


def test_user_agent_recorded_with_the_request_wins(synced) -> None:
    visitor()
    row = convert()
    request = {**row.last_request, "headers": {"User-Agent": "python-requests/2.32"}}
    Conversion.objects.filter(pk=row.pk).update(last_request=request)
    row.refresh_from_db()
    assert status(row)["request"] == "fail"
    assert "was sent with 'python-requests/2.32'" in items(row)["request"][1]


def test_convert_rejected_the_request(synced) -> None:
    visitor()
    synced.reject(400, "Goal 100037225 is not part of project 10056789", times=None)
    row = convert()
    assert row.status == "failed"
    assert status(row)["answer"] == "fail"
    assert "is not part of project" in items(row)["answer"][1]
    with pytest.raises(CommandError, match="check\\(s\\) failed") as error:
        call_command("convert_doctor", str(row.pk), stdout=StringIO())
    assert error.value.returncode == 1


def test_find_by_pk_or_transaction_id() -> None:
    a = Conversion.objects.create(goal_id="1", transaction_id="T-9", visitor_id="x")
    b = Conversion.objects.create(goal_id="2", transaction_id="T-9", visitor_id="x")
    assert find_conversions("T-9") == [a, b]
    assert find_conversions(str(a.pk)) == [a]
    with pytest.raises(CommandError, match="No conversion"):
        call_command("convert_doctor", "nope")


# Project-wide ---------------------------------------------------------------------------

RULE = {"model": "auth.User", "goal_id": "100037225", "visitor": "pk"}


def project_status() -> dict[str, str]:
    return {item.key: item.status for item in diagnose_project().items}


def test_project_without_a_synced_config_fails(config_server) -> None:
    assert project_status()["config"] == "fail"
    with pytest.raises(CommandError):
        call_command("convert_doctor", stdout=StringIO())


def as_if_live(convert_settings) -> None:
    """Convert's own URLs, and the synced copy marked as fetched from them: a healthy
    production project (the doctor never calls Convert, so nothing is fetched)."""
    convert_settings(
        TRACKING_URL="https://metrics.convertexperiments.com/v1/track",
        CONFIG_URL="https://cdn-4.convertexperiments.com",
    )
    ConfigSync.objects.update(
        url="https://cdn-4.convertexperiments.com/api/v1/config/10012345/10056789"
    )


def test_healthy_project_passes(synced, convert_settings) -> None:
    convert_settings(CONVERSIONS=[RULE])
    visitor()
    convert()  # delivered to the stand-in
    as_if_live(convert_settings)
    assert set(project_status().values()) == {"pass"}
    out = StringIO()
    call_command("convert_doctor", stdout=out)
    assert "last sent" in out.getvalue()
    assert "All checks passed." in out.getvalue()


def test_project_rule_goals_failed_and_overdue_deliveries(synced, convert_settings) -> None:
    convert_settings(CONVERSIONS=[RULE, {**RULE, "goal_id": "999"}])
    statuses = project_status()
    assert statuses["rule:DJANGO_CONVERT['CONVERSIONS'][0]"] == "pass"
    assert statuses["rule:DJANGO_CONVERT['CONVERSIONS'][1]"] == "fail"
    Conversion.objects.create(goal_id="1", transaction_id="F", visitor_id="x", status="failed")
    Conversion.objects.create(
        goal_id="1",
        transaction_id="P",
        visitor_id="x",
        next_attempt_at=timezone.now() - timedelta(hours=1),
    )
    statuses = project_status()
    assert statuses["delivery_failed"] == "fail"
    assert statuses["delivery_overdue"] == "fail"


def test_project_config_stale_or_last_sync_failed_warns(synced) -> None:
    ConfigSync.objects.update(url="https://cdn-4.convertexperiments.com/api/v1/config/1/2")
    synced.config.fail(503)
    call_command("convert_sync", "--if-stale", stdout=StringIO())  # fresh: no fetch
    from django_convert.project.sync import sync_project_config

    sync_project_config()
    assert project_status()["config"] == "warn"
