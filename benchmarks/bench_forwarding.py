"""Ingest latency with forwarding (issue 22): three destinations configured, one of them
answering in 3 s, against none configured.

Forwarding writes its rows in the ingest transaction and delivers them outside the request
(here the ``background`` worker, woken at each commit), so the ingest latency must not
move however slow a destination is. Both sides go through the real ingest view (Django's
test client, the test settings' full middleware stack), on the same database, in one run,
in alternating rounds, each post a first post for a new visitor in 3 experiences (so 9
forwarded rows per post when configured). The destinations are the strict stand-ins
(GA4, Segment, Mixpanel; Mixpanel with 3 s of latency), really receiving while the posts
are timed. At the end the worker is given time to drain, and what each stand-in kept is
counted, to show delivery really ran alongside.

Run on PostgreSQL: ``DATABASE_URL=postgres://... python -m benchmarks bench_forwarding``.
"""

from __future__ import annotations

import statistics
import time
import uuid
from typing import Any

from django.conf import settings
from django.db import connection
from django.test import override_settings

from benchmarks.bench_ingest import _client, _payload
from benchmarks.harness import Result
from django_convert.testing.analytics_servers import (
    AnalyticsStandIn,
    GA4StandIn,
    MixpanelStandIn,
    SegmentStandIn,
)

ROUNDS = 12  # a multiple of the 4 sides: each goes first equally often
POSTS_PER_ROUND = 25
SLOW_SECONDS = 3.0
DRAIN_SECONDS = 60.0
CSRF_TOKEN = "k" * 32


def _post(client: Any, addresses: Any) -> float:
    visitor_id = uuid.uuid4().hex
    client.cookies["convert_vid"] = visitor_id
    started = time.perf_counter()
    response = client.post(
        "/convert/context/",
        data=_payload(visitor_id, 3),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=CSRF_TOKEN,
        REMOTE_ADDR=next(addresses),
    )
    elapsed = time.perf_counter() - started
    if response.status_code != 204:
        raise RuntimeError(f"ingest answered {response.status_code}: the benchmark is void")
    return elapsed


SLOW = f"3 configured, mixpanel answering in {SLOW_SECONDS:g} s"
FAST = "3 configured, all answering at once"
# The rows written, nobody delivering while the posts are timed: the cost of writing them.
HELD = "3 configured, delivery held (manual)"


def _drain(model: Any) -> None:
    from django_convert.delivery.worker import get_worker

    get_worker().wake()
    deadline = time.monotonic() + DRAIN_SECONDS
    pending = model.objects.exclude(status=model.Status.SENT)
    while pending.exists() and time.monotonic() < deadline:
        time.sleep(0.2)


def _percentiles(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[94] * 1000  # ms


def run() -> list[Result]:
    from django_convert.delivery.worker import get_worker
    from django_convert.models import ForwardedEvent

    vendor = connection.vendor
    servers: dict[str, AnalyticsStandIn] = {
        "ga4": GA4StandIn().start(),
        "segment": SegmentStandIn().start(),
        "mixpanel": MixpanelStandIn(latency=SLOW_SECONDS).start(),
        "mixpanel_fast": MixpanelStandIn().start(),
    }

    def forward(mixpanel: str) -> dict[str, Any]:
        return {
            "ga4": {"MEASUREMENT_ID": "G-BENCH", "API_SECRET": "s", "URL": servers["ga4"].url},
            "segment": {"WRITE_KEY": "wk", "URL": servers["segment"].url},
            "mixpanel": {"PROJECT_TOKEN": "tok", "URL": servers[mixpanel].url},
        }

    base = {**settings.DJANGO_CONVERT, "DELIVERY": "background"}
    sides = {
        "none configured": {**base, "FORWARD": {}},
        SLOW: {**base, "FORWARD": forward("mixpanel")},
        FAST: {**base, "FORWARD": forward("mixpanel_fast")},
        HELD: {**base, "DELIVERY": "manual", "FORWARD": forward("mixpanel_fast")},
    }
    samples: dict[str, list[float]] = {name: [] for name in sides}
    client = _client()
    addresses = (f"10.9.{i >> 8 & 255}.{i & 255}" for i in range(1, 1 << 16))
    try:
        with override_settings(ROOT_URLCONF="benchmarks.bench_ingest"):
            for value in sides.values():  # warm up
                with override_settings(DJANGO_CONVERT=value):
                    for _ in range(5):
                        _post(client, addresses)
            for index in range(ROUNDS):
                turn = index % len(sides)
                order = list(sides)[turn:] + list(sides)[:turn]  # rotate
                for name in order:
                    with override_settings(DJANGO_CONVERT=sides[name]):
                        samples[name] += [_post(client, addresses) for _ in range(POSTS_PER_ROUND)]
            # Drain: rows written under either Mixpanel URL wait for their own (the rows
            # do not remember a URL: the one configured at delivery time is used).
            for name in (SLOW, FAST):
                with override_settings(DJANGO_CONVERT=sides[name]):
                    _drain(ForwardedEvent)
            get_worker().stop(timeout=SLOW_SECONDS + 5)
    finally:
        for server in servers.values():
            server.stop()
    written = ForwardedEvent.objects.count()
    kept = {name: len(server.events()) for name, server in servers.items()}
    problems = sum(len(server.problems()) for server in servers.values())
    results = []
    for name, values in samples.items():
        p50, p95 = _percentiles(values)
        note = f"{vendor}, {len(values)} posts, new visitor, 3 experiences"
        results += [
            Result("forwarding", f"ingest p50, {name}", p50, "ms", note),
            Result("forwarding", f"ingest p95, {name}", p95, "ms", note),
        ]
    p = {name: _percentiles(values) for name, values in samples.items()}
    none, slow, fast, held = p["none configured"], p[SLOW], p[FAST], p[HELD]
    results += [
        Result("forwarding", "p50 ratio, one slow / all fast", slow[0] / fast[0], "ratio",
               "the slow destination's effect: delivery is outside the request, ~1"),
        Result("forwarding", "p95 ratio, one slow / all fast", slow[1] / fast[1], "ratio", ""),
        Result("forwarding", "p50 ratio, one slow / none", slow[0] / none[0], "ratio",
               "includes writing 9 forwarded rows per post in the ingest transaction"),
        Result("forwarding", "p95 ratio, one slow / none", slow[1] / none[1], "ratio", ""),
        Result("forwarding", "p50 ratio, delivery held / none", held[0] / none[0], "ratio",
               "the rows alone, no delivery running beside the posts"),
        Result("forwarding", "forwarded rows written", written, "rows",
               f"kept by the stand-ins: {kept}; problems: {problems}"),
    ]  # fmt: skip
    return results
