"""What a queued delivery task (``DELIVERY="task"`` or ``"celery"``) runs.

Safe to run twice, or concurrently with any other worker: rows are claimed with a lease,
so a row already sent, or being sent by someone else, is skipped.
"""

from __future__ import annotations

from collections.abc import Collection

from django_convert.conf import get_setting
from django_convert.delivery.deliver import DeliveryReport, deliver_conversions, deliver_due

SWEEP_BATCHES = 10  # after its own rows, a job sends at most this many batches of others


def run_delivery_job(conversion_ids: Collection[int]) -> dict[str, int]:
    """Deliver these conversions, then (bounded) whatever else is due; return the counts."""
    report = deliver_conversions(conversion_ids)
    if not report.transient_error:  # Convert is down: leave the rest to their backoff
        # Rows backed off earlier, or left by a worker that died, ride along: without a
        # worker loop, new conversions are what keeps the outbox moving. Bounded, so one
        # task never holds a worker for a whole backlog.
        report.add(deliver_due(limit=SWEEP_BATCHES * int(get_setting("BATCH_SIZE"))))
    return report_counts(report)


def report_counts(report: DeliveryReport) -> dict[str, int]:
    """A task result that every backend can serialise (JSON)."""
    return {
        "sent": report.sent,
        "retried": report.retried,
        "failed": report.failed,
        "released": report.released,
        "requests": report.requests,
    }
