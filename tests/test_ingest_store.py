"""store_context: upserts in a constant number of queries, by either upsert path."""

from __future__ import annotations

from typing import Any

import django
import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from django_convert.ingest import upsert as upsert_module
from django_convert.ingest.store import store_context
from django_convert.models import Bucketing, Visitor
from tests.fixtures_ingest import IngestClient, example_payload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("upsert_path")]


def _experiences(count: int, variation: str = "1") -> list[dict[str, str]]:
    return [{"experienceId": str(1000 + i), "variationId": variation} for i in range(count)]


def _queries(**kwargs: Any) -> list[str]:
    with CaptureQueriesContext(connection) as context:
        store_context(**kwargs)
    return [query["sql"] for query in context.captured_queries]


@pytest.mark.parametrize("existing", [False, True], ids=["new visitor", "known visitor"])
def test_query_count_is_the_same_for_1_and_30_experiences(existing: bool, upsert_path: str) -> None:
    segments = example_payload()["segments"]
    if existing:
        for visitor_id in ("one", "thirty"):
            store_context(visitor_id=visitor_id, experiences=_experiences(30), segments={})

    one = _queries(visitor_id="one", experiences=_experiences(1, "2"), segments=segments)
    thirty = _queries(visitor_id="thirty", experiences=_experiences(30, "2"), segments=segments)

    assert len(one) == len(thirty)
    # the latest config sync (ingest.bounds: known experiences), upsert visitor, the
    # visitor's stored experiences (its INGEST_MAX_EXPERIENCES), upsert bucketing, record
    # exposures (+ the transaction's own statements); bulk_create on Django < 5.0 does not
    # return the visitor's pk, which costs one SELECT more.
    returns_pk = upsert_path == "one statement" or django.VERSION >= (5, 0)
    assert len([sql for sql in thirty if "django_convert" in sql]) == (5 if returns_pk else 6)
    assert Bucketing.objects.filter(visitor__visitor_id="thirty", variation_id="2").count() == 30


def test_query_count_is_constant_for_a_logged_in_user() -> None:
    users = [get_user_model().objects.create_user(name) for name in ("a", "b")]
    one = _queries(visitor_id="one", experiences=_experiences(1), segments={}, user=users[0])
    thirty = _queries(visitor_id="thirty", experiences=_experiences(30), segments={}, user=users[1])
    assert len(one) == len(thirty)
    assert Visitor.objects.get(visitor_id="thirty").user == users[1]


def test_query_count_over_http_is_the_same_for_1_and_30_experiences(
    ingest_client: IngestClient,
) -> None:
    counts = []
    for count in (1, 30):
        payload = example_payload()
        payload["experiences"] = _experiences(count)
        with CaptureQueriesContext(connection) as context:
            assert ingest_client.ingest(payload).status_code == 204
        counts.append(len(context.captured_queries))
    assert counts[0] == counts[1]


def test_only_segments_sent_are_written() -> None:
    store_context(visitor_id="v", experiences=[], segments=example_payload()["segments"])
    store_context(visitor_id="v", experiences=[], segments={"country": "DE"})
    visitor = Visitor.objects.get()
    assert visitor.country == "DE"
    assert visitor.browser == "CH"
    assert visitor.custom_segments == ["segment-id-1", "segment-id-2"]


def test_returned_visitor_is_the_stored_row() -> None:
    first = store_context(visitor_id="v", experiences=[], segments={})
    again = store_context(visitor_id="v", experiences=[], segments={"browser": "FF"})
    assert again.pk == first.pk
    again.refresh_from_db()
    assert again.first_seen == first.first_seen
    assert again.last_seen > first.last_seen
    assert again.browser == "FF"


def test_without_returning_ids_the_pk_is_read_back(monkeypatch: pytest.MonkeyPatch) -> None:
    # bulk_create on Django < 5.0 (or a database without RETURNING) leaves the pk unset.
    monkeypatch.setattr(upsert_module, "speaks_upsert_returning", lambda connection: False)
    monkeypatch.setattr(type(connection.features), "can_return_rows_from_bulk_insert", False)
    existing = store_context(visitor_id="known", experiences=[], segments={})
    assert existing.pk
    visitor = store_context(visitor_id="known", experiences=_experiences(2), segments={})
    assert visitor.pk == existing.pk
    assert Visitor.objects.get(pk=visitor.pk).bucketing_data() == {"1000": "1", "1001": "1"}


def test_bucketing_of_other_experiences_is_kept() -> None:
    store_context(visitor_id="v", experiences=_experiences(3), segments={})
    store_context(
        visitor_id="v", experiences=[{"experienceId": "1000", "variationId": "9"}], segments={}
    )
    assert Visitor.objects.get().bucketing_data() == {"1000": "9", "1001": "1", "1002": "1"}


def test_the_statement_stores_what_bulk_create_would(upsert_path: str) -> None:
    # JSON lists, datetimes and a NULL foreign key survive either path's adaptation.
    store_context(
        visitor_id="v", experiences=_experiences(2), segments=example_payload()["segments"]
    )
    visitor = Visitor.objects.get(visitor_id="v")
    assert visitor.devices == ["DESK"]
    assert visitor.custom_segments == ["segment-id-1", "segment-id-2"]
    assert visitor.user is None
    assert visitor.first_seen == visitor.last_seen
    assert Bucketing.objects.filter(visitor=visitor).count() == 2


def test_a_user_with_a_visitor_is_not_linked_to_a_second_one() -> None:
    # Identity normally makes a logged-in request use the user's own id; with another
    # resolver the ingest must still leave the user's existing link alone, and not fail.
    user = get_user_model().objects.create_user("jane")
    Visitor.objects.create(visitor_id="jane-first-id", user=user)
    store_context(visitor_id="second", experiences=_experiences(1), segments={}, user=user)
    assert Visitor.objects.get(visitor_id="second").user is None
    assert Visitor.objects.get(user=user).visitor_id == "jane-first-id"


def test_a_visitor_of_another_user_is_not_taken_over() -> None:
    owner, other = (get_user_model().objects.create_user(name) for name in ("owner", "other"))
    Visitor.objects.create(visitor_id="v", user=owner)
    store_context(visitor_id="v", experiences=_experiences(1), segments={}, user=other)
    assert Visitor.objects.get(visitor_id="v").user == owner
    assert not Visitor.objects.filter(user=other).exists()
