"""Ingest bounded per visitor: experiences per visitor (INGEST_MAX_EXPERIENCES), known
experience ids once a project config is synced, and so what a conversion carries; login
stitching keeps the same bound."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.utils import timezone

from django_convert import track_conversion
from django_convert.identity.stitching import merge_visitors
from django_convert.ingest import outcomes
from django_convert.ingest.store import store_context
from django_convert.models import Bucketing, ConfigSync, Experience, Visitor
from tests.fixtures_ingest import IngestClient, example_payload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh(clear_throttle: None) -> None:
    outcomes.reset()


def experiences(start: int, count: int) -> list[dict[str, str]]:
    return [
        {"experienceId": str(100_000_000 + i), "variationId": "1001186427"}
        for i in range(start, start + count)
    ]


def post(client: IngestClient, items: list[dict[str, str]]) -> Any:
    payload = example_payload(client.visitor_id) | {"experiences": items}
    return client.ingest(payload)


def stored_experiences(visitor_id: str) -> set[str]:
    return set(
        Bucketing.objects.filter(visitor__visitor_id=visitor_id).values_list(
            "experience_id", flat=True
        )
    )


def test_a_visitor_keeps_at_most_the_limit_and_its_known_experiences_keep_updating(
    ingest_client, convert_settings, caplog
) -> None:
    convert_settings(INGEST_MAX_EXPERIENCES=150)
    caplog.set_level(logging.WARNING)
    for start in (0, 100, 200):
        assert post(ingest_client, experiences(start, 100)).status_code == 204
    kept = stored_experiences(ingest_client.visitor_id)
    assert kept == {item["experienceId"] for item in experiences(0, 150)}
    # An experience already kept still takes a new variation.
    changed = [{"experienceId": "100000000", "variationId": "42"}]
    assert post(ingest_client, changed + experiences(300, 5)).status_code == 204
    assert len(stored_experiences(ingest_client.visitor_id)) == 150
    assert (
        Bucketing.objects.get(
            visitor__visitor_id=ingest_client.visitor_id, experience_id="100000000"
        ).variation_id
        == "42"
    )
    assert outcomes.counts()["experience_limit"] == 155
    said = [r for r in caplog.records if getattr(r, "convert_reason", "") == "experience_limit"]
    assert len(said) == 2  # at the first 50, then past 100: counted, not a line per post


def test_a_new_visitor_post_is_capped_too(convert_settings) -> None:
    convert_settings(INGEST_MAX_EXPERIENCES=10)
    client = IngestClient("0" * 32, key=False)  # a first claim: no row yet
    response = client.ingest(example_payload("0" * 32) | {"experiences": experiences(0, 30)})
    assert response.status_code == 204
    assert len(stored_experiences("0" * 32)) == 10


def test_with_a_synced_config_only_known_experiences_are_stored(ingest_client, caplog) -> None:
    caplog.set_level(logging.INFO)
    sync = ConfigSync.objects.create(ok=True, finished_at=timezone.now())
    Experience.objects.create(id="100000001", name="Checkout", synced_at=sync.started_at)
    assert post(ingest_client, experiences(0, 3)).status_code == 204
    assert stored_experiences(ingest_client.visitor_id) == {"100000001"}
    assert outcomes.counts()["unknown_experience"] == 2
    assert [r for r in caplog.records if getattr(r, "convert_reason", "") == "unknown_experience"]
    # A later sync that knows more: they are stored from then on.
    later = ConfigSync.objects.create(ok=True, finished_at=timezone.now())
    Experience.objects.create(id="100000002", name="Search", synced_at=later.started_at)
    assert post(ingest_client, experiences(0, 3)).status_code == 204
    assert stored_experiences(ingest_client.visitor_id) == {"100000001", "100000002"}


def test_before_any_successful_sync_every_experience_is_stored(ingest_client) -> None:
    ConfigSync.objects.create(ok=False, error="timeout")
    assert post(ingest_client, experiences(0, 3)).status_code == 204
    assert len(stored_experiences(ingest_client.visitor_id)) == 3


def test_what_a_conversion_carries_is_bounded(ingest_client, convert_settings) -> None:
    convert_settings(INGEST_MAX_EXPERIENCES=20)
    for start in range(0, 500, 100):
        post(ingest_client, experiences(start, 100))
    conversion = track_conversion(
        visitor_id=ingest_client.visitor_id, goal_id="100037225", transaction_id="T-1"
    )
    assert conversion is not None
    assert len(conversion.bucketing) == 20


def test_stitching_keeps_the_bound(convert_settings) -> None:
    convert_settings(INGEST_MAX_EXPERIENCES=5)
    store_context(visitor_id="user-1", experiences=experiences(0, 4), segments={})
    store_context(visitor_id="anon-1", experiences=experiences(10, 5), segments={})
    merge_visitors("anon-1", "user-1")
    assert len(stored_experiences("user-1")) == 5
    assert not Visitor.objects.filter(visitor_id="anon-1").exists()


@pytest.mark.parametrize("value", [0, -1, "100", None, True])
def test_an_unusable_limit_is_a_check_error(convert_settings, value) -> None:
    from django_convert.identity.checks import check_ingest_limit

    convert_settings(INGEST_MAX_EXPERIENCES=value)
    [error] = check_ingest_limit()
    assert error.id == "django_convert.E026"
