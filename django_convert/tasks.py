"""Celery's ``app.autodiscover_tasks()`` imports ``<app>.tasks``: this registers
django-convert's Celery tasks with your worker when Celery is installed."""

from __future__ import annotations

from importlib.util import find_spec

if find_spec("celery") is not None:
    from django_convert.delivery.celery import (
        deliver_conversions,
        deliver_due,
        sweep_conversions,
    )

    __all__ = ["deliver_conversions", "deliver_due", "sweep_conversions"]
