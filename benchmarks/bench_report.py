"""Every view of the experiment report on 1,000,000 exposed visitors and 51,000 conversions.

PostgreSQL only. ``DATABASE_URL=postgres://... python -m benchmarks bench_report`` builds the
rows in a fresh test database by ``INSERT ... SELECT generate_series`` (about 90 s), with
segments, 1 visitor in 50 re-bucketed into the other variation, and one 100,000 order;
another experience and another goal add rows the report's filters must skip.
``python -m benchmarks.bench_report --keep`` builds them once in DATABASE_URL's own database
and only measures on later runs.

Prints, per view (the report alone, the page with its trend for the whole experiment and
from day 10, segments by device and by country, the CSV, and the admin page over HTTP), the
median and slowest of several runs and the query count. ``BENCH_REPORT_EXPLAIN=1`` adds the
``EXPLAIN (ANALYZE, BUFFERS)`` of the page's statements on stderr.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from benchmarks.harness import Result
from django_convert.segments import device_class_sql

VISITORS = 1_000_000
OTHER_VISITORS = 500_000  # bucketed in another experience
CONVERSIONS = 50_000
OTHER_CONVERSIONS = 50_000  # another goal
EXPERIENCE, OTHER_EXPERIENCE = "100127238", "100127239"
VARIATIONS = ("1001186427", "1001186428")
GOAL, OTHER_GOAL = "100037225", "100037226"
START = datetime(2026, 10, 1, tzinfo=UTC)
END = START + timedelta(days=30)
REPEAT = 5
TARGET_SECONDS = 1.0
#: The exposure's segment columns (recorded from the visitor row as the ingest does).
_SEGMENTS = (
    device_class_sql("s.devices", "postgresql") + ", s.browser, s.source, s.country, s.visitor_type"
)


def _seed() -> None:
    from django_convert.models import Experience, Goal, Variation

    experience = Experience.objects.create(id=EXPERIENCE, name="Checkout button", status="active")
    goal = Goal.objects.create(id=GOAL, name="Purchase", type="revenue")
    experience.goals.add(goal)
    for variation_id, name in zip(VARIATIONS, ("Original", "Green button"), strict=True):
        Variation.objects.create(
            id=variation_id, experience=experience, name=name, traffic_allocation=50
        )
    start = START.isoformat()
    with connection.cursor() as cursor:
        # Segments cycle so that every breakdown has several values.
        cursor.execute(
            """
            INSERT INTO django_convert_visitor (visitor_id, browser, devices, source,
                visitor_type, country, campaign, custom_segments, first_seen, last_seen,
                key_issued)
            SELECT 'v' || i, (ARRAY['CH', 'SF', 'FF', 'EDG'])[1 + i %% 4],
                   (ARRAY['["DESK"]', '["ALLPH", "IPH"]', '["ALLTAB", "IPAD"]'])[1 + i %% 3]::jsonb,
                   (ARRAY['direct', 'search', 'referral', 'campaign', 'ai_tool'])[1 + i %% 5],
                   (ARRAY['new', 'returning'])[1 + i %% 2],
                   (ARRAY['US', 'DE', 'FR', 'GB', 'NL', 'CA'])[1 + i %% 6],
                   '', '[]', now(), now(), false
            FROM generate_series(1, %s) AS i
            """,
            [VISITORS + OTHER_VISITORS],
        )
        # Visitor i is in variation i % 2, first seen at a pseudo-random minute of the month.
        cursor.execute(
            """
            INSERT INTO django_convert_bucketing (visitor_id, experience_id, variation_id,
                first_seen, last_seen)
            SELECT v.id,
                   CASE WHEN n <= %s THEN %s ELSE %s END,
                   CASE WHEN n %% 2 = 0 THEN %s ELSE %s END,
                   %s::timestamptz + ((n * 7919) %% 43200) * interval '1 minute',
                   now()
            FROM (SELECT id, substr(visitor_id, 2)::bigint AS n FROM django_convert_visitor) v
            """,
            [VISITORS, EXPERIENCE, OTHER_EXPERIENCE, *VARIATIONS, start],
        )
        # The history the report counts on: each bucketing is a first exposure; 1 visitor
        # in 50 was later re-bucketed into the other variation (a second, later exposure).
        cursor.execute(
            """
            INSERT INTO django_convert_exposure (visitor_id, experience_id, variation_id,
                first_seen, last_seen, is_first, device, browser, source, country,
                visitor_type)
            SELECT b.visitor_id, b.experience_id, b.variation_id, b.first_seen, b.last_seen,
                   true, {segments}
            FROM django_convert_bucketing b JOIN django_convert_visitor s ON s.id = b.visitor_id
            UNION ALL
            SELECT b.visitor_id, b.experience_id,
                   CASE WHEN b.variation_id = %s THEN %s ELSE %s END,
                   b.first_seen + interval '2 hours', now(), false, {segments}
            FROM django_convert_bucketing b JOIN django_convert_visitor s ON s.id = b.visitor_id
            WHERE b.visitor_id %% 50 = 7
            """.format(segments=_SEGMENTS),  # noqa: UP032 - the SQL's own braces stay literal
            [VARIATIONS[0], VARIATIONS[1], VARIATIONS[0]],
        )
        # Conversions by 1 visitor in 20 of each variation (50,000) an hour after bucketing,
        # with the snapshot as the app records it, plus 1,000 more in the second variation.
        cursor.execute(
            """
            INSERT INTO django_convert_conversion (goal_id, transaction_id,
                transaction_id_is_local, visitor_id, bucketing, segments, amount,
                custom_dimensions, origin, source_model, source_id, status, attempts,
                next_attempt_at, retry_reason, unknown_outcomes, last_error,
                last_response_body, created_at)
            SELECT g.goal, g.goal || '-' || b.id, false, 'v' || b.visitor_id,
                   jsonb_build_object(b.experience_id, b.variation_id), '{}',
                   ((b.visitor_id * 31) %% 20000) / 100.0, '{}', 'bench', '', '', 'sent', 1,
                   now(), '', 0, '', '', b.first_seen + interval '1 hour'
            FROM django_convert_bucketing b
            CROSS JOIN (VALUES (%s, 40), (%s, 42)) AS g(goal, every)
            WHERE b.experience_id = %s
              AND (b.visitor_id %% g.every IN (0, 1)
                   OR (g.goal = %s AND b.visitor_id %% 1000 = 3))
            """,
            [GOAL, OTHER_GOAL, EXPERIENCE, GOAL],
        )
        # One whale: an order of 100,000 (capped by the report).
        cursor.execute(
            "UPDATE django_convert_conversion SET amount = 100000 WHERE id = "
            "(SELECT min(id) FROM django_convert_conversion WHERE goal_id = %s)",
            [GOAL],
        )
        cursor.execute("SELECT goal_id, count(*) FROM django_convert_conversion GROUP BY 1")
        print(f"conversions per goal: {dict(cursor.fetchall())}", file=sys.stderr)
        for name in ("visitor", "bucketing", "exposure", "conversion"):
            cursor.execute(f"VACUUM ANALYZE django_convert_{name}")


def _views() -> dict[str, Callable[[], object]]:
    """Every view of the report, as the admin computes it (no HTTP), and over HTTP."""
    from django_convert.reports.experiment import build_report
    from django_convert.reports.export import to_csv
    from django_convert.reports.page import build_page

    later = START + timedelta(days=10)
    client, url, params = _admin_client()

    def http(extra: dict[str, str]) -> Callable[[], object]:
        def get() -> object:
            response = client.get(url, {**params, **extra})
            assert response.status_code == 200, response.status_code
            return response

        return get

    return {
        "build_report, whole experiment": lambda: build_report(EXPERIENCE, GOAL, START, END),
        "page (report + trend), whole experiment": lambda: build_page(EXPERIENCE, GOAL, START, END),
        "page, range from day 10 (mid-experiment)": lambda: build_page(
            EXPERIENCE, GOAL, later, END
        ),
        "page + segments by device": lambda: build_page(
            EXPERIENCE, GOAL, START, END, segment="device"
        ),
        "page + segments by country": lambda: build_page(
            EXPERIENCE, GOAL, START, END, segment="country"
        ),
        "CSV": lambda: to_csv(build_report(EXPERIENCE, GOAL, START, END)),
        "admin page over HTTP": http({}),
        "admin page over HTTP, from day 10": http({"start": later.date().isoformat()}),
        "admin page over HTTP, by device": http({"segment": "device"}),
        "admin CSV over HTTP": http({"format": "csv"}),
    }


def _admin_client() -> tuple[object, str, dict[str, str]]:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    user, _created = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    url = reverse("admin:django_convert_bucketing_report", args=[EXPERIENCE])
    params = {"goal": GOAL, "start": START.date().isoformat(), "end": "2026-10-30"}
    return client, url, params


def _measure(view: Callable[[], object]) -> tuple[float, float, int]:
    """Median and slowest of REPEAT runs after a warm-up, and the query count."""
    view()  # warm-up: caches, imports
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        view()
        times.append(time.perf_counter() - started)
    with CaptureQueriesContext(connection) as queries:
        view()
    return statistics.median(times), max(times), len(queries)


def _explain() -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of the page's statements, on stderr."""
    from django_convert.reports.page import build_page

    with CaptureQueriesContext(connection) as captured:
        build_page(EXPERIENCE, GOAL, START + timedelta(days=10), END, segment="device")
    with transaction.atomic(), connection.cursor() as cursor:
        for query in captured.captured_queries:
            sql = query["sql"]
            if "set_config" in sql:
                cursor.execute(sql.replace("%s", "'32MB'"))
            elif sql.lstrip().startswith(("SELECT", "WITH")) and "django_convert_exposure" in sql:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql)
                plan = "\n".join(row[0] for row in cursor.fetchall())
                print(f"\n--- EXPLAIN ---\n{sql[:300]}...\n{plan}", file=sys.stderr)


