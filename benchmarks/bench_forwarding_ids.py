"""The cost per ingest of adopting browser ids (issue 22, ``forwarding.adopt``).

A visitor's second post, through the real ingest view, timed three ways, in alternating
rounds on the same database: without ``destinationIds`` (no statement runs); with ids for
the three destinations while its 9 impressions (3 experiences x 3 destinations) wait
without them (the ``UPDATE`` adopts 9 rows); and with ids when its rows already have them
(the ``UPDATE`` matches nothing: what every later page of a visitor pays). The first post
(untimed) is a new visitor without ids; delivery is ``manual``, so rows stay pending.

Run on PostgreSQL: ``DATABASE_URL=postgres://... python -m benchmarks bench_forwarding_ids``.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from django.conf import settings
from django.db import connection
from django.test import override_settings

from benchmarks.bench_forwarding import _percentiles
from benchmarks.bench_ingest import CSRF_TOKEN, _client, _payload
from benchmarks.harness import Result

ROUNDS = 150
IDS = {"ga4": "1234567890.1700000000", "segment": "anon-1", "mixpanel": "device-1"}
NONE, ADOPT, MATCH = "no ids", "ids, 9 rows adopt", "ids, nothing to adopt"


def _post(client: Any, visitor_id: str, address: str, ids: dict[str, str] | None) -> float:
    body = json.loads(_payload(visitor_id, 3))
    if ids:
        body["destinationIds"] = ids
    client.cookies["convert_vid"] = visitor_id
    started = time.perf_counter()
    response = client.post(
        "/convert/context/",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=CSRF_TOKEN,
        REMOTE_ADDR=address,
    )
    elapsed = time.perf_counter() - started
    if response.status_code != 204:
        raise RuntimeError(f"ingest answered {response.status_code}: the benchmark is void")
    return elapsed


def run() -> list[Result]:
    from django_convert.models import ForwardedEvent

    forward = {
        "ga4": {"MEASUREMENT_ID": "G-BENCH", "API_SECRET": "s", "URL": "http://127.0.0.1:9/"},
        "segment": {"WRITE_KEY": "wk", "URL": "http://127.0.0.1:9/"},
        "mixpanel": {"PROJECT_TOKEN": "tok", "URL": "http://127.0.0.1:9/"},
    }
    value = {**settings.DJANGO_CONVERT, "DELIVERY": "manual", "FORWARD": forward}
    samples: dict[str, list[float]] = {NONE: [], ADOPT: [], MATCH: []}
    client = _client()
    with override_settings(ROOT_URLCONF="benchmarks.bench_ingest", DJANGO_CONVERT=value):
        for index in range(ROUNDS + 5):
            for turn in range(3):
                side = list(samples)[(index + turn) % 3]
                visitor_id = uuid.uuid4().hex
                address = f"10.8.{index & 255}.{turn + 1}"
                first = IDS if side == MATCH else None
                _post(client, visitor_id, address, first)
                elapsed = _post(client, visitor_id, address, None if side == NONE else IDS)
                if index >= 5:  # the first rounds warm up
                    samples[side].append(elapsed)
    adopted = ForwardedEvent.objects.exclude(destination_id="").count()
    note = f"{connection.vendor}, {ROUNDS} posts each, 2nd post of a visitor, 3 experiences"
    p = {name: _percentiles(values) for name, values in samples.items()}
    results = [Result("forwarding ids", f"ingest p50, {name}", p[name][0], "ms", note)
               for name in samples]  # fmt: skip
    results += [
        Result("forwarding ids", "p50 ratio, adopt / no ids", p[ADOPT][0] / p[NONE][0],
               "ratio", "the UPDATE giving 9 rows their ids"),
        Result("forwarding ids", "p50 ratio, nothing to adopt / no ids",
               p[MATCH][0] / p[NONE][0], "ratio", "the UPDATE matching no row"),
        Result("forwarding ids", "rows with a browser id", adopted, "rows", ""),
    ]  # fmt: skip
    return results
