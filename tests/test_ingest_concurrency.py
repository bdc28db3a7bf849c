"""Concurrent first posts for one new visitor, through the real view, on every database."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from django_convert.ingest.store import store_context
from django_convert.models import Bucketing, Visitor
from tests.fixtures_ingest import VISITOR_ID, IngestClient, example_payload
from tests.races import after_a_rollback

pytestmark = [pytest.mark.concurrent_db, pytest.mark.django_db(transaction=True)]

THREADS = 16


def _post_all_at_once(payloads: list[dict[str, Any]]) -> list[int | BaseException]:
    barrier = threading.Barrier(len(payloads))
    results: list[int | BaseException] = [0] * len(payloads)

    def post(index: int) -> None:
        client = IngestClient(enforce_csrf_checks=True)
        try:
            barrier.wait(timeout=30)
            results[index] = client.ingest(payloads[index]).status_code
        except BaseException as exc:  # the test client re-raises a view's exception
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(payloads))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _payload(variation: str, experiences: int = 5) -> dict[str, Any]:
    payload = example_payload()
    payload["experiences"] = [
        {"experienceId": str(100 + i), "variationId": variation} for i in range(experiences)
    ]
    return payload


def test_same_first_payload_from_many_threads(
    clear_throttle: None, convert_settings: Any, upsert_path: str
) -> None:
    convert_settings(INGEST_THROTTLE_RATE=None)
    results = _post_all_at_once([_payload("7") for _ in range(THREADS)])

    assert results == [204] * THREADS
    visitor = Visitor.objects.get(visitor_id=VISITOR_ID)
    assert Visitor.objects.count() == 1
    assert visitor.bucketing_data() == {str(100 + i): "7" for i in range(5)}
    assert Bucketing.objects.count() == 5
    assert visitor.browser == "CH"


def test_differing_first_payloads_leave_one_row_per_experience(
    clear_throttle: None, convert_settings: Any, upsert_path: str
) -> None:
    convert_settings(INGEST_THROTTLE_RATE=None)
    # Different variations and overlapping experience sets, in different orders.
    payloads = []
    for i in range(THREADS):
        payload = _payload(str(i), experiences=3 + i % 5)
        if i % 2:
            payload["experiences"].reverse()
        payloads.append(payload)

    results = _post_all_at_once(payloads)

    assert results == [204] * THREADS
    assert Visitor.objects.count() == 1
    bucketing = Visitor.objects.get().bucketing_data()
    assert sorted(bucketing) == [str(100 + i) for i in range(7)]
    assert set(bucketing.values()) <= {str(i) for i in range(THREADS)}
    # The visitor's row lock serialises the requests, so the experiences every payload
    # carries all hold the variation of the same (last) request, never a mix.
    assert len({bucketing[experience] for experience in ("100", "101", "102")}) == 1


def test_concurrent_first_posts_of_a_logged_in_user_link_once(
    clear_throttle: None, convert_settings: Any, django_user_model: Any
) -> None:
    convert_settings(INGEST_THROTTLE_RATE=None)
    user = django_user_model.objects.create_user("jane")
    barrier = threading.Barrier(THREADS)
    results: list[Any] = [None] * THREADS

    def post(index: int) -> None:
        # Two visitor ids race for one user: only one may be linked, none may fail.
        client = IngestClient(visitor_id=f"device-{index % 2}", enforce_csrf_checks=True)
        client.force_login(user)
        try:
            barrier.wait(timeout=30)
            results[index] = client.ingest(example_payload(f"device-{index % 2}")).status_code
        except BaseException as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # Identity links jane to one device's id on her first request (the race is decided by
    # the unique Visitor.user); every request then resolves to that id, so the other
    # device's posts are for an id that is not hers (403). One visitor, none failed.
    linked = Visitor.objects.get(user=user).visitor_id
    assert linked in ("device-0", "device-1")
    assert results == [204 if f"device-{i % 2}" == linked else 403 for i in range(THREADS)]
    assert Visitor.objects.count() == 1


@pytest.mark.parametrize("atomic_requests", [False, True], ids=["autocommit", "ATOMIC_REQUESTS"])
def test_posts_waiting_for_a_rolled_back_first_write_all_succeed(
    clear_throttle: None,
    convert_settings: Any,
    upsert_path: str,
    atomic_requests: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Another transaction wrote the visitor first and rolls back while three posts wait
    # for its locks. On InnoDB the waiters then deadlock; the ingest view keeps out of
    # ATOMIC_REQUESTS so that its own transaction can run again.
    convert_settings(INGEST_THROTTLE_RATE=None)
    # Every thread's connection reads this same settings dict.
    monkeypatch.setitem(connection.settings_dict, "ATOMIC_REQUESTS", atomic_requests)

    def first() -> None:
        store_context(visitor_id=VISITOR_ID, experiences=[], segments={"browser": "FF"})

    def post(index: int) -> int:
        client = IngestClient(enforce_csrf_checks=True)
        return int(client.ingest(_payload(str(index))).status_code)

    results = after_a_rollback(first, post)

    assert results == [204, 204, 204]
    visitor = Visitor.objects.get()
    assert visitor.browser == "CH"  # the rolled-back write left nothing
    assert set(visitor.bucketing_data().values()) < {"0", "1", "2"}
