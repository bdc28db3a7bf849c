"""The project config: storing a large config, and the admin's names on a full changelist.

- Store: parse and store a config of 300 experiences (900 variations) and 60 goals, first
  time and again (an unchanged resync), as ``convert_sync`` does after the fetch.
- Names: the bucketing changelist (100 rows a page, 5,000 rows over 300 experiences)
  rendered with the names of a synced config, side by side with the same page before any
  sync (ids only), with their query counts. The target: the same number of queries, and
  names costing at most 2x the page time.
"""

from __future__ import annotations

from typing import Any

from benchmarks.harness import Result, timed

EXPERIENCES = 300
GOALS = 60
ROWS = 5_000
ROUNDS = 5


def big_config() -> dict[str, Any]:
    from django_convert.testing.project_config import sample_config

    data = sample_config()
    data["goals"] += [
        {"id": str(500000000 + g), "key": f"goal-{g}", "name": f"Goal {g}", "type": "advanced"}
        for g in range(GOALS)
    ]
    data["experiences"] += [
        {
            "id": str(200000000 + e),
            "key": f"exp-{e}",
            "name": f"Experiment {e}",
            "status": "active",
            "type": "a/b",
            "goals": [str(500000000 + e % GOALS), "100037225"],
            "variations": [
                {
                    "id": str(300000000 + 3 * e + v),
                    "name": f"Variation {v}",
                    "status": "running",
                    "traffic_allocation": 33.33,
                }
                for v in range(3)
            ],
        }
        for e in range(EXPERIENCES)
    ]
    return data


def run() -> list[Result]:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from django_convert.client import parse_project_config
    from django_convert.models import Bucketing, ConfigSync, Experience, Goal, Variation, Visitor
    from django_convert.project.sync import store_config

    data = big_config()
    first = timed(lambda: store_config(parse_project_config(data), ConfigSync(trigger="bench")))
    again = min(
        timed(lambda: store_config(parse_project_config(data), ConfigSync(trigger="bench")))
        for _ in range(ROUNDS)
    )
    results = [
        Result("project_config", "store 300 experiences, first sync", first * 1e3, "ms"),
        Result("project_config", "store 300 experiences, resync", again * 1e3, "ms"),
    ]

    visitors = Visitor.objects.bulk_create(Visitor(visitor_id=f"bench-{n}") for n in range(ROWS))
    Bucketing.objects.bulk_create(
        Bucketing(
            visitor=visitor,
            experience_id=str(200000000 + n % EXPERIENCES),
            variation_id=str(300000000 + 3 * (n % EXPERIENCES) + n % 3),
        )
        for n, visitor in enumerate(visitors)
    )
    user = get_user_model().objects.create_superuser("bench-admin", password="x")
    client = Client()
    client.force_login(user)
    url = reverse("admin:django_convert_bucketing_changelist")

    def page() -> tuple[float, int]:
        client.get(url)  # warm up
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        # Counted now: the next request outside the context clears the query log.
        count = len(queries)
        return min(timed(lambda: client.get(url)) for _ in range(ROUNDS)), count

    named_s, named_q = page()
    ConfigSync.objects.all().delete()
    Variation.objects.all().delete()
    Experience.objects.all().delete()
    Goal.objects.all().delete()
    ids_s, ids_q = page()
    results += [
        Result(
            "project_config",
            "bucketing changelist, names",
            named_s * 1e3,
            "ms",
            f"{named_q} queries",
        ),
        Result(
            "project_config",
            "bucketing changelist, ids only",
            ids_s * 1e3,
            "ms",
            f"{ids_q} queries",
        ),
        Result("project_config", "ratio names / ids only", named_s / ids_s, "x", "target ≤ 2"),
    ]
    return results
