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
    assert client.ingest(example_payload("visitor-a")).status_code == 204
    wait_for(lambda: ForwardedEvent.objects.filter(status="sent").count() == 3)
    assert time.monotonic() - started < 10  # not the 60 s poll
    assert fresh_worker.alive
    assert [len(s.events()) for s in destinations.all()] == [1, 1, 1]


def test_the_worker_sleeps_only_until_a_forwarded_retry_is_due(destinations) -> None:
    make_forwarded("segment", 1)
    ForwardedEvent.objects.update(status="pending")
    assert seconds_until_next_due() == pytest.approx(0.05, abs=0.01)  # due now
    ForwardedEvent.objects.update(next_attempt_at=timezone.now() + timedelta(seconds=7))
    assert 5 < seconds_until_next_due() <= 7
