"""Checks for DELIVERY: "task" and "celery" have their library and an accepted queue;
"background" and "immediate" have a process where a thread can run (environment.py).

Nothing here imports the task modules: a check must not register tasks or fail to import.
"""

from __future__ import annotations

from importlib.util import find_spec

import django
from django.core.checks import CheckMessage, Error, Warning

from django_convert.conf import SETTINGS_NAME, get_setting


def _tasks_module_name() -> str:
    return "django.tasks" if django.VERSION >= (6, 0) else "django_tasks"


def _installed(name: str) -> bool:
    try:
        return find_spec(name) is not None
    except ImportError:  # a parent package is missing
        return False


def check_delivery() -> list[CheckMessage]:
    return _check_removed_settings() + _check_mode()


def _check_removed_settings() -> list[CheckMessage]:
    """W032: MAX_ATTEMPTS is set, but no longer ends a conversion."""
    value = get_setting("MAX_ATTEMPTS")
    if value is None:
        return []
    return [
        Warning(
            f"{SETTINGS_NAME}['MAX_ATTEMPTS'] ({value!r}) is ignored: retryable failures (5xx, "
            "429, no answer, an answer that is not Convert's) are retried for RETRY_DAYS "
            "days, however many attempts that takes; only Convert's refusal fails a "
            "conversion early.",
            hint=f"Remove MAX_ATTEMPTS from {SETTINGS_NAME}; set RETRY_DAYS (default 7) to "
            "bound how long a conversion is retried.",
            id="django_convert.W032",
        )
    ]


def _check_mode() -> list[CheckMessage]:
    from django_convert.delivery.environment import check_threads

    mode = get_setting("DELIVERY")
    if mode in ("background", "immediate"):
        return check_threads()
    if mode == "task":
        return _check_tasks()
    if mode == "celery" and not _installed("celery"):
        return [
            Error(
                f"{SETTINGS_NAME}['DELIVERY'] is 'celery' but Celery is not installed.",
                hint="pip install 'django-convert[celery]'",
                id="django_convert.E032",
            )
        ]
    if mode == "celery":
        return _check_celery_app()
    return []


def _check_celery_app() -> list[CheckMessage]:
    """E125: no Celery app of the project is loaded with Django.

    The tasks are shared tasks: a web process publishes through the app Celery
    falls back to in threads where no app is current, which is the project's app only
    once it was created with Django's settings (Celery's Django fix-up makes it the
    default then). Without it, publishing goes to Celery's built-in default broker
    (``amqp://guest@localhost//``), not to the project's: nothing reaches the workers.
    """
    from celery import _state  # the only place Celery keeps its default and live apps

    default = _state.default_app
    if default is not None and not _is_celery_fallback(default):
        return []
    apps = [app for app in _state._get_active_apps() if not _is_celery_fallback(app)]
    found = f" (an app {apps[0].main!r} exists, but not as the default app)" if apps else ""
    return [
        Error(
            f"{SETTINGS_NAME}['DELIVERY'] is 'celery' but no Celery app of this project is "
            f"loaded with Django{found}: the web process would publish deliveries to "
            "Celery's default broker (amqp://guest@localhost//), where no worker listens.",
            hint="Create the app as Celery's Django guide does (proj/celery.py with "
            'app = Celery("proj"); app.config_from_object("django.conf:settings", '
            'namespace="CELERY")) and import it in proj/__init__.py: '
            '"from .celery import app as celery_app".',
            id="django_convert.E125",
        )
    ]


def _is_celery_fallback(app: object) -> bool:
    # The app Celery creates on demand when none exists: named "default", no fix-ups.
    return getattr(app, "main", None) == "default" and not getattr(app, "fixups", None)


def _check_tasks() -> list[CheckMessage]:
    name = _tasks_module_name()
    if not _installed(name):
        return [
            Error(
                f"{SETTINGS_NAME}['DELIVERY'] is 'task' but {name} cannot be imported.",
                hint="Use Django 6 (django.tasks is built in), or install the django-tasks "
                "backport: pip install 'django-convert[tasks]'.",
                id="django_convert.E030",
            )
        ]
    from importlib import import_module

    queue = get_setting("TASK_QUEUE")
    try:
        queues = import_module(name).task_backends["default"].queues
    except Exception as exc:  # a broken TASKS setting: report it, never crash the checks
        return [
            Error(
                f"The default Django Tasks backend cannot be loaded: {exc}",
                hint="Fix settings.TASKS.",
                id="django_convert.E031",
            )
        ]
    if queues and queue not in queues:
        return [
            Error(
                f"{SETTINGS_NAME}['TASK_QUEUE'] is {queue!r}, which is not one of the default "
                f"Tasks backend's QUEUES {sorted(queues)}.",
                hint="Add it to settings.TASKS['default']['QUEUES'] or change TASK_QUEUE.",
                id="django_convert.E031",
            )
        ]
    return []
