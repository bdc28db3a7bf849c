"""The browser id a first page could not post: impressions without it are held
BROWSER_ID_WAIT seconds, a later post's ``destinationIds`` are adopted by the visitor's
rows not yet claimed (one UPDATE, only when the post carries ids), and a claimed or sent
row is never changed."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from django_convert.forwarding.deliver import deliver_forwarded
from django_convert.forwarding.outbox import claim_destination
from django_convert.ingest import outcomes
from django_convert.models import ForwardedEvent
from tests.fixtures_ingest import IngestClient, example_payload

pytestmark = pytest.mark.django_db

GA = "1234567890.1700000000"


@pytest.fixture(autouse=True)
def _fresh_outcomes() -> Iterator[None]:
    outcomes.reset()
    yield
    outcomes.reset()


def post(client: IngestClient, **payload: Any) -> None:
    response = client.ingest({**example_payload(client.visitor_id), **payload})
    assert response.status_code == 204


def configure(destinations: Any, convert_settings: Any, wait: Any) -> None:
    forward = destinations.forward()
    for options in forward.values():
        options["BROWSER_ID_WAIT"] = wait
    convert_settings(FORWARD=forward, TIMEOUT=2.0)


def test_a_later_posts_ga_id_reaches_the_held_impression(
    destinations, convert_settings, clear_throttle
) -> None:
    configure(destinations, convert_settings, 30)
    client = IngestClient("visitor-a")
    post(client)  # first page: gtag.js has not written _ga yet
    row = ForwardedEvent.objects.get(destination="ga4")
    assert row.destination_id == ""
    assert row.next_attempt_at == row.occurred_at + timedelta(seconds=30)
    assert deliver_forwarded()["ga4"].requests == 0  # held for the next page
    post(client, destinationIds={"ga4": GA})  # next page: the cookie is there
    row.refresh_from_db()
    assert row.destination_id == GA
    assert row.next_attempt_at <= row.occurred_at + timedelta(seconds=1)  # due at once
    deliver_forwarded()
    [event] = destinations.ga4.events()
    assert (event["client_id"], event["user_id"]) == (GA, "visitor-a")
    assert destinations.ga4.invalid() == []
    # Segment and Mixpanel got no id: still held, then sent without one.
    assert destinations.segment.received == []
    assert ForwardedEvent.objects.filter(status="sent").count() == 1


def test_without_a_second_post_the_wait_ends_in_the_documented_fallback(
    destinations, convert_settings, clear_throttle
) -> None:
    configure(destinations, convert_settings, 0.5)
    post(IngestClient("visitor-a"))
    assert deliver_forwarded()["ga4"].requests == 0
    time.sleep(0.6)
    deliver_forwarded()
    [event] = destinations.ga4.events()
    assert event["client_id"] == "visitor-a"  # the Convert visitor id stands in
    [message] = destinations.segment.events()
    assert "anonymousId" not in message
    assert message["userId"] == "visitor-a"
    [mixpanel] = destinations.mixpanel.events()
    assert "$device_id" not in mixpanel["properties"]


def test_zero_disables_the_wait_and_rows_with_the_id_are_due_at_once(
    destinations, convert_settings, clear_throttle
) -> None:
    configure(destinations, convert_settings, 0)
    post(IngestClient("visitor-a"))
    configure(destinations, convert_settings, 30)
    post(IngestClient("visitor-b"), destinationIds={"ga4": GA, "segment": "anon-1"})
    due = {
        (row.visitor_id, row.destination): row.next_attempt_at - row.occurred_at
        for row in ForwardedEvent.objects.all()
    }
    assert due.pop(("visitor-b", "mixpanel")) == timedelta(seconds=30)
    assert set(due.values()) == {timedelta(0)}


def test_a_claimed_or_sent_row_is_never_changed(
    destinations, convert_settings, clear_throttle
) -> None:
    configure(destinations, convert_settings, 30)
    client = IngestClient("visitor-a")
    post(client)
    held = ForwardedEvent.objects.get(destination="ga4").next_attempt_at
    claim = claim_destination("ga4", 10, due_at=held)
    assert len(claim.rows) == 1
    ForwardedEvent.objects.filter(destination="segment").update(status="sent")
    ForwardedEvent.objects.filter(destination="mixpanel").update(attempts=1)  # a retry
    before = {
        row.pk: (row.destination_id, row.next_attempt_at, row.message_id, row.status)
        for row in ForwardedEvent.objects.all()
    }
    post(client, destinationIds={"ga4": GA, "segment": "anon-1", "mixpanel": "device-1"})
    after = {
        row.pk: (row.destination_id, row.next_attempt_at, row.message_id, row.status)
        for row in ForwardedEvent.objects.all()
    }
    assert after == before


def test_the_update_runs_only_when_the_post_carries_ids(
    destinations, convert_settings, clear_throttle
) -> None:
    configure(destinations, convert_settings, 30)
    client = IngestClient("visitor-a")
    post(client)
    table = ForwardedEvent._meta.db_table

    def updates(**payload: Any) -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            post(client, **payload)
        return [q["sql"] for q in captured if q["sql"].startswith("UPDATE") and table in q["sql"]]

    assert updates() == []
    assert updates(destinationIds={"ga4": None, "segment": ""}) == []
    assert len(updates(destinationIds={"mixpanel": "device-1"})) == 1
    assert ForwardedEvent.objects.get(destination="mixpanel").destination_id == "device-1"
    assert ForwardedEvent.objects.get(destination="ga4").destination_id == ""
    assert len(updates(destinationIds={"ga4": GA, "segment": "anon-1"})) == 1
    assert set(ForwardedEvent.objects.values_list("destination_id", flat=True)) == {
        GA,
        "anon-1",
        "device-1",
    }


def test_another_visitors_rows_are_not_touched(
    destinations, convert_settings, clear_throttle
) -> None:
    configure(destinations, convert_settings, 30)
    post(IngestClient("visitor-a"))
    post(IngestClient("visitor-b"), destinationIds={"ga4": GA})
    row = ForwardedEvent.objects.get(visitor_id="visitor-a", destination="ga4")
    assert row.destination_id == ""