def run() -> list[Result]:
    if connection.vendor != "postgresql":
        return [Result("report", "skipped", 0, "", "needs PostgreSQL: set DATABASE_URL")]
    started = time.perf_counter()
    _seed()
    seeded = time.perf_counter() - started
    note = f"{VISITORS:,} exposed, {CONVERSIONS:,} conversions of the goal"
    results = [
        Result("report", "seed rows", seeded, "s", "INSERT ... SELECT generate_series"),
    ]
    for name, view in _views().items():
        median, slowest, count = _measure(view)
        verdict = "met" if median <= TARGET_SECONDS else "MISSED"
        results.append(
            Result("report", name, median, "s",
                   f"median of {REPEAT} (slowest {slowest:.2f} s), {count} queries; "
                   f"target <= {TARGET_SECONDS} s: {verdict}")
        )  # fmt: skip
    if os.environ.get("BENCH_REPORT_EXPLAIN"):
        _explain()
    load = os.getloadavg()[0]
    results.append(
        Result("report", "machine load (1 min) at the end", load, "", f"{os.cpu_count()} CPUs")
    )
    results.append(Result("report", "data set", VISITORS, "visitors", note))
    return results


def main() -> None:
    """``python -m benchmarks.bench_report --keep``: the data set stays in DATABASE_URL's own
    database (not a test database) and is built only once; later runs only measure."""
    from benchmarks.harness import print_table, setup_django

    setup_django()
    from django.core.management import call_command

    from django_convert.models import Experience

    call_command("migrate", verbosity=0)
    global _seed
    if Experience.objects.filter(pk=EXPERIENCE).exists():
        _seed = _seeded_already
    print_table(run())


def _seeded_already() -> None:
    print("reusing the data set already in the database", file=sys.stderr)


if __name__ == "__main__":
    if "--keep" not in sys.argv:
        raise SystemExit("run as python -m benchmarks bench_report, or with --keep")
    main()
