"""Ingest endpoint throughput against a minimal DRF view that inserts one row.

Both views are served by the same Django test Client through the test settings' full
middleware stack, on the same database, in one run, in alternating rounds. Every ingest
request is a first post for a new visitor (an upsert of the visitor and 3 bucketing rows)
from its own client address, so the default throttle applies but is never hit. The
baseline gets the same body and ignores it.

Run on PostgreSQL: ``DATABASE_URL=postgres://... python -m benchmarks bench_ingest``.
"""

from __future__ import annotations

import itertools
import json
import statistics
import time
import uuid
from collections.abc import Callable

from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import include, path
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from benchmarks.harness import Result
from django_convert.models import Visitor

# Many short rounds, each timing both views back to back (in alternating order), and the
# median of the per-round ratios: other load on the machine hits both sides of a pair.
REQUESTS_PER_ROUND = 100
ROUNDS = 21
TARGET_RATIO = 0.5
CSRF_TOKEN = "k" * 32


class InsertOneRow(APIView):
    """The baseline: DRF's defaults, one INSERT."""

    permission_classes = [AllowAny]

    def post(self, request: Request) -> Response:
        Visitor.objects.create(visitor_id=uuid.uuid4().hex)
        return Response(status=204)


urlpatterns = [
    path("convert/", include("django_convert.urls")),
    path("baseline/", InsertOneRow.as_view()),
]

_addresses = (f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}" for i in itertools.count(1))


def _payload(visitor_id: str, experiences: int) -> bytes:
    return json.dumps(
        {
            "visitorId": visitor_id,
            "experiences": [
                {"experienceId": str(100127238 + i), "variationId": str(1001186427 + i)}
                for i in range(experiences)
            ],
            "segments": {
                "browser": "CH",
                "devices": ["DESK"],
                "source": "direct",
                "visitorType": "new",
                "country": "US",
                "campaign": "",
                "customSegments": ["segment-id-1", "segment-id-2"],
            },
        }
    ).encode()


def _client() -> Client:
    client = Client(enforce_csrf_checks=True)
    client.cookies["csrftoken"] = CSRF_TOKEN
    return client


def _post(client: Client, url: str, experiences: int = 3) -> int:
    visitor_id = uuid.uuid4().hex
    client.cookies["convert_vid"] = visitor_id
    response = client.post(
        url,
        data=_payload(visitor_id, experiences),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=CSRF_TOKEN,
        REMOTE_ADDR=next(_addresses),
    )
    return int(response.status_code)


def _rate(client: Client, url: str) -> float:
    """Requests per second over one round; every answer must be 204."""
    started = time.perf_counter()
    statuses = {_post(client, url) for _ in range(REQUESTS_PER_ROUND)}
    elapsed = time.perf_counter() - started
    if statuses != {204}:
        raise RuntimeError(f"{url} answered {statuses}: the benchmark would be meaningless")
    return REQUESTS_PER_ROUND / elapsed


def _queries_per_request(client: Client, experiences: int) -> int:
    with CaptureQueriesContext(connection) as context:
        status = _post(client, "/convert/context/", experiences)
    assert status == 204, status
    return len(context.captured_queries)


def _compare(client: Client) -> tuple[float, float, list[float]]:
    """Median ingest and baseline rates, and every round's ratio."""
    measure: dict[str, Callable[[], float]] = {
        "ingest": lambda: _rate(client, "/convert/context/"),
        "baseline": lambda: _rate(client, "/baseline/"),
    }
    for round_rate in measure.values():  # warm up
        round_rate()
    rates: dict[str, list[float]] = {name: [] for name in measure}
    ratios = []
    for index in range(ROUNDS):
        for name in list(measure) if index % 2 else list(reversed(measure)):
            rates[name].append(measure[name]())
        ratios.append(rates["ingest"][-1] / rates["baseline"][-1])
    return statistics.median(rates["ingest"]), statistics.median(rates["baseline"]), ratios


#: The test settings close the connection after each request (CONN_MAX_AGE=0); many
#: deployments keep it open. Both are measured: the connection's cost narrows the ratio.
CONNECTION_MODES = {"reconnect per request": 0, "persistent connection": None}


def run() -> list[Result]:
    vendor = connection.vendor
    configured_max_age = connection.settings_dict["CONN_MAX_AGE"]
    results = []
    with override_settings(ROOT_URLCONF=__name__):
        client = _client()
        for mode, max_age in CONNECTION_MODES.items():
            connection.close()
            connection.settings_dict["CONN_MAX_AGE"] = max_age
            ingest, baseline, ratios = _compare(client)
            ratio = statistics.median(ratios)
            verdict = "met" if ratio >= TARGET_RATIO else "MISSED"
            results += [
                Result("ingest", f"ingest requests/s, {mode}", ingest, "req/s",
                       f"{vendor}, new visitor, 3 experiences"),
                Result("ingest", f"baseline requests/s, {mode}", baseline, "req/s",
                       f"{vendor}, minimal DRF view, 1 INSERT"),
                Result("ingest", f"ingest / baseline, {mode}", ratio, "ratio",
                       f"target >= {TARGET_RATIO}: {verdict}; "
                       f"rounds {min(ratios):.2f}-{max(ratios):.2f}"),
            ]  # fmt: skip
        connection.settings_dict["CONN_MAX_AGE"] = configured_max_age
        for count in (1, 30):
            results.append(
                Result("ingest", f"queries/request, {count} experience{'s' if count > 1 else ''}",
                       _queries_per_request(client, count), "queries",
                       f"{vendor}: BEGIN, 2 upserts, COMMIT"),
            )  # fmt: skip
    return results
