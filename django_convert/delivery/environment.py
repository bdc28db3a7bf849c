"""Can a background thread run in this process? Said at start-up and by ``manage.py check``.

The background worker is a daemon thread. Some servers never run it between requests:

- uWSGI without Python threads: before 2.0.27 (Debian 12 ships 2.0.21) threads are off
  unless ``enable-threads`` (or ``threads``) is set, and a thread started by the app runs
  only while a request is being served (uWSGI logs "Python threads support is disabled").
  The embedded ``uwsgi`` module says so in ``uwsgi.has_threads``.
- AWS Lambda (and servers like it) freezes the process between invocations.

Nothing here imports the models; the checks and ``AppConfig.ready`` call it.
"""

from __future__ import annotations

import logging
import os
from importlib import import_module, metadata
from typing import Any

from django.core.checks import CheckMessage, Warning

from django_convert.conf import SETTINGS_NAME, get_setting
from django_convert.invocation import running_command

logger = logging.getLogger("django_convert")

THREAD_MODES = ("background", "immediate")  # modes whose web processes run the worker
UWSGI_THREADS_BY_DEFAULT = (2, 0, 27)  # the first uWSGI release with threads on by default
WHAT_TO_DO = (
    'Enable threads (uWSGI: "enable-threads = true" in the ini file, or --enable-threads), '
    f'or set {SETTINGS_NAME}["DELIVERY"] to "celery" or "task" (a task worker sends), or to '
    '"manual" and run `manage.py convert_deliver --loop` as a service (or from cron).'
)


def thread_problem() -> str | None:
    """Why a background thread cannot run in this process, or None."""
    uwsgi: Any
    try:  # the embedded module exists only inside a uWSGI process
        uwsgi = import_module("uwsgi")
    except ImportError:
        uwsgi = None
    if uwsgi is not None:
        has_threads = getattr(uwsgi, "has_threads", None)
        if has_threads is None:
            opt = getattr(uwsgi, "opt", {}) or {}
            has_threads = opt.get("enable-threads") or opt.get("threads")
        if not has_threads:
            return (
                "this process runs under uWSGI without Python threads, so the background "
                "delivery thread runs only while a request is being served: conversions "
                "wait for later requests, and for none at all on a quiet site."
            )
    if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        return (
            "this process runs on AWS Lambda, which freezes it between invocations, so the "
            "background delivery thread does not run."
        )
    return None


def _version(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split(".")[:3]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


#: The pip distributions of uWSGI: built from source, and ``pyuwsgi`` (binary wheels, the
#: same server and ``uwsgi`` command).
UWSGI_DISTRIBUTIONS = ("uWSGI", "pyuwsgi")


def installed_uwsgi_without_default_threads() -> str | None:
    """The version of an installed uWSGI (either pip package) whose default is threads off."""
    for name in UWSGI_DISTRIBUTIONS:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
        if _version(version) < UWSGI_THREADS_BY_DEFAULT:
            return version
    return None


def check_threads() -> list[CheckMessage]:
    """W030: a background thread cannot run here; W031: uWSGI is installed with threads
    off by default. Nothing when the app is disabled: then no thread delivers anything."""
    mode = get_setting("DELIVERY")
    if mode not in THREAD_MODES or not get_setting("ENABLED"):
        return []
    problem = thread_problem()
    if problem:
        return [
            Warning(
                f'{SETTINGS_NAME}["DELIVERY"] is {mode!r} but {problem}',
                hint=WHAT_TO_DO,
                id="django_convert.W030",
            )
        ]
    version = installed_uwsgi_without_default_threads()
    # runserver serves this process itself: an installed uWSGI is not what runs it (W030
    # covers a process that does run under uWSGI).
    if version and running_command() != "runserver":
        return [
            Warning(
                f'{SETTINGS_NAME}["DELIVERY"] is {mode!r} and uWSGI {version} is installed: '
                "before 2.0.27, uWSGI runs Python threads only with enable-threads, and "
                "without them the background delivery thread runs only during requests.",
                hint=WHAT_TO_DO + " If you do not serve with uWSGI, or already enable threads, "
                'add "django_convert.W031" to SILENCED_SYSTEM_CHECKS.',
                id="django_convert.W031",
            )
        ]
    return []


def warn_at_startup() -> None:
    """Log a WARNING at start-up (``AppConfig.ready``) when the thread cannot run here."""
    mode = get_setting("DELIVERY")
    if mode not in THREAD_MODES or not get_setting("ENABLED"):
        return
    problem = thread_problem()
    if problem:
        logger.warning(
            'django-convert: %s["DELIVERY"] is %r but %s %s',
            SETTINGS_NAME,
            mode,
            problem,
            WHAT_TO_DO,
        )
