"""Delivery throughput: batched outbox delivery vs the source document's per-conversion POST.

Both send the same 1,000 conversions to the same local stand-in, which adds 20 ms to every
answer (a realistic round trip to Convert). The baseline is section 5 of the source
document: one ``requests.post(url, json=payload)`` per conversion, in a loop.
"""

from __future__ import annotations

import time
from decimal import Decimal

import requests
from django.conf import settings
from django.test import override_settings

from benchmarks.harness import Result
from benchmarks.stand_in import stand_in_process
from django_convert.conf import DEFAULTS

CONVERSIONS = 1000
LATENCY_MS = 20.0
NAME = "delivery_throughput"


def send_conversion_to_convert(
    base, account_id, project_id, visitor_id, bucketing, goal_id, segments=None, goal_data=None
):
    """Section 5 of the source document, with the URL base made local (and the bucketing
    of every stored experience rather than one)."""
    url = f"{base}/{account_id}/{project_id}"
    event_data = {"goalId": str(goal_id), "bucketingData": bucketing}
    if goal_data:
        event_data["goalData"] = goal_data
    payload = {
        "accountId": str(account_id),
        "projectId": str(project_id),
        "enrichData": True,
        "visitors": [
            {
                "visitorId": str(visitor_id),
                "segments": segments or {},
                "events": [{"eventType": "conversion", "data": event_data}],
            }
        ],
    }
    response = requests.post(url, json=payload)
    response.raise_for_status()
    return response.status_code == 200


def make_rows(prefix: str) -> None:
    from django_convert.models import Conversion

    Conversion.objects.all().delete()
    Conversion.objects.bulk_create(
        Conversion(
            goal_id="100037225",
            transaction_id=f"{prefix}-{n}",
            visitor_id=f"visitor-{n % 400}",
            bucketing={"100127238": "1001186427", "100127239": "1001186428"},
            segments={"browser": "CH", "devices": ["DESK"], "visitorType": "new", "country": "US"},
            amount=Decimal("149.99"),
            products_count=3,
        )
        for n in range(CONVERSIONS)
    )


def per_conversion_loop(url: str) -> float:
    from django_convert.models import Conversion

    make_rows("LOOP")
    config = settings.DJANGO_CONVERT
    started = time.perf_counter()
    for row in Conversion.objects.all():
        send_conversion_to_convert(
            url,
            config["ACCOUNT_ID"],
            config["PROJECT_ID"],
            row.visitor_id,
            row.bucketing,
            row.goal_id,
            segments=row.segments,
            goal_data=[
                {"key": "amount", "value": float(row.amount)},
                {"key": "productsCount", "value": row.products_count},
                {"key": "transactionId", "value": row.transaction_id},
            ],
        )
    return time.perf_counter() - started


def batched(url: str, batch_size: int) -> tuple[float, int]:
    from django_convert.delivery import deliver_due
    from django_convert.delivery.client import reset_clients
    from django_convert.models import Conversion

    make_rows(f"BATCH{batch_size}")
    with override_settings(
        DJANGO_CONVERT={**settings.DJANGO_CONVERT, "TRACKING_URL": url, "BATCH_SIZE": batch_size}
    ):
        started = time.perf_counter()
        report = deliver_due()
        elapsed = time.perf_counter() - started
        reset_clients()
    assert report.sent == CONVERSIONS, report
    assert Conversion.objects.filter(status="sent").count() == CONVERSIONS
    return elapsed, report.requests


def run() -> list[Result]:
    results: list[Result] = []
    with stand_in_process(LATENCY_MS) as url:
        loop_seconds = per_conversion_loop(url)
        results.append(
            Result(
                NAME,
                "per-conversion POST loop (source document)",
                loop_seconds,
                "s",
                f"{CONVERSIONS} requests, {CONVERSIONS / loop_seconds:,.0f} conversions/s",
            )
        )
        default = DEFAULTS["BATCH_SIZE"]
        for batch_size in sorted({50, default}):
            seconds, requests_made = batched(url, batch_size)
            floor = requests_made * LATENCY_MS / 1000
            label = "default" if batch_size == default else "smaller"
            results += [
                Result(
                    NAME,
                    f"batched deliver_due, BATCH_SIZE={batch_size} ({label})",
                    seconds,
                    "s",
                    f"{CONVERSIONS / seconds:,.0f} conversions/s",
                ),
                Result(
                    NAME,
                    f"  speed-up vs loop, BATCH_SIZE={batch_size}",
                    loop_seconds / seconds,
                    "x",
                    "target >= 50x",
                ),
                Result(
                    NAME,
                    f"  requests per conversion, BATCH_SIZE={batch_size}",
                    requests_made / CONVERSIONS,
                    "req",
                    f"{requests_made} requests (loop: 1.000)",
                ),
                Result(
                    NAME,
                    f"  time / floor (requests x {LATENCY_MS:g} ms), BATCH_SIZE={batch_size}",
                    seconds / floor,
                    "x",
                    f"floor {floor:.3f} s",
                ),
            ]
    return results
