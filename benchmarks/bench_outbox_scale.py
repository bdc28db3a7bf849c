"""An outbox that stays fast when it is large: delivery of 1,000, 10,000 and 100,000
pending conversions, and of 10,000 beside 1,000,000 sent rows, against a stand-in
answering in 20 ms (a realistic round trip to Convert), side by side with posthog-python
sending the same number of events to the same stand-in.

For each: wall time against the floor (one round trip per batch: requests x 20 ms),
client CPU per conversion (this process, sender thread included), database CPU per
conversion (the connection's own server process or thread, from /proc: PostgreSQL's
backend, MariaDB's connection thread), and the cost of one claim of 100 as the tables
grow (median of 20). posthog-python is a benchmark-only dependency
(``pip install -e '.[bench]'``); without it its lines say so.

Run: ``DATABASE_URL=postgres://... python -m benchmarks bench_outbox_scale`` (or
mysql://). ``OUTBOX_SIZES=1000,10000`` and ``OUTBOX_SENT=0`` for a short run.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.test import override_settings

from benchmarks.harness import Result
from benchmarks.stand_in import stand_in_process

NAME = "outbox_scale"
LATENCY_MS = 20.0
BATCH = 100
BUCKETING = '{"100127238": "1001186427", "100127239": "1001186428"}'
SEGMENTS = '{"browser": "CH", "devices": ["DESK"], "visitorType": "new", "country": "US"}'


def sizes() -> list[int]:
    return [int(n) for n in os.environ.get("OUTBOX_SIZES", "1000,10000,100000").split(",")]


def sent_rows() -> int:
    return int(os.environ.get("OUTBOX_SENT", "1000000"))


def insert_rows(count: int, status: str, prefix: str) -> None:
    """``count`` rows in one INSERT ... SELECT (generated on the server)."""
    from django_convert.models import Conversion

    table = connection.ops.quote_name(Conversion._meta.db_table)
    columns = (
        "goal_id, transaction_id, visitor_id, bucketing, segments, amount, products_count, "
        "custom_dimensions, origin, status, attempts, next_attempt_at, retry_reason, "
        "unknown_outcomes, last_error, last_response_body, created_at, sent_at"
    )
    now = "NOW()" if connection.vendor != "sqlite" else "strftime('%Y-%m-%d %H:%M:%f', 'now')"
    sent_at = now if status == "sent" else "NULL"
    if connection.vendor == "postgresql":
        n, source = "g", f"generate_series(1, {count}) AS g"
        text = f"'{prefix}-' || g"
        visitor = "'visitor-' || (g % 400)"
        json = "::jsonb"
    elif connection.vendor == "mysql":
        n, source = "seq", f"seq_1_to_{count}"
        text = f"CONCAT('{prefix}-', seq)"
        visitor = "CONCAT('visitor-', seq % 400)"
        json = ""
    else:
        n = "n"
        source = (
            f"(WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < {count})"
            " SELECT n FROM c)"
        )
        text, visitor, json = f"'{prefix}-' || n", "'visitor-' || (n % 400)", ""
    del n
    sql = (
        f"INSERT INTO {table} ({columns}) SELECT '100037225', {text}, {visitor}, "
        f"'{BUCKETING}'{json}, '{SEGMENTS}'{json}, 149.99, 3, '{{}}'{json}, 'bench', "
        f"'{status}', {1 if status == 'sent' else 0}, {now}, '', 0, '', '', {now}, {sent_at} "
        f"FROM {source}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
    # As on a live site, where autovacuum has been by: statistics, hint bits, the
    # visibility map (else the first scans after a million-row insert pay for them).
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"VACUUM ANALYZE {table}")
        elif connection.vendor == "mysql":
            cursor.execute(f"ANALYZE TABLE {table}")
            cursor.fetchall()


def db_cpu() -> Callable[[], float]:
    """Seconds of CPU used so far by this connection's server side (None: unknown)."""
    tick = os.sysconf("SC_CLK_TCK")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_backend_pid()")
        elif connection.vendor == "mysql":
            cursor.execute(
                "SELECT TID FROM information_schema.PROCESSLIST WHERE ID = CONNECTION_ID()"
            )
        else:
            return lambda: 0.0  # SQLite runs in this process: counted as client CPU
        pid = cursor.fetchone()[0]
    stat = Path(f"/proc/{pid}/stat")

    def read() -> float:
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / tick  # utime + stime

    return read


def claim_cost(repeat: int = 20) -> float:
    """Median seconds of one claim of BATCH rows, given back untried after each."""
    from django_convert.delivery.claim import claim_due, release

    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        claim = claim_due(BATCH)
        times.append(time.perf_counter() - started)
        release([row.pk for row in claim.rows], claim.token)
    return statistics.median(times)


