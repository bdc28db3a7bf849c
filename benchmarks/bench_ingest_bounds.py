"""The largest request one visitor can cause, unbounded (as before) and bounded (now).

Before the per-visitor bounds, ingest accepted any digit string as an experience id with
no limit per visitor: one visitor posting 110 times, 100 new experiences each, kept 11,000
bucketing rows, and every conversion of theirs carried all of them (a 209 KB tracking
request for one guest order), and their admin page listed them all.

Side by side in one run, for the same 110 posts of 100 new experience ids:

- **unbounded**: the 11,000 rows the old ingest stored, written directly;
- **bounded**: the posts sent through the ingest endpoint, which keeps at most
  ``INGEST_MAX_EXPERIENCES`` (100) experiences per visitor, and, once a project config is
  synced, none the config does not know (the second bounded visitor).

For each: the rows kept, one conversion's tracking request (bytes, and the milliseconds
to record it and encode the body, as delivery does), and the visitor's admin page (ms).
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client, override_settings
from django.utils import timezone

from benchmarks.harness import Result
from django_convert import track_conversion
from django_convert.client.body import build_body, encode_json
from django_convert.delivery.client import client_config
from django_convert.delivery.deliver import to_event
from django_convert.identity.proof import visitor_key
from django_convert.models import Bucketing, ConfigSync, Conversion, Experience, Visitor

POSTS = 110
PER_POST = 100
UNBOUNDED, BOUNDED, SYNCED = "a" * 32, "b" * 32, "c" * 32


def _experiences(post: int) -> list[dict[str, str]]:
    return [
        {"experienceId": str(100_000_000 + post * PER_POST + i), "variationId": "1001186427"}
        for i in range(PER_POST)
    ]


def _post_all(visitor_id: str) -> None:
    client = Client()
    client.cookies["convert_vid"] = visitor_id
    client.cookies["convert_vid_key"] = visitor_key(visitor_id)
    for post in range(POSTS):
        body = {"visitorId": visitor_id, "experiences": _experiences(post), "segments": {}}
        response = client.post(
            "/convert/context/",
            data=json.dumps(body),
            content_type="application/json",
            HTTP_X_CONVERT_LISTENER="1",
            HTTP_ORIGIN="http://testserver",
            HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0",
            REMOTE_ADDR=f"10.9.{post // 250}.{post % 250}",
        )
        if response.status_code != 204:
            raise RuntimeError(f"ingest answered {response.status_code}: {response.content!r}")


def _write_unbounded(visitor_id: str) -> None:
    visitor = Visitor.objects.create(visitor_id=visitor_id, key_issued=True)
    now = timezone.now()
    Bucketing.objects.bulk_create(
        Bucketing(
            visitor=visitor,
            experience_id=item["experienceId"],
            variation_id=item["variationId"],
            first_seen=now,
            last_seen=now,
        )
        for post in range(POSTS)
        for item in _experiences(post)
    )


def _request_bytes(visitor_id: str) -> tuple[int, float]:
    """(tracking body bytes, ms to record the conversion and encode its body)."""
    started = time.perf_counter()
    conversion = track_conversion(
        visitor_id=visitor_id, goal_id="100037225", transaction_id=f"T-{visitor_id}"
    )
    assert isinstance(conversion, Conversion)
    payload = encode_json(build_body(client_config(), [to_event(conversion)]))
    return len(payload), (time.perf_counter() - started) * 1000


def _admin_ms(client: Client, visitor_id: str) -> float:
    pk = Visitor.objects.get(visitor_id=visitor_id).pk
    url = f"/admin/django_convert/visitor/{pk}/change/"

    def load() -> None:
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")

    return statistics.median(_time(load) for _ in range(3)) * 1000


def _time(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def run() -> list[Result]:
    results: list[Result] = []
    with override_settings(DJANGO_CONVERT={**settings.DJANGO_CONVERT, "DELIVERY": "manual"}):
        _write_unbounded(UNBOUNDED)
        _post_all(BOUNDED)
        # A synced config that knows the first post's experiences only.
        sync = ConfigSync.objects.create(ok=True, finished_at=timezone.now())
        Experience.objects.bulk_create(
            Experience(id=item["experienceId"], name="", synced_at=sync.started_at)
            for item in _experiences(0)[:5]
        )
        _post_all(SYNCED)
        admin = Client()
        admin.force_login(get_user_model().objects.create_superuser("bench", password="x"))
        sizes = {}
        for label, visitor_id in (
            ("unbounded", UNBOUNDED),
            ("bounded", BOUNDED),
            ("bounded+synced", SYNCED),
        ):
            rows = Bucketing.objects.filter(visitor__visitor_id=visitor_id).count()
            size, ms = _request_bytes(visitor_id)
            sizes[label] = size
            results += [
                Result("bench_ingest_bounds", f"{label}: bucketing rows kept", rows, "rows"),
                Result("bench_ingest_bounds", f"{label}: tracking request", size / 1000, "KB"),
                Result("bench_ingest_bounds", f"{label}: record + encode", ms, "ms"),
                Result(
                    "bench_ingest_bounds",
                    f"{label}: admin page",
                    _admin_ms(admin, visitor_id),
                    "ms",
                ),
            ]
        results.append(
            Result(
                "bench_ingest_bounds",
                "largest request, unbounded / bounded",
                sizes["unbounded"] / sizes["bounded"],
                "x",
                f"{POSTS} posts of {PER_POST} new experiences",
            )
        )
    return results
