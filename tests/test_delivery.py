"""Delivery against the local Convert stand-in: batching, outcomes, retries, leases."""

from __future__ import annotations

import json
import logging
import random
import time
import uuid
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from email.utils import formatdate

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from django_convert.delivery import deliver_due
from django_convert.delivery.backoff import retry_delay
from django_convert.delivery.claim import claim_due
from django_convert.delivery.deliver import deliver_claim, deliver_conversions
from django_convert.delivery.outcome import after_sent, mark_sent
from django_convert.models import Conversion
from django_convert.signals import conversion_delivered, conversion_failed
from tests.fixtures_convert import make_conversions

pytestmark = pytest.mark.django_db


@pytest.fixture
def signals():
    seen: dict[str, list] = {"delivered": [], "failed": []}

    def delivered(sender, conversion, **kwargs):
        seen["delivered"].append(conversion.transaction_id)

    def failed(sender, conversion, error, **kwargs):
        seen["failed"].append((conversion.transaction_id, error))

    conversion_delivered.connect(delivered)
    conversion_failed.connect(failed)
    yield seen
    conversion_delivered.disconnect(delivered)
    conversion_failed.disconnect(failed)


def statuses() -> Counter:
    return Counter(Conversion.objects.values_list("status", flat=True))


def make_due_now() -> None:
    Conversion.objects.filter(status="pending").update(next_attempt_at=timezone.now())


# Batching -------------------------------------------------------------------------------


def test_fifty_conversions_go_in_one_request_grouped_per_visitor(convert_server, signals) -> None:
    make_conversions(50, visitors=20)
    report = deliver_due()
    assert (report.claimed, report.sent, report.requests) == (50, 50, 1)
    assert statuses() == {"sent": 50}
    [request] = convert_server.received
    assert request.accepted
    assert request.errors == {}
    assert len(request.body["visitors"]) == 20
    assert sum(len(v["events"]) for v in request.body["visitors"]) == 50
    assert sorted(convert_server.accepted_transaction_ids()) == sorted(
        f"ORDER-{n}" for n in range(50)
    )
    assert sorted(signals["delivered"]) == sorted(f"ORDER-{n}" for n in range(50))


def test_what_is_sent_is_the_snapshot(convert_server) -> None:
    [row] = make_conversions(1)
    deliver_due()
    [conversion] = convert_server.accepted_conversions()
    assert conversion == {
        "visitorId": "visitor-0",
        "segments": {"browser": "CH", "devices": ["DESK"], "visitorType": "new", "country": "US"},
        "goalId": "100037225",
        "goalData": [
            {"key": "amount", "value": 149.99},
            {"key": "productsCount", "value": 3},
            {"key": "transactionId", "value": "ORDER-0"},
            {"key": "customDimension1", "value": "gold"},
            {"key": "customDimension2", "value": ["a", "b"]},
        ],
        "bucketingData": {"100127238": "1001186427", "100127239": "1001186400"},
    }
    assert b'"value":149.99}' in convert_server.received[0].raw  # a JSON number, exact
    row.refresh_from_db()
    assert row.status == "sent"
    assert row.attempts == 1
    assert row.sent_at is not None
    assert row.last_response_status == 200
    assert json.loads(row.last_response_body) == {"code": 200, "message": "OK"}
    assert row.last_request["url"] == f"{convert_server.url}/10012345/10056789"
    assert row.last_request["body"]["visitors"][0]["events"][0]["data"]["goalId"] == "100037225"


def test_batch_size_bounds_each_request(convert_server, convert_settings) -> None:
    convert_settings(BATCH_SIZE=10)
    make_conversions(50, visitors=7)
    report = deliver_due()
    assert (report.sent, report.requests) == (50, 5)
    assert [sum(len(v["events"]) for v in r.body["visitors"]) for r in convert_server.received] == [
        10
    ] * 5
    assert Counter(convert_server.accepted_transaction_ids()) == Counter(
        f"ORDER-{n}" for n in range(50)
    )


def test_next_batch_is_prepared_while_one_request_is_in_flight(
    convert_server, convert_settings
) -> None:
    convert_settings(BATCH_SIZE=10)
    convert_server.latency = 0.3
    make_conversions(50)
    started = time.monotonic()
    report = deliver_due()
    elapsed = time.monotonic() - started
    assert (report.sent, report.requests, report.released) == (50, 5, 0)
    assert convert_server.max_in_flight == 1  # pipelined, never concurrent
    assert elapsed < 5 * 0.3 + 0.6  # the database work hides behind the latency


