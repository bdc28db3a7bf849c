"""The experiment report's count over the exposure history: 1,000,000 visitors.

Visitors per variation on first exposure over a date range, ``WHERE experience_id = %s
AND is_first AND first_seen >= %s AND first_seen < %s GROUP BY variation_id``, as the
report (issue "A report a shop can decide on") will ask it, side by side with today's
count over Bucketing (``django_convert_bucketed_range``). On PostgreSQL the plan is
printed: it must be an index-only scan (after VACUUM, as autovacuum leaves a settled
table). 2 % of the visitors were seen in a second variation later (rows with
``is_first`` false). ``BENCH_EXPOSURE_VISITORS`` sets the size.
"""

from __future__ import annotations

import json
import os
import time

from benchmarks.harness import Result

NAME = "exposure_index"
VISITORS = int(os.environ.get("BENCH_EXPOSURE_VISITORS", "1000000"))
EXPERIENCE = "100127238"


def _load() -> None:
    from django.db import connection

    from django_convert.models import Bucketing, Exposure, Visitor

    quote = connection.ops.quote_name
    visitor, bucketing, exposure = (quote(m._meta.db_table) for m in (Visitor, Bucketing, Exposure))
    with connection.cursor() as cursor:
        for table in (exposure, bucketing, visitor):
            cursor.execute(f"DELETE FROM {table}")
        cursor.execute(
            f"INSERT INTO {visitor} (visitor_id, browser, devices, source, visitor_type, "
            "country, campaign, custom_segments, first_seen, last_seen) "
            "SELECT 'x-' || n, '', '[]', '', '', '', '', '[]', now(), now() "
            f"FROM generate_series(1, {VISITORS}) AS g(n)"
        )
        # A year of first exposures, alternating two variations.
        seen = f"now() - make_interval(secs => (id * 31536.0 / {VISITORS}) * 1000)"
        cursor.execute(
            f"INSERT INTO {bucketing} (visitor_id, experience_id, variation_id, first_seen, "
            f"last_seen) SELECT id, '{EXPERIENCE}', 'v' || (id % 2), {seen}, now() "
            f"FROM {visitor}"
        )
        cursor.execute(
            f"INSERT INTO {exposure} (visitor_id, experience_id, variation_id, first_seen, "
            f"last_seen, is_first) SELECT visitor_id, experience_id, variation_id, first_seen, "
            f"last_seen, true FROM {bucketing}"
        )
        cursor.execute(
            f"INSERT INTO {exposure} (visitor_id, experience_id, variation_id, first_seen, "
            f"last_seen, is_first) SELECT visitor_id, experience_id, 'v' || ((visitor_id + 1) "
            f"% 2), first_seen + interval '1 day', now(), false FROM {bucketing} "
            "WHERE visitor_id % 50 = 0"
        )
        cursor.execute("VACUUM ANALYZE")


def _explain(sql: str, params: list[object], *, no_seqscan: bool = False) -> tuple[float, str, int]:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        if no_seqscan:  # what the index alone costs, when the planner prefers the table
            cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(sql, params)  # warm
        started = time.perf_counter()
        cursor.execute(sql, params)
        cursor.fetchall()
        seconds = time.perf_counter() - started
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    nodes, stack = [], [plan[0]["Plan"]]
    while stack:
        node = stack.pop()
        nodes.append(node)
        stack.extend(node.get("Plans", []))
    scan = next(n for n in nodes if "Scan" in n["Node Type"])
    return (
        seconds,
        f"{scan['Node Type']} on {scan.get('Index Name', '-')}",
        scan.get("Heap Fetches", -1),
    )


def run() -> list[Result]:
    from django.db import connection
    from django.utils import timezone

    if connection.vendor != "postgresql":
        return [Result(NAME, "skipped", 0, "", "PostgreSQL only (the plan is its own)")]
    _load()
    end = timezone.now()
    start = end - timezone.timedelta(days=90)
    exposures = (
        "SELECT variation_id, COUNT(*) FROM django_convert_exposure WHERE experience_id = %s "
        "AND is_first AND first_seen >= %s AND first_seen < %s GROUP BY variation_id"
    )
    bucketing = (
        "SELECT variation_id, COUNT(*) FROM django_convert_bucketing WHERE experience_id = %s "
        "AND first_seen >= %s AND first_seen < %s GROUP BY variation_id"
    )
    seen_twice = (
        "SELECT COUNT(*) FROM django_convert_exposure WHERE experience_id = %s "
        "AND NOT is_first AND first_seen >= %s AND first_seen < %s"
    )
    params = [EXPERIENCE, start, end]
    week = [EXPERIENCE, end - timezone.timedelta(days=7), end]
    results = []
    for label, sql, values, forced in (
        ("first exposures per variation, 90 days", exposures, params, False),
        ("Bucketing per variation (today), 90 days", bucketing, params, False),
        ("first exposures per variation, 90 days, index only", exposures, params, True),
        ("first exposures per variation, 7 days", exposures, week, False),
        ("seen in a second variation, 90 days", seen_twice, params, False),
    ):
        seconds, scan, heap = _explain(sql, values, no_seqscan=forced)
        results.append(Result(NAME, label, seconds * 1000, "ms", f"{scan}, heap fetches {heap}"))
    note = f"{VISITORS:,} visitors in one experience, 90-day range (a quarter of them)"
    results.append(
        Result(NAME, "exposures / Bucketing", results[0].value / results[1].value, "x", note)
    )
    return results
