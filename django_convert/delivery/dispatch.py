"""Who delivers a newly recorded conversion, per ``DELIVERY``.

``background``: the in-process worker thread, woken after commit (the default).
``immediate``: sent in the request, after commit; errors are logged, never raised.
``manual``: nobody; run ``convert_deliver`` (cron or ``--loop``).
``task`` / ``celery``: not available yet (ImproperlyConfigured), see ``DISPATCHERS``.
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

    get_worker().wake()


def dispatch_immediate(pks: list[int]) -> None:
    from django_convert.delivery.deliver import deliver_conversions

    try:
        deliver_conversions(pks)
    except Exception:
        # The conversion is safely in the outbox; convert_deliver will send it later.
        logger.exception("Immediate delivery of conversion(s) %s failed; they stay queued.", pks)


def dispatch_manual(pks: list[int]) -> None:
    pass


def _not_yet(mode: str) -> Callable[[list[int]], None]:
    def dispatch(pks: list[int]) -> None:
        raise ImproperlyConfigured(
            f'{SETTINGS_NAME}["DELIVERY"] = {mode!r} is not available in this version of '
            'django-convert yet. Use "background", "immediate" or "manual" '
            "(with `manage.py convert_deliver --loop`)."
        )

    return dispatch


# The "task" (Django Tasks) and "celery" entries are placeholders that a later change
# replaces with real dispatchers enqueuing a delivery task.
DISPATCHERS: dict[str, Callable[[list[int]], None]] = {
    "background": dispatch_background,
    "immediate": dispatch_immediate,
    "manual": dispatch_manual,
    "task": _not_yet("task"),
    "celery": _not_yet("celery"),
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
