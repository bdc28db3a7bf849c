"""``DELIVERY="celery"``: Celery tasks that deliver recorded conversions.

``shared_task`` binds them to your project's Celery app. Your worker finds them with
``app.autodiscover_tasks()`` (which imports ``django_convert.tasks``) or by importing this
module. Both tasks are safe to run twice (rows are claimed with a lease), hence
``acks_late``: a worker that dies mid-task leaves the message to be delivered again.
Retries are the outbox's job (``next_attempt_at``), not Celery's: no ``autoretry_for``.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task

from django_convert.conf import get_setting
from django_convert.delivery.deliver import deliver_due as _deliver_due
from django_convert.delivery.jobs import report_counts, run_delivery_job
from django_convert.project.sync import sync_if_stale_in_worker
from django_convert.project.sync import sync_project_config as _sync_project_config

# How long publishing may wait for the broker: a checkout must not hang on a broker that
# is down. What is not published stays in the outbox for the next task or convert_deliver.
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}


@shared_task(name="django_convert.deliver_conversions", acks_late=True, ignore_result=True)  # type: ignore[untyped-decorator]
def deliver_conversions(conversion_ids: list[int]) -> dict[str, int]:
    """Deliver these conversions, then (bounded) whatever else is due."""
    return run_delivery_job(conversion_ids)


@shared_task(name="django_convert.deliver_due", acks_late=True, ignore_result=True)  # type: ignore[untyped-decorator]
def deliver_due() -> dict[str, int]:
    """Everything due now; schedule it with celery beat so retries go out without traffic.

    It also refreshes the project config when it is older than CONFIG_SYNC_INTERVAL."""
    sync_if_stale_in_worker(trigger="celery")
    return report_counts(_deliver_due())


@shared_task(name="django_convert.sync_project_config", ignore_result=True)  # type: ignore[untyped-decorator]
def sync_project_config() -> bool:
    """Fetch the project config now (e.g. from celery beat); True when it synced."""
    return _sync_project_config(trigger="celery").ok


def enqueue_delivery(conversion_ids: list[int]) -> Any:
    """Publish ``deliver_conversions`` on CELERY_QUEUE (Celery's default when None)."""
    options: dict[str, Any] = {"retry": True, "retry_policy": PUBLISH_RETRY_POLICY}
    queue = get_setting("CELERY_QUEUE")
    if queue:
        options["queue"] = queue
    return deliver_conversions.apply_async(args=[[int(pk) for pk in conversion_ids]], **options)
