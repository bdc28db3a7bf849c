"""The experiment report on 1,000,000 bucketed visitors and 50,000 conversions.

PostgreSQL only (``DATABASE_URL=postgres://... python -m benchmarks bench_report``): the
rows are made by ``INSERT ... SELECT generate_series`` in seconds. Besides the experience
reported on, another experience and another goal add rows the report's filters must skip.

Prints the time per report (median of several, after a warm-up), its query count, the same
with the report's indexes dropped (side by side, in the same run), and the EXPLAIN of the two
aggregate queries on stderr as evidence of the indexes used.
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

VISITORS = 1_000_000
OTHER_VISITORS = 500_000  # bucketed in another experience
CONVERSIONS = 50_000
OTHER_CONVERSIONS = 50_000  # another goal
EXPERIENCE, OTHER_EXPERIENCE = "100127238", "100127239"
VARIATIONS = ("1001186427", "1001186428")
GOAL, OTHER_GOAL = "100037225", "100037226"
START = datetime(2026, 10, 1, tzinfo=UTC)
END = START + timedelta(days=30)
REPEAT = 7
TARGET_SECONDS = 1.0
#: The index the report adds (migration 0004_report_indexes). Conversions need none of
#: their own: every index on the outbox is one more write on the request path.
REPORT_INDEXES = ("django_convert_bucketed_range",)


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
                first_seen, last_seen, is_first)
            SELECT visitor_id, experience_id, variation_id, first_seen, last_seen, true
            FROM django_convert_bucketing
            UNION ALL
            SELECT visitor_id, experience_id,
                   CASE WHEN variation_id = %s THEN %s ELSE %s END,
                   first_seen + interval '2 hours', now(), false
            FROM django_convert_bucketing WHERE visitor_id %% 50 = 7
            """,
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


def _report() -> object:
    from django_convert.reports.experiment import build_report

    return build_report(EXPERIENCE, GOAL, START, END)


def _report_later_start() -> object:
    """A range starting mid-experiment: each converting visitor's bucketing is checked."""
    from django_convert.reports.experiment import build_report

    return build_report(EXPERIENCE, GOAL, START + timedelta(days=10), END)


def _measure(report: Callable[[], object] = _report) -> tuple[float, int]:
    report()  # warm-up: caches, scipy import
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        report()
        times.append(time.perf_counter() - started)
    with CaptureQueriesContext(connection) as queries:
        report()
    return statistics.median(times), len(queries)


def _explain() -> None:
    from django_convert.reports import queries

    later = START + timedelta(days=10)
    with CaptureQueriesContext(connection) as captured:
        queries.visitors_by_variation(EXPERIENCE, START, END)
        queries.conversions_by_variation(
            EXPERIENCE, GOAL, START, END, leave_out_earlier_visitors=False
        )
        queries.conversions_by_variation(
            EXPERIENCE, GOAL, later, END, leave_out_earlier_visitors=True
        )
    statements = [query["sql"] for query in captured.captured_queries]
    # In one transaction, so the report's own set_config(jit, work_mem, is_local) applies.
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in statements:
            if "set_config" in sql:  # logged with its parameter inlined
                cursor.execute(sql.replace("%s", f"'{queries.POSTGRESQL_WORK_MEM}'"))
            elif sql.lstrip().startswith("SELECT"):
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql)
                plan = "\n".join(row[0] for row in cursor.fetchall())
                print(f"\n--- EXPLAIN ---\n{plan}", file=sys.stderr)


def _page_time() -> tuple[float, int]:
    """The admin page (form choices, report, chart, template), median of REPEAT."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    user = get_user_model().objects.create_superuser("bench-admin", password="unused")
    client = Client()
    client.force_login(user)
    url = reverse("admin:django_convert_bucketing_report", args=[EXPERIENCE])
    params = {"goal": GOAL, "start": START.date().isoformat(), "end": "2026-10-30"}

    def view() -> None:
        response = client.get(url, params)
        assert response.status_code == 200, response.status_code
        assert f"{VISITORS} visitors bucketed".encode() in response.content

    view()
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        view()
        times.append(time.perf_counter() - started)
    with CaptureQueriesContext(connection) as queries:
        view()
    return statistics.median(times), len(queries)


def _index_sql() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = ANY(%s)", [list(REPORT_INDEXES)]
        )
        return [row[0] for row in cursor.fetchall()]


def run() -> list[Result]:
    if connection.vendor != "postgresql":
        return [Result("report", "skipped", 0, "", "needs PostgreSQL: set DATABASE_URL")]
    started = time.perf_counter()
    _seed()
    seeded = time.perf_counter() - started
    note = f"{VISITORS:,} bucketed, {CONVERSIONS:,} conversions of the goal"
    with_indexes, query_count = _measure()
    later_start, _count = _measure(_report_later_start)
    page, page_queries = _page_time()
    _explain()
    definitions = _index_sql()
    with connection.cursor() as cursor:
        for name in REPORT_INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
        cursor.execute("ANALYZE")

    without_indexes, _count = _measure()
    with connection.cursor() as cursor:
        for definition in definitions:
            cursor.execute(definition)
    verdict = "met" if with_indexes <= TARGET_SECONDS else "MISSED"
    load = os.getloadavg()[0]
    return [
        Result("report", "seed rows", seeded, "s", "INSERT ... SELECT generate_series"),
        Result("report", "machine load (1 min) at the end", load, "", f"{os.cpu_count()} CPUs"),
        Result("report", "report time", with_indexes, "s",
               f"median of {REPEAT}; {note}; target <= {TARGET_SECONDS} s: {verdict}"),
        Result("report", "queries per report", query_count, "queries",
               "experience, variations, goal, earlier visitors?, 2 aggregates; "
               "BEGIN, set_config(jit, work_mem), COMMIT"),
        Result("report", "admin report page", page, "s",
               f"median of {REPEAT}; {page_queries} queries with session, auth, form choices"),
        Result("report", "report time, range from day 10", later_start, "s",
               "~2/3 of the rows; each converting visitor's bucketing checked"),
        Result("report", "report time without its indexes", without_indexes, "s",
               f"same data; {', '.join(REPORT_INDEXES)} dropped"),
        Result("report", "without / with indexes", without_indexes / with_indexes, "ratio", ""),
    ]  # fmt: skip


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