def test_stop_releases_the_batch_claimed_ahead(convert_server, convert_settings) -> None:
    convert_settings(BATCH_SIZE=5)
    make_conversions(15)

    def stop_after_first() -> bool:
        return len(convert_server.received) >= 1

    report = deliver_due(should_stop=stop_after_first)
    assert (report.sent, report.requests) == (5, 1)
    assert report.released in (0, 5)  # the batch claimed ahead is given back untried
    assert statuses() == {"sent": 5, "pending": 10}
    assert set(Conversion.objects.filter(status="pending").values_list("attempts", flat=True)) == {
        0
    }


def test_queries_per_batch_do_not_grow_with_its_size(convert_server, convert_settings) -> None:
    make_conversions(5)
    with CaptureQueriesContext(connection) as small:
        deliver_due()
    make_conversions(50, start=5)
    with CaptureQueriesContext(connection) as large:
        deliver_due()
    assert len(large) == len(small) <= 10  # PostgreSQL adds savepoints


def test_limit_and_nothing_due(convert_server) -> None:
    make_conversions(5)
    assert deliver_due(limit=2).sent == 2
    assert deliver_due().sent == 3
    assert deliver_due().claimed == 0
    assert len(convert_server.received) == 2


# Retries --------------------------------------------------------------------------------


def test_outage_then_recovery_delivers_everything_exactly_once(
    convert_server, convert_settings, signals
) -> None:
    convert_settings(BATCH_SIZE=10, RETRY_BASE_DELAY=60.0)
    make_conversions(30, visitors=4)
    convert_server.fail(503, times=None)
    report = deliver_due()
    # One failed request is enough to know Convert is down: the rest is not hammered.
    assert (report.requests, report.retried, report.transient_error) == (1, 10, True)
    backed_off = Conversion.objects.filter(attempts=1)
    assert backed_off.count() == 10
    assert all(c.next_attempt_at > timezone.now() for c in backed_off)
    assert all(c.status == "pending" and c.last_response_status == 503 for c in backed_off)
    assert "Service unavailable" in backed_off[0].last_response_body
    assert deliver_due().requests == 1  # the 20 not yet tried are still due, still failing
    assert convert_server.accepted() == []

    convert_server.heal()
    make_due_now()
    report = deliver_due()
    assert (report.sent, report.requests) == (30, 3)
    assert statuses() == {"sent": 30}
    assert Counter(convert_server.accepted_transaction_ids()) == Counter(
        f"ORDER-{n}" for n in range(30)
    )
    assert signals["failed"] == []
    assert len(signals["delivered"]) == 30


def test_backoff_grows_and_is_capped(convert_server, convert_settings) -> None:
    convert_settings(RETRY_BASE_DELAY=10.0, RETRY_MAX_DELAY=25.0)
    [row] = make_conversions(1)
    convert_server.fail(500, times=None)
    bounds = []
    for _ in range(4):
        before = timezone.now()
        deliver_due()
        row.refresh_from_db()
        bounds.append((row.next_attempt_at - before).total_seconds())
        make_due_now()
    assert row.attempts == 4
    assert all(0 <= delay <= 25.5 for delay in bounds)


def test_full_jitter_bounds() -> None:
    rand = random.Random(1)
    delays = [retry_delay(3, base=5, cap=3600, rand=rand) for _ in range(2000)]
    assert 0 <= min(delays) < 1
    assert 19 < max(delays) <= 20
    assert max(retry_delay(30, base=5, cap=60, rand=rand) for _ in range(100)) <= 60
    assert retry_delay(1, base=5, cap=60, retry_after=45, rand=rand) >= 45
    assert retry_delay(1, base=5, cap=60, retry_after=9999, rand=rand) == 60


@pytest.mark.parametrize("header", ["30", "date"])
def test_retry_after_is_honoured(convert_server, convert_settings, header) -> None:
    convert_settings(RETRY_BASE_DELAY=0.01)
    [row] = make_conversions(1)
    convert_server.rate_limit(
        formatdate(time.time() + 30, usegmt=True) if header == "date" else "30"
    )
    deliver_due()
    row.refresh_from_db()
    assert row.status == "pending"
    assert row.last_response_status == 429
    assert (row.next_attempt_at - timezone.now()).total_seconds() == pytest.approx(30, abs=2)
    assert deliver_due().claimed == 0  # not before Retry-After
    make_due_now()
    assert deliver_due().sent == 1


