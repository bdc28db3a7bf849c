"""``DELIVERY="task"``: a Django Tasks task that delivers recorded conversions.

Django 6 has ``django.tasks`` built in; older versions use the ``django-tasks`` backport
(``pip install django-convert[tasks]``). Any configured backend works; the task's only
argument is a list of conversion ids (JSON), and running it twice is harmless: rows are
claimed with a lease, so a row already sent, or being sent by someone else, is skipped.
Retries are the outbox's job (``next_attempt_at``), not the task backend's.
"""

from __future__ import annotations

import importlib
from typing import Any

import django
from django.core.exceptions import ImproperlyConfigured

from django_convert.conf import SETTINGS_NAME, get_setting
from django_convert.conversions.sweep import sweep_counts
from django_convert.delivery.jobs import run_delivery_job


def tasks_api() -> Any:
    """``django.tasks`` on Django 6+, else the ``django_tasks`` backport."""
    name = "django.tasks" if django.VERSION >= (6, 0) else "django_tasks"
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise ImproperlyConfigured(
            f'{SETTINGS_NAME}["DELIVERY"] = "task" needs Django\'s Tasks framework: built into '
            "Django 6, or the django-tasks backport on older versions "
            "(pip install 'django-convert[tasks]'). "
            f"Could not import {name}: {exc}"
        ) from exc


# The decorator validates the queue against the backend at import; TASK_QUEUE is read
# here so the import works when the backend has no "default" queue, and again at enqueue
# time (``enqueue_delivery``) so the setting is honoured when it changes.
@tasks_api().task(queue_name=get_setting("TASK_QUEUE"))  # type: ignore[untyped-decorator]
def deliver_conversions_task(conversion_ids: list[int]) -> dict[str, int]:
    """Deliver these conversions, then (bounded) whatever else is due."""
    return run_delivery_job(conversion_ids)


@tasks_api().task(queue_name=get_setting("TASK_QUEUE"))  # type: ignore[untyped-decorator]
def sweep_conversions_task(days: float | None = None) -> dict[str, int]:
    """``convert_sweep`` as a task: enqueue it periodically (cron, or your scheduler)."""
    return sweep_counts(days)


def enqueue_delivery(conversion_ids: list[int]) -> Any:
    """Enqueue delivery of these conversions on TASK_QUEUE; returns the TaskResult."""
    task = deliver_conversions_task.using(queue_name=get_setting("TASK_QUEUE"))
    return task.enqueue([int(pk) for pk in conversion_ids])
