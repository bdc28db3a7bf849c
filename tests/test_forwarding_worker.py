"""The background worker delivers forwarded events: woken by the ingest's commit, and
back when a retry falls due (it sleeps until the next forwarded row is due)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from django_convert.delivery.worker import seconds_until_next_due
from django_convert.models import ForwardedEvent
from tests.fixtures_forwarding import make_forwarded
from tests.fixtures_ingest import IngestClient, example_payload

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_an_ingest_wakes_the_worker_which_forwards(
    destinations, convert_settings, fresh_worker, clear_throttle
) -> None:
    convert_settings(
        FORWARD=destinations.forward(), DELIVERY="background", TIMEOUT=2.0, POLL_SECONDS=60
    )
    client = IngestClient("visitor-a")
    started = time.monotonic()
    ids = {"ga4": "1.2", "segment": "anon-1", "mixpanel": "device-1"}
    payload = {**example_payload("visitor-a"), "destinationIds": ids}
    assert client.ingest(payload).status_code == 204
    wait_for(lambda: ForwardedEvent.objects.filter(status="sent").count() == 3)
    assert time.monotonic() - started < 10  # not the 60 s poll
    assert fresh_worker.alive
    assert [len(s.events()) for s in destinations.all()] == [1, 1, 1]


def test_held_impressions_are_sent_when_the_ids_come_or_the_wait_ends(
    destinations, convert_settings, fresh_worker, clear_throttle
) -> None:
    forward = destinations.forward()
    forward["ga4"]["BROWSER_ID_WAIT"] = 60
    forward["segment"]["BROWSER_ID_WAIT"] = 60
    forward["mixpanel"]["BROWSER_ID_WAIT"] = 3
    convert_settings(FORWARD=forward, DELIVERY="background", TIMEOUT=2.0, POLL_SECONDS=60)
    client = IngestClient("visitor-a")
    assert client.ingest(example_payload("visitor-a")).status_code == 204  # no ids yet
    time.sleep(0.5)
    assert not ForwardedEvent.objects.filter(status="sent").exists()  # held
    ids = {"ga4": "1.2"}  # the next page: gtag.js has written _ga
    started = time.monotonic()
    assert client.ingest({**example_payload("visitor-a"), "destinationIds": ids}).status_code == 204
    wait_for(lambda: ForwardedEvent.objects.filter(destination="ga4", status="sent").exists())
    assert time.monotonic() - started < 1.5  # woken by the adoption (Mixpanel due at 2.5 s)
    [event] = destinations.ga4.events()
    assert event["client_id"] == "1.2"
    # Mixpanel's shorter wait ends: the worker, asleep until then, sends without an id.
    wait_for(lambda: ForwardedEvent.objects.filter(destination="mixpanel", status="sent").exists())
    assert "$device_id" not in destinations.mixpanel.events()[0]["properties"]
    assert ForwardedEvent.objects.get(destination="segment").status == "pending"  # 60 s


def test_the_worker_sleeps_only_until_a_forwarded_retry_is_due(destinations) -> None:
    make_forwarded("segment", 1)
    ForwardedEvent.objects.update(status="pending")
    assert seconds_until_next_due() == pytest.approx(0.05, abs=0.01)  # due now
    ForwardedEvent.objects.update(next_attempt_at=timezone.now() + timedelta(seconds=7))
    assert 5 < seconds_until_next_due() <= 7