def test_timeout_is_retried_and_then_delivered_once(convert_server, convert_settings) -> None:
    convert_settings(TIMEOUT=0.3, RETRY_BASE_DELAY=0.01)
    [row] = make_conversions(1)
    convert_server.slow(1.0)
    started = time.monotonic()
    report = deliver_due()
    assert time.monotonic() - started < 0.9
    assert report.retried == 1
    row.refresh_from_db()
    assert row.status == "pending"
    assert "in time" in row.last_error
    time.sleep(0.8)  # the stand-in notices the client hung up and drops the slow request
    make_due_now()
    assert deliver_due().sent == 1
    assert convert_server.accepted_transaction_ids() == ["ORDER-0"]
    assert convert_server.received[0].client_gone


def test_connection_reset_is_retried(convert_server, convert_settings) -> None:
    convert_settings(RETRY_BASE_DELAY=0.01)
    make_conversions(3)
    convert_server.reset()
    assert deliver_due().retried == 3
    assert "Could not reach Convert" in Conversion.objects.first().last_error
    make_due_now()
    assert deliver_due().sent == 3


def test_unreachable_convert_is_retried(convert_settings) -> None:
    convert_settings(TRACKING_URL="http://127.0.0.1:9/v1/track", TIMEOUT=1.0)
    make_conversions(2)
    assert deliver_due().retried == 2
    assert statuses() == {"pending": 2}


def test_retryable_failures_never_fail_a_conversion_before_retry_days(
    convert_server, convert_settings, signals
) -> None:
    convert_settings(RETRY_BASE_DELAY=0.01, RETRY_DAYS=7)
    [row] = make_conversions(1)
    convert_server.fail(502, times=None)
    for _ in range(30):  # the old MAX_ATTEMPTS (12) ended it here
        make_due_now()
        deliver_due()
    row.refresh_from_db()
    assert (row.status, row.attempts, row.retry_reason) == ("pending", 30, "unavailable")
    assert signals["failed"] == []


def test_retry_days_then_failed_saying_so(convert_server, convert_settings, signals) -> None:
    convert_settings(RETRY_BASE_DELAY=0.01, RETRY_DAYS=7)
    [old, new] = make_conversions(2)
    Conversion.objects.filter(pk=old.pk).update(
        attempts=5, failing_since=timezone.now() - timedelta(days=8)
    )
    convert_server.fail(502, times=None)
    report = deliver_due()
    assert (report.failed, report.retried) == (1, 1)
    old.refresh_from_db()
    assert (old.status, old.retry_reason) == ("failed", "expired")
    assert old.last_error.startswith("Not delivered: retried for 7 day(s) (RETRY_DAYS)")
    assert old.last_response_status == 502
    assert signals["failed"] == [("ORDER-0", old.last_error)]
    assert Conversion.objects.get(pk=new.pk).status == "pending"


# Permanent rejections -------------------------------------------------------------------


def test_permanent_4xx_fails_with_request_and_response_kept(
    convert_server, convert_settings, signals, caplog
) -> None:
    convert_server.reject(401, "Invalid SDK secret", times=None)
    make_conversions(4)
    with caplog.at_level(logging.ERROR, logger="django_convert"):
        report = deliver_due()
    assert (report.failed, report.requests) == (4, 1)  # a 401 is about the project: no split
    row = Conversion.objects.get(transaction_id="ORDER-0")
    assert row.status == "failed"
    assert row.last_response_status == 401
    assert json.loads(row.last_response_body)["message"] == "Invalid SDK secret"
    assert "Invalid SDK secret" in row.last_error
    assert row.last_request["body"]["visitors"][0]["visitorId"] == "visitor-0"
    assert len(signals["failed"]) == 4
    assert "Invalid SDK secret" in caplog.text
    make_due_now()
    assert deliver_due().claimed == 0  # failed rows are never retried on their own


def test_one_bad_conversion_does_not_fail_the_batch(convert_server, signals) -> None:
    make_conversions(9)
    make_conversions(1, start=9, custom_dimensions={"1": ["x" * 40]})  # over 32 characters
    report = deliver_due()
    assert (report.sent, report.failed) == (9, 1)
    assert 3 <= report.requests <= 9
    bad = Conversion.objects.get(transaction_id="ORDER-9")
    assert bad.status == "failed"
    assert bad.last_response_status == 400
    assert "customDimension1" not in bad.last_response_body or "32" in bad.last_response_body
    assert "at most 32 characters" in bad.last_response_body
    assert sorted(convert_server.accepted_transaction_ids()) == sorted(
        f"ORDER-{n}" for n in range(9)
    )


# Leases and claiming --------------------------------------------------------------------


