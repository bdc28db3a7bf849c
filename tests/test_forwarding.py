"""Forwarding end to end on a real HTTP server per destination (the strict stand-ins of
django_convert.testing): the ingest writes one impression per visitor and experience,
delivery sends it once in each tool's format, and faults are retried, split or failed."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from django_convert.delivery.deliver import deliver_due
from django_convert.forwarding.deliver import deliver_forwarded
from django_convert.identity.erasure import forget_visitors
from django_convert.ingest import outcomes
from django_convert.models import ForwardedEvent, Visitor
from django_convert.testing import mixpanel_server
from tests.fixtures_forwarding import EXPERIENCE, VARIATION, make_forwarded
from tests.fixtures_ingest import IngestClient, example_payload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_outcomes() -> Iterator[None]:
    """The ingest says each refusal once per so many (ingest.outcomes): leave the count as
    found, so a later test still sees its first one logged."""
    outcomes.reset()
    yield
    outcomes.reset()


def post(visitor_id: str, **payload: Any) -> Any:
    client = IngestClient(visitor_id)
    return client.ingest({**example_payload(visitor_id), **payload})


def due_now() -> None:
    ForwardedEvent.objects.filter(status="pending").update(next_attempt_at=timezone.now())


def test_one_impression_per_visitor_and_experience_in_each_tools_format(
    destinations, synced_names, clear_throttle
) -> None:
    ids = {"ga4": "1234567890.1700000000", "segment": "anon-1", "mixpanel": "device-1"}
    assert post("visitor-a", destinationIds=ids).status_code == 204
    assert post("visitor-a", destinationIds=ids).status_code == 204  # seen again
    assert post("visitor-b").status_code == 204
    assert ForwardedEvent.objects.count() == 6  # 3 destinations x 2 visitors
    report = deliver_due()
    assert report.forwarded == 6
    assert deliver_due().forwarded == 0  # nothing twice
    assert set(ForwardedEvent.objects.values_list("status", flat=True)) == {"sent"}

    ga4 = sorted(destinations.ga4.events(), key=lambda e: e["user_id"])
    assert destinations.ga4.invalid() == []
    assert [(e["user_id"], e["client_id"]) for e in ga4] == [
        ("visitor-a", "1234567890.1700000000"),
        ("visitor-b", "visitor-b"),
    ]
    assert {e["name"] for e in ga4} == {"experience_impression"}
    assert {e["params"]["exp_variant_string"] for e in ga4} == {f"CONVERT-{EXPERIENCE}-{VARIATION}"}
    assert ga4[0]["params"]["experience_name"] == "Homepage hero"

    segment = sorted(destinations.segment.events(), key=lambda e: e["userId"])
    assert destinations.segment.dropped() == []
    assert [(m["userId"], m.get("anonymousId")) for m in segment] == [
        ("visitor-a", "anon-1"),
        ("visitor-b", None),
    ]
    assert segment[0]["event"] == "Experiment Viewed"
    assert segment[0]["properties"]["variation_name"] == "Variation 1"

    mixpanel = sorted(destinations.mixpanel.events(), key=lambda e: e["properties"]["distinct_id"])
    assert destinations.mixpanel.failed() == []
    assert [e["event"] for e in mixpanel] == ["$experiment_started"] * 2
    assert mixpanel[0]["properties"]["$device_id"] == "device-1"
    assert mixpanel[0]["properties"]["Experiment name"] == "Homepage hero"
    assert mixpanel[1]["properties"]["Variant name"] == "Variation 1"


def test_a_new_variation_of_the_same_experience_is_no_new_impression(
    destinations, clear_throttle
) -> None:
    post("visitor-a")
    moved = [{"experienceId": EXPERIENCE, "variationId": "1001186428"}]
    assert post("visitor-a", experiences=moved).status_code == 204
    assert ForwardedEvent.objects.filter(destination="segment").count() == 1
    # Names unknown (no sync yet): the ids stand in where the tool needs a name.
    deliver_forwarded()
    [event] = destinations.mixpanel.events()
    assert event["properties"]["Experiment name"] == EXPERIENCE


def test_nothing_is_forwarded_without_consent(destinations, convert_settings, clear_throttle):
    convert_settings(CONSENT={"REQUIRED": True}, FORWARD=destinations.forward())
    assert post("visitor-a").status_code == 403
    assert not ForwardedEvent.objects.exists()
    assert deliver_forwarded()["segment"].requests == 0
    assert all(server.received == [] for server in destinations.all())


def test_withdrawing_consent_stops_what_is_pending(destinations, clear_throttle) -> None:
    client = IngestClient("visitor-a")
    assert client.ingest(example_payload("visitor-a")).status_code == 204
    assert ForwardedEvent.objects.count() == 3
    response = client.delete(
        reverse("django_convert:context"),
        data=json.dumps({"visitorId": "visitor-a"}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=client.csrf_token,
    )
    assert response.status_code == 204
    assert not ForwardedEvent.objects.exists()
    deliver_forwarded()
    assert all(server.received == [] for server in destinations.all())


def test_forget_visitors_deletes_forwarded_events(destinations, clear_throttle) -> None:
    post("visitor-a")
    erasure = forget_visitors(Visitor.objects.filter(visitor_id="visitor-a"))
    assert erasure.forwarded_events == 3
    assert "3 forwarded event(s)" in str(erasure)
    assert not ForwardedEvent.objects.exists()


def test_a_destination_not_configured_gets_nothing(destinations, convert_settings, clear_throttle):
    convert_settings(FORWARD=destinations.forward("segment"))
    post("visitor-a")
    assert list(ForwardedEvent.objects.values_list("destination", flat=True)) == ["segment"]
    assert set(deliver_forwarded()) == {"segment"}
    assert len(destinations.segment.events()) == 1
    assert destinations.ga4.received == []
    assert destinations.mixpanel.received == []


def test_no_destination_costs_the_ingest_no_query(convert_settings, clear_throttle, db) -> None:
    def queries(visitor_id: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert post(visitor_id).status_code == 204
        return len(captured)

    convert_settings(FORWARD={})
    without = queries("visitor-a")
    convert_settings(FORWARD={"segment": {"WRITE_KEY": "k", "URL": "http://127.0.0.1:9/"}})
    more = (
        1
        if connection.vendor != "sqlite"
        or connection.features.supports_update_conflicts_with_target
        else 2
    )
    assert queries("visitor-b") == without + more  # INSERT ... SELECT (else select, insert)
    assert ForwardedEvent.objects.count() == 1


def test_destination_ids_are_validated(destinations, clear_throttle) -> None:
    assert post("visitor-a", destinationIds={"amplitude": "x"}).status_code == 400
    assert post("visitor-a", destinationIds={"ga4": "x" * 256}).status_code == 400
    assert post("visitor-a", destinationIds={"ga4": 12}).status_code == 400
    assert post("visitor-a", destinationIds={"ga4": "a\nb"}).status_code == 400
    assert not Visitor.objects.exists()
    assert post("visitor-a", destinationIds={"ga4": None, "segment": ""}).status_code == 204
    assert set(ForwardedEvent.objects.values_list("destination_id", flat=True)) == {""}


class _LongestJitter:
    """Full jitter may wait ~0 s: the longest wait, so "not due yet" holds."""

    def uniform(self, low: float, high: float) -> float:
        return high


def test_a_failing_destination_is_retried_then_delivered_once(destinations, monkeypatch) -> None:
    monkeypatch.setattr("django_convert.forwarding.deliver.jitter", _LongestJitter())
    make_forwarded("segment", 3)
    make_forwarded("ga4", 3)
    destinations.segment.fail(503)
    destinations.ga4.fail(500)
    first = deliver_forwarded()
    assert first["segment"].retried == 3
    assert first["ga4"].retried == 3  # GA4: one request per client, the first failed
    waiting = ForwardedEvent.objects.get(destination="segment", visitor_id="visitor-0")
    assert waiting.status == "pending"
    assert waiting.retry_reason == "unavailable"
    assert waiting.last_response_status == 503
    assert waiting.next_attempt_at > timezone.now()
    assert deliver_forwarded()["segment"].claimed == 0  # backed off: not due yet
    due_now()
    second = deliver_forwarded()
    assert second["segment"].sent == 3
    assert second["ga4"].sent == 3
    assert len(destinations.segment.events()) == 3
    assert len(destinations.ga4.events()) == 3  # GA4 does not deduplicate: exactly once
    assert destinations.segment.dropped() == []  # no duplicate messageId either
    sent = ForwardedEvent.objects.get(destination="segment", visitor_id="visitor-0")
    assert sent.attempts == 2
    assert sent.last_request["batch"][0]["messageId"] == sent.message_id


def test_retry_after_is_honoured(destinations) -> None:
    make_forwarded("mixpanel", 2)
    destinations.mixpanel.rate_limit("120")
    before = timezone.now()
    assert deliver_forwarded()["mixpanel"].retried == 2
    for row in ForwardedEvent.objects.all():
        assert row.retry_reason == "rate_limited"
        assert row.next_attempt_at >= before + timedelta(seconds=120)


def test_retried_for_retry_days_then_failed_with_request_and_answer(
    destinations, convert_settings
) -> None:
    convert_settings(FORWARD=destinations.forward(), RETRY_DAYS=1.0, TIMEOUT=2.0)
    [row] = make_forwarded("segment", 1)
    ForwardedEvent.objects.filter(pk=row.pk).update(
        attempts=5, failing_since=timezone.now() - timedelta(days=2)
    )
    destinations.segment.fail(502)
    assert deliver_forwarded()["segment"].failed == 1
    row.refresh_from_db()
    assert row.status == "failed"
    assert row.retry_reason == "expired"
    assert row.last_response_status == 502
    assert row.last_request["batch"][0]["userId"] == "visitor-0"


def test_an_oversized_batch_is_split_within_the_limits(destinations, convert_settings) -> None:
    convert_settings(FORWARD=destinations.forward(), BATCH_SIZE=1000, TIMEOUT=5.0)
    long = {"experience_name": "n" * 255, "variation_name": "v" * 255, "destination_id": "a" * 255}
    make_forwarded("segment", 1000, **long)  # about 1.3 KB per message: 1.3 MB in all
    report = deliver_forwarded()["segment"]
    assert report.sent == 1000
    assert report.requests == 3
    assert all(len(r.raw) <= 500 * 1024 for r in destinations.segment.received)
    assert len(destinations.segment.events()) == 1000
    assert destinations.segment.dropped() == []


def test_ga4_gets_at_most_25_events_per_request(destinations) -> None:
    rows = make_forwarded("ga4", 60)
    ForwardedEvent.objects.filter(pk__in=[r.pk for r in rows]).update(visitor_id="one-visitor")
    report = deliver_forwarded()["ga4"]
    assert (report.sent, report.requests) == (60, 3)
    assert [len(r.body["events"]) for r in destinations.ga4.received] == [25, 25, 10]
    assert destinations.ga4.invalid() == []


def test_a_batch_refused_with_400_is_split_to_find_the_refused_event(destinations) -> None:
    make_forwarded("segment", 4)
    destinations.segment.statuses(400, 200, 400, 200, 200)
    report = deliver_forwarded()["segment"]
    # [0-3] 400 -> [0,1] 200, [2,3] 400 -> [2] 200, [3] 200
    assert report.sent == 4
    assert report.requests == 5
    assert len(destinations.segment.events()) == 4


def test_mixpanel_partial_failure_marks_only_the_refused(destinations, monkeypatch) -> None:
    original = mixpanel_server.event_problem

    def refuse_visitor_1(event: Any, now: float | None = None) -> Any:
        if event["properties"]["distinct_id"] == "visitor-1":
            return "properties.distinct_id", "refused for this test"
        return original(event, now)

    monkeypatch.setattr(mixpanel_server, "event_problem", refuse_visitor_1)
    make_forwarded("mixpanel", 3)
    report = deliver_forwarded()["mixpanel"]
    assert (report.sent, report.failed, report.requests) == (2, 1, 1)
    refused = ForwardedEvent.objects.get(visitor_id="visitor-1")
    assert refused.status == "failed"
    assert "refused for this test" in refused.last_error
    assert refused.last_response_status == 400
    assert ForwardedEvent.objects.filter(status="sent").count() == 2
    assert deliver_forwarded()["mixpanel"].requests == 0  # the rest is not sent again


def test_an_event_ga4_would_drop_is_failed_loudly_and_never_sent(destinations, caplog) -> None:
    make_forwarded("ga4", 1, at=timezone.now() - timedelta(hours=80))
    with caplog.at_level(logging.WARNING, logger="django_convert"):
        report = deliver_forwarded()["ga4"]
    assert (report.failed, report.requests) == (1, 0)
    row = ForwardedEvent.objects.get()
    assert row.status == "failed"
    assert row.retry_reason == "invalid"
    assert "72 hours" in row.last_error
    assert "is not sent to GA4" in caplog.text
    assert destinations.ga4.received == []


def test_no_answer_in_time_is_retried_and_counted_unknown(destinations, convert_settings) -> None:
    convert_settings(FORWARD=destinations.forward(), TIMEOUT=0.5, LEASE_SECONDS=10)
    make_forwarded("segment", 1)
    destinations.segment.slow(2.0)
    assert deliver_forwarded()["segment"].retried == 1
    row = ForwardedEvent.objects.get()
    assert row.retry_reason == "no_answer"
    assert row.unknown_outcomes == 1


def test_conversions_are_forwarded_with_revenue_where_asked(
    destinations, convert_settings, clear_throttle, django_capture_on_commit_callbacks
) -> None:
    from decimal import Decimal

    from django_convert import track_conversion
    from django_convert.models import Goal

    forward = destinations.forward()
    forward["segment"]["CONVERSIONS"] = True
    forward["mixpanel"]["CONVERSIONS"] = True
    convert_settings(FORWARD=forward, CURRENCY="EUR", TIMEOUT=2.0)
    post("visitor-a", destinationIds={"segment": "anon-1"})
    Goal.objects.create(id="100037225", name="Purchase")
    with django_capture_on_commit_callbacks(execute=True):
        track_conversion(
            visitor_id="visitor-a",
            goal_id="100037225",
            amount=Decimal("12.50"),
            transaction_id="T1",
        )
    conversions = ForwardedEvent.objects.filter(kind="conversion")
    assert sorted(conversions.values_list("destination", flat=True)) == ["mixpanel", "segment"]
    deliver_forwarded()
    [viewed, reached] = destinations.segment.events()
    assert viewed["event"] == "Experiment Viewed"
    assert reached["event"] == "Convert Goal Reached"
    assert reached["anonymousId"] == "anon-1"  # the browser's id, from its impression
    assert reached["properties"] == {
        "goal_id": "100037225",
        "goal_name": "Purchase",
        "revenue": 12.5,
        "currency": "EUR",
    }
    mixpanel = [e for e in destinations.mixpanel.events() if e["event"] != "$experiment_started"]
    assert mixpanel[0]["properties"]["Revenue"] == 12.5
    assert [e["name"] for e in destinations.ga4.events()] == ["experience_impression"]


def test_ga4s_api_secret_never_shows_when_ga4_is_unreachable(
    destinations, convert_settings, caplog
) -> None:
    """GA4 takes its API secret in the query string, and requests names the URL in every
    connection error: the secret must not reach the log, the row's last error (the admin),
    or ``convert_deliver --check`` (a newcomer saw it in all three)."""
    import contextlib
    from io import StringIO

    from django.core.management import call_command

    secret = "ga4-secret-do-not-show"
    closed = destinations.ga4.url.replace(f":{destinations.ga4.port}", ":9")  # discard port
    forward = destinations.forward("ga4")
    forward["ga4"] = {**forward["ga4"], "API_SECRET": secret, "URL": closed}
    convert_settings(FORWARD=forward)
    make_forwarded("ga4", 1)
    with caplog.at_level(logging.DEBUG, logger="django_convert"):
        assert deliver_forwarded()["ga4"].retried == 1
    row = ForwardedEvent.objects.get()
    assert row.retry_reason == "unreachable"
    assert "api_secret=[redacted]" in row.last_error
    out = StringIO()
    with contextlib.suppress(SystemExit):  # unhealthy or not, whatever it prints is checked
        call_command("convert_deliver", "--check", stdout=out, stderr=out)
    assert "GA4" in out.getvalue()
    for where in (row.last_error, caplog.text, out.getvalue()):
        assert secret not in where