def replay(url: str, payloads: list[bytes]) -> float:
    """Seconds to POST the same bodies one after another on one connection, nothing else:
    the floor for any client sending them (the stand-in's own time per body included)."""
    import requests

    from django_convert.delivery.client import get_client

    session = requests.Session()
    session.headers.update(get_client().config.headers())
    started = time.perf_counter()
    for payload in payloads:
        session.post(url, data=payload, timeout=30).raise_for_status()
    return time.perf_counter() - started


def deliver(url: str) -> tuple[float, float, float, int, float]:
    """(wall s, client CPU s, database CPU s, requests, floor s) to deliver what is due."""
    from django_convert.delivery import batch, deliver_due
    from django_convert.delivery.client import get_client, reset_clients

    payloads: list[bytes] = []
    post = batch.post

    def recorded(client, payload, timeout=None):  # type: ignore[no-untyped-def]
        payloads.append(payload)
        return post(client, payload, timeout)

    with override_settings(
        DJANGO_CONVERT={
            **settings.DJANGO_CONVERT,
            "TRACKING_URL": url,
            "BATCH_SIZE": BATCH,
            "SWEEP_INTERVAL": 0,
            "CONFIG_SYNC_INTERVAL": 0,
        }
    ):
        server_cpu = db_cpu()
        batch.post = recorded
        try:
            cpu0, db0, wall0 = time.process_time(), server_cpu(), time.perf_counter()
            report = deliver_due()
            wall = time.perf_counter() - wall0
            cpu, db = time.process_time() - cpu0, server_cpu() - db0
        finally:
            batch.post = post
        floor = replay(get_client().config.endpoint, payloads)
        reset_clients()
    return wall, cpu, db, report.requests, floor


def posthog(url: str, count: int) -> tuple[float, float, int] | None:
    """(wall s, client CPU s, requests) for posthog-python to send ``count`` events."""
    try:
        from posthog import Posthog
    except ImportError:
        return None
    host = url.split("/v1/track")[0]
    client = Posthog("phc_benchmark", host=host, flush_at=BATCH, max_queue_size=count + 1)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for n in range(count):
        client.capture(
            "conversion",
            distinct_id=f"visitor-{n % 400}",
            properties={
                "goal_id": "100037225",
                "amount": 149.99,
                "products_count": 3,
                "transaction_id": f"P-{n}",
                "bucketing": {"100127238": "1001186427", "100127239": "1001186428"},
                "browser": "CH",
            },
        )
    client.flush(timeout_seconds=None)  # every event sent (the default gives up after 10 s)
    client.shutdown()
    return time.perf_counter() - wall0, time.process_time() - cpu0, -(-count // BATCH)


def run() -> list[Result]:
    from django_convert.models import Conversion

    results: list[Result] = []
    floor_per_request = LATENCY_MS / 1000
    scenarios = [(n, 0) for n in sizes()]
    if sent_rows():
        scenarios.append((10_000, sent_rows()))
    with stand_in_process(LATENCY_MS, other_posts=True) as url:
        for pending, sent in scenarios:
            Conversion.objects.all().delete()
            label = f"{pending:,} pending" + (f" beside {sent:,} sent" if sent else "")
            if sent:
                insert_rows(sent, "sent", "S")
            insert_rows(pending, "pending", "P")
            claim = claim_cost()
            wall, cpu, db, requests, replayed = deliver(url)
            assert Conversion.objects.filter(status="sent").count() == pending + sent
            floor = requests * floor_per_request
            results += [
                Result(NAME, f"{label}: claim of {BATCH}", claim * 1000, "ms", "median of 20"),
                Result(
                    NAME,
                    f"{label}: delivery",
                    wall,
                    "s",
                    f"{wall / replayed:.2f}x the floor ({replayed:.2f} s: the same {requests} "
                    f"bodies POSTed back to back); {wall / floor:.2f}x {requests} x "
                    f"{LATENCY_MS:g} ms",
                ),
                Result(NAME, f"{label}: client CPU", cpu / pending * 1000, "ms/conv", ""),
                Result(NAME, f"{label}: database CPU", db / pending * 1000, "ms/conv", ""),
            ]
            if not sent:
                other = posthog(url, pending)
                if other is None:
                    results.append(Result(NAME, "posthog-python", 0, "", "not installed"))
                    continue
                p_wall, p_cpu, p_requests = other
                results += [
                    Result(
                        NAME,
                        f"{label}: posthog-python delivery",
                        p_wall,
                        "s",
                        f"{p_wall / (p_requests * floor_per_request):.2f}x the floor",
                    ),
                    Result(
                        NAME,
                        f"{label}: posthog-python client CPU",
                        p_cpu / pending * 1000,
                        "ms/conv",
                        f"ours / posthog: {cpu / p_cpu:.2f}",
                    ),
                ]
    Conversion.objects.all().delete()
    return results