def test_claims_do_not_overlap(convert_server) -> None:
    make_conversions(10)
    first, second = claim_due(6), claim_due(6)
    assert len(first.rows) == 6
    assert len(second.rows) == 4
    assert not {r.pk for r in first.rows} & {r.pk for r in second.rows}
    assert claim_due(6).rows == []
    row = first.rows[0]
    assert (row.status, row.attempts, row.lease_token) == ("sending", 1, first.token)


def test_expired_lease_is_due_again_and_the_old_worker_cannot_write(convert_server, caplog) -> None:
    make_conversions(2)
    stale = claim_due(10)
    Conversion.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=10))
    fresh = claim_due(10)
    assert len(fresh.rows) == 2
    assert all(r.attempts == 2 for r in fresh.rows)
    with caplog.at_level(logging.WARNING, logger="django_convert"):
        written = mark_sent([r.pk for r in stale.rows], stale.token, {}, 200, "")
        after_sent([r.pk for r in stale.rows], stale.token, written)
    assert written == 0
    assert "lease had passed" in caplog.text
    assert statuses() == {"sending": 2}
    assert deliver_claim(fresh).sent == 2
    assert statuses() == {"sent": 2}


def test_unexpired_lease_is_not_claimed(convert_server) -> None:
    make_conversions(
        1,
        status="sending",
        lease_token=uuid.uuid4(),
        next_attempt_at=timezone.now() + timedelta(seconds=60),
    )
    assert deliver_due().claimed == 0


def test_deliver_conversions_sends_only_those(convert_server) -> None:
    rows = make_conversions(5)
    report = deliver_conversions([rows[1].pk, rows[3].pk])
    assert report.sent == 2
    assert sorted(convert_server.accepted_transaction_ids()) == ["ORDER-1", "ORDER-3"]
    assert deliver_conversions([rows[1].pk]).claimed == 0  # already sent


def test_missing_ids_raise_before_claiming(convert_settings) -> None:
    convert_settings(ACCOUNT_ID=None, PROJECT_ID=None, SDK_KEY=None)
    make_conversions(1)
    with pytest.raises(ImproperlyConfigured, match="sdk_key"):
        deliver_due()
    assert statuses() == {"pending": 1}


def test_bad_user_agent_is_refused(convert_settings) -> None:
    convert_settings(USER_AGENT="python-requests/2.31")
    with pytest.raises(ImproperlyConfigured, match="ConvertAgent/"):
        deliver_due()


def test_amount_precision_survives(convert_server) -> None:
    make_conversions(1, amount=Decimal("1234567.8901"))
    deliver_due()
    assert b'"value":1234567.8901}' in convert_server.received[0].raw


def test_a_lease_shorter_than_a_request_is_refused(convert_server, convert_settings) -> None:
    convert_settings(TIMEOUT=10.0, LEASE_SECONDS=11)
    make_conversions(1)
    with pytest.raises(ImproperlyConfigured, match="LEASE_SECONDS"):
        deliver_due()
    assert statuses() == {"pending": 1}


def test_a_batch_encoded_by_parts_is_the_body_and_each_rows_part_of_it(convert_server) -> None:
    from django_convert.client import build_body, encode_json, split_body
    from django_convert.delivery.batch import prepare, to_event
    from django_convert.delivery.client import get_client

    make_conversions(30, visitors=7)
    first_five = list(Conversion.objects.order_by("pk").values_list("pk", flat=True)[:5])
    # The same visitors with another snapshot: separate entries.
    Conversion.objects.filter(pk__in=first_five).update(segments={})
    claim = claim_due(100)
    config = get_client().config
    batch = prepare(config, claim, claim.rows)
    events = [to_event(row) for row in claim.rows]
    body = build_body(config, events)
    assert batch.payload == encode_json(body)
    parts = split_body(json.loads(batch.payload), events)
    for row, part in zip(claim.rows, parts, strict=True):
        request = json.loads(batch.requests[row.pk])
        assert request == {"url": config.endpoint, "batch_size": 30, "body": part}


def test_the_retry_period_starts_at_the_first_failure_and_again_after_a_hand_retry(
    convert_server, convert_settings
) -> None:
    convert_settings(RETRY_BASE_DELAY=0.01)
    [row] = make_conversions(1)
    convert_server.fail(503, times=None)
    deliver_due()
    row.refresh_from_db()
    first = row.failing_since
    assert first is not None
    make_due_now()
    deliver_due()
    row.refresh_from_db()
    assert (row.attempts, row.failing_since) == (2, first)  # the same run of failures
    Conversion.objects.filter(pk=row.pk).update(attempts=0)  # the admin's Retry
    make_due_now()
    deliver_due()
    row.refresh_from_db()
    assert row.failing_since > first
