"""DELIVERY modes end to end: a checkout request records a conversion; who sends it, when,
and the request never waiting for or failing because of Convert."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from django_convert.delivery.client import get_client
from django_convert.delivery.dispatch import dispatch
from django_convert.delivery.worker import get_worker
from django_convert.models import Conversion
from tests.fixtures_convert import make_conversions, worker_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("tests.delivery_urls")]

UNREACHABLE = "http://127.0.0.1:9/v1/track"


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def checkout(client, order: str = "ORDER-1") -> tuple[float, object]:
    started = time.monotonic()
    response = client.post("/checkout/", {"order": order})
    return time.monotonic() - started, response


def row(order: str = "ORDER-1") -> Conversion:
    return Conversion.objects.get(transaction_id=order)


# background -----------------------------------------------------------------------------


def test_background_delivers_after_commit_without_blocking_the_request(
    client, convert_server, convert_settings, fresh_worker
) -> None:
    convert_settings(DELIVERY="background")
    convert_server.latency = 1.0
    elapsed, response = checkout(client)
    assert response.status_code == 200
    assert elapsed < 0.5  # Convert takes 1 s to answer; the request does not wait for it
    assert fresh_worker.alive
    wait_for(lambda: row().status == "sent")
    assert convert_server.accepted_transaction_ids() == ["ORDER-1"]


def test_background_batches_what_piles_up(
    client, convert_server, convert_settings, fresh_worker
) -> None:
    convert_settings(DELIVERY="background")
    convert_server.latency = 0.5
    for n in range(6):
        checkout(client, f"ORDER-{n}")
    wait_for(lambda: Conversion.objects.filter(status="sent").count() == 6)
    assert sorted(convert_server.accepted_transaction_ids()) == [f"ORDER-{n}" for n in range(6)]
    assert len(convert_server.received) < 6  # conversions recorded meanwhile share a request


def test_background_gathers_a_burst_into_one_batch_even_when_convert_is_fast(
    client, convert_server, convert_settings, fresh_worker
) -> None:
    # The batching window after a wake-up: without it, a fast Convert would get one
    # request per checkout.
    convert_settings(DELIVERY="background")
    checkout(client, "ORDER-first")  # the thread is running and idle when the burst comes
    wait_for(lambda: row("ORDER-first").status == "sent")
    before = len(convert_server.received)
    for n in range(5):
        checkout(client, f"ORDER-{n}")
    wait_for(lambda: Conversion.objects.filter(status="sent").count() == 6)
    assert len(convert_server.received) - before == 1


def test_background_retries_without_being_woken_again(
    client, convert_server, convert_settings, fresh_worker
) -> None:
    convert_settings(DELIVERY="background", RETRY_BASE_DELAY=0.3, RETRY_MAX_DELAY=5.0)
    convert_server.rate_limit("1")  # honoured: not before 1 s
    started = time.monotonic()
    checkout(client)
    wait_for(lambda: row().status == "sent")
    assert time.monotonic() - started >= 1.0
    assert [r.answer for r in convert_server.received] == [429, 200]
    assert row().attempts == 2


def test_background_picks_up_rows_left_due_by_others(
    convert_server, convert_settings, fresh_worker
) -> None:
    convert_settings(DELIVERY="background")
    make_conversions(3)  # e.g. recorded by a process that died before delivering
    fresh_worker.wake()
    wait_for(lambda: Conversion.objects.filter(status="sent").count() == 3)


def test_background_with_convert_down_keeps_the_request_fast(
    client, convert_settings, fresh_worker
) -> None:
    convert_settings(DELIVERY="background", TRACKING_URL=UNREACHABLE, RETRY_BASE_DELAY=60.0)
    elapsed, response = checkout(client)
    assert response.status_code == 200
    assert elapsed < 0.5
    wait_for(lambda: row().attempts == 1 and row().status == "pending")
    assert "Could not reach Convert" in row().last_error


def test_background_does_not_hammer_a_convert_that_is_down(
    convert_server, convert_settings, fresh_worker
) -> None:
    convert_settings(DELIVERY="background", BATCH_SIZE=2, RETRY_BASE_DELAY=0.5)
    convert_server.fail(503, times=None)
    make_conversions(6)  # three batches due
    for _ in range(40):  # new conversions keep waking it: that does not end a pause
        fresh_worker.wake()
        time.sleep(0.03)
    # One failed request per round, then a pause that doubles (0.5 s, 1 s, ...).
    assert 2 <= len(convert_server.received) <= 4
    convert_server.heal()
    Conversion.objects.update(next_attempt_at=timezone.now())
    fresh_worker.wake()
    wait_for(lambda: Conversion.objects.filter(status="sent").count() == 6)


def test_background_survives_a_broken_configuration(
    client, convert_settings, fresh_worker, caplog
) -> None:
    convert_settings(DELIVERY="background", USER_AGENT="python-requests/2.31")
    _, response = checkout(client)
    assert response.status_code == 200
    wait_for(lambda: "Background delivery of conversions failed" in caplog.text)
    assert fresh_worker.alive
    assert row().status == "pending"


# Forking a threaded process is exactly what a pre-fork server does; the test is about it.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_fork_gives_the_child_a_fresh_worker_and_no_parent_sockets(
    convert_server, convert_settings, fresh_worker
) -> None:
    convert_settings(DELIVERY="background")
    fresh_worker.wake()
    get_client()
    assert fresh_worker.alive
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report, then leave without running pytest's cleanup
        from django_convert.delivery import client as client_module

        child = get_worker()
        ok = child is not fresh_worker and not child.alive and not client_module._clients
        os.write(write, b"ok" if ok else b"stale")
        os._exit(0)
    os.close(write)
    answer = os.read(read, 10)
    os.waitpid(pid, 0)
    assert answer == b"ok"
    assert get_worker() is fresh_worker
    assert fresh_worker.alive  # the parent's thread is untouched


def test_interpreter_exit_finishes_the_batch_in_flight(convert_server) -> None:
    make_conversions(3)
    convert_server.latency = 1.0
    script = textwrap.dedent(
        """
        import django
        django.setup()
        from django_convert.delivery.worker import get_worker
        get_worker().wake()
        import time
        from django_convert.models import Conversion
        deadline = time.monotonic() + 10
        while not Conversion.objects.filter(status="sending").exists():  # claimed (any load)
            assert time.monotonic() < deadline
            time.sleep(0.01)
        time.sleep(0.1)  # the worker is now waiting for Convert
        print("exiting", flush=True)
        """
    )
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=worker_env(convert_server, DELIVERY="background", BATCH_SIZE=1),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert "failed" not in done.stderr
    assert time.monotonic() - started < 10
    # The batch in flight was recorded; the one claimed behind it was given back untried.
    rows = {row.transaction_id: row for row in Conversion.objects.all()}
    assert rows["ORDER-0"].status == "sent"
    assert [(rows[t].status, rows[t].attempts) for t in ("ORDER-1", "ORDER-2")] == [
        ("pending", 0),
        ("pending", 0),
    ]
    assert convert_server.accepted_transaction_ids() == ["ORDER-0"]


# immediate ------------------------------------------------------------------------------


def test_immediate_sends_in_the_request_after_commit(
    client, convert_server, convert_settings
) -> None:
    convert_settings(DELIVERY="immediate")
    _, response = checkout(client)
    assert response.status_code == 200
    assert row().status == "sent"  # already, when the response is back
    assert convert_server.accepted_transaction_ids() == ["ORDER-1"]


def test_immediate_with_convert_unreachable_does_not_break_the_request(
    client, convert_settings, caplog
) -> None:
    convert_settings(DELIVERY="immediate", TRACKING_URL=UNREACHABLE, TIMEOUT=1.0)
    _, response = checkout(client)
    assert response.status_code == 200
    assert (row().status, row().attempts) == ("pending", 1)
    assert "Could not reach Convert" in row().last_error


def test_immediate_with_a_broken_configuration_does_not_break_the_request(
    client, convert_settings, caplog
) -> None:
    convert_settings(DELIVERY="immediate", ACCOUNT_ID=None, SDK_KEY=None)
    _, response = checkout(client)
    assert response.status_code == 200
    assert "Immediate delivery of conversion(s)" in caplog.text
    assert row().status == "pending"


# manual (task, celery: test_delivery_tasks.py, test_delivery_celery.py) --------------------


def test_manual_leaves_it_to_convert_deliver(client, convert_server, convert_settings) -> None:
    convert_settings(DELIVERY="manual")
    _, response = checkout(client)
    assert response.status_code == 200
    assert (row().status, row().attempts) == ("pending", 0)
    assert convert_server.received == []


def test_unknown_mode_is_refused(convert_settings) -> None:
    convert_settings(DELIVERY="sometimes")
    with pytest.raises(ImproperlyConfigured, match="use one of"):
        dispatch([1])


def test_exit_count_tells_a_siblings_claim_from_what_is_left(db) -> None:
    """At exit, a recorded row that another worker process of the same server claimed (its
    lease still running) is being sent, not left behind: it is counted apart, so the exit
    WARNING speaks only of rows nobody is sending (uvicorn --workers 2 said "not sent"
    for a conversion its sibling delivered a second later)."""
    import uuid
    from datetime import timedelta

    from django_convert.delivery.claim import claim_due
    from django_convert.delivery.worker import _split_unsent

    mine, sibling, expired, pending = (row.pk for row in make_conversions(4))
    claim = claim_due(1, ids=[mine])
    assert [row.pk for row in claim.rows] == [mine]
    later = timezone.now() + timedelta(minutes=5)
    Conversion.objects.filter(pk=sibling).update(
        status="sending", lease_token=uuid.uuid4(), next_attempt_at=later
    )
    Conversion.objects.filter(pk=expired).update(
        status="sending", lease_token=uuid.uuid4(), next_attempt_at=timezone.now()
    )
    assert _split_unsent({mine, sibling, expired, pending}) == (3, 1)
    Conversion.objects.filter(pk=sibling).update(status="sent")
    assert _split_unsent({mine, sibling, expired, pending}) == (3, 0)
