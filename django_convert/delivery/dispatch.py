"""Who delivers a newly recorded conversion, per ``DELIVERY``.

``background``: the in-process worker thread, woken after commit (the default).
``immediate``: sent in the request, after commit; errors are logged, never raised (the
web process's worker thread sends the retries, see ``worker.py``).
``manual``: nobody; run ``convert_deliver`` (cron or ``--loop``). Said once per process,
at WARNING, so a forgotten cron job shows in the logs.
``task``: a Django Tasks task enqueued on TASK_QUEUE (``delivery/tasks.py``).
``celery``: a Celery task published on CELERY_QUEUE (``delivery/celery.py``).

Enqueueing never fails the request: if the task library is missing or the backend or
broker is down, the error is logged and the row stays in the outbox for the next task,
``convert_deliver`` or a worker loop.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from django_convert.conf import SETTINGS_NAME, get_setting

logger = logging.getLogger("django_convert")


def dispatch_background(pks: list[int]) -> None:
    from django_convert.delivery.worker import get_worker

    try:
        get_worker().wake(pks)
    except Exception:  # e.g. "can't start new thread": never fail the request for it
        logger.exception(
            "Could not start the background delivery thread for conversion(s) %s; they stay "
            "queued for another process's worker or convert_deliver.",
            pks,
        )


def dispatch_immediate(pks: list[int]) -> None:
    from django_convert.delivery.deliver import deliver_conversions

    try:
        deliver_conversions(pks)
    except Exception:
        # The conversion is safely in the outbox; convert_deliver will send it later.
        logger.exception("Immediate delivery of conversion(s) %s failed; they stay queued.", pks)


_manual_said = False


def dispatch_manual(pks: list[int]) -> None:
    global _manual_said
    if not _manual_said:
        _manual_said = True
        logger.warning(
            'Conversion(s) %s recorded with %s["DELIVERY"] = "manual": this process does not '
            "send them. They go out when `manage.py convert_deliver` runs (cron, or --loop as "
            "a worker); check that it does with `manage.py convert_deliver --check`. "
            "(Said once per process.)",
            pks,
            SETTINGS_NAME,
        )


def dispatch_task(pks: list[int]) -> None:
    try:
        from django_convert.delivery.tasks import enqueue_delivery

        enqueue_delivery(pks)
    except Exception:
        logger.exception(
            "Could not enqueue a Django Tasks delivery of conversion(s) %s; they stay queued.",
            pks,
        )


def dispatch_celery(pks: list[int]) -> None:
    try:
        try:
            from django_convert.delivery.celery import enqueue_delivery
        except ImportError as exc:
            raise ImproperlyConfigured(
                f'{SETTINGS_NAME}["DELIVERY"] = "celery" needs Celery '
                f"(pip install 'django-convert[celery]'): {exc}"
            ) from exc
        enqueue_delivery(pks)
    except Exception:
        logger.exception(
            "Could not publish a Celery delivery of conversion(s) %s; they stay queued.", pks
        )


DISPATCHERS: dict[str, Callable[[list[int]], None]] = {
    "background": dispatch_background,
    "immediate": dispatch_immediate,
    "manual": dispatch_manual,
    "task": dispatch_task,
    "celery": dispatch_celery,
}


def get_dispatcher() -> Callable[[list[int]], None]:
    mode = get_setting("DELIVERY")
    try:
        return DISPATCHERS[mode]
    except (KeyError, TypeError):
        raise ImproperlyConfigured(
            f'{SETTINGS_NAME}["DELIVERY"] is {mode!r}; use one of {sorted(DISPATCHERS)}.'
        ) from None


def dispatch(pks: list[int]) -> None:
    """Hand committed conversions to the configured dispatcher."""
    get_dispatcher()(pks)


def on_conversion_recorded(sender: Any, conversion: Any, **kwargs: Any) -> None:
    """``conversion_recorded`` receiver (connected in ``AppConfig.ready``).

    The recording layer sends the signal after commit, so the row is visible to the
    worker thread or the immediate delivery that reads it.
    """
    dispatch([conversion.pk])
