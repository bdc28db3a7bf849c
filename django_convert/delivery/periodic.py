"""Housekeeping that every delivery loop runs besides sending: one line per job in ``JOBS``.

The loops are the background worker (every web process), ``convert_deliver --loop`` and
``convert_deliver`` once (cron), and the Celery ``deliver_due`` task (celery beat). Each
calls :func:`run_due_jobs` after its delivery round, and sleeps no longer than
:func:`seconds_until_next_job`. A job's interval is read from settings at call time.

To add one, append a line, e.g.
``Job("purge", "myapp.jobs.purge", "PURGE_SECONDS")``; an interval of 0 turns a job off.
A job must be idempotent and safe to run concurrently in several processes: every web
process runs it. Its errors are logged, never raised into the loop. A job marked
``own_thread`` (the config sync: a network call to Convert's CDN) runs on a thread of its
own, so it never holds up delivery; :func:`wait_for_jobs` lets a one-shot run wait for it
before exiting.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.module_loading import import_string

from django_convert.conf import get_setting

logger = logging.getLogger("django_convert")


@dataclass
class Job:
    name: str
    function: str  # dotted path, imported when first run (so this module imports nothing)
    interval_setting: str  # the DJANGO_CONVERT setting giving its interval in seconds
    last_run: float | None = field(default=None, compare=False)  # time.monotonic(), per process
    # Run on a thread of its own, never in the delivery loop's critical path.
    own_thread: bool = False
    thread: threading.Thread | None = field(default=None, compare=False, repr=False)

    def interval(self) -> float:
        return float(get_setting(self.interval_setting))

    def enabled(self) -> bool:
        return self.interval() > 0  # an interval of 0 turns the job off

    def seconds_left(self, now: float) -> float:
        if self.last_run is None:
            return 0.0
        return max(0.0, self.last_run + self.interval() - now)


JOBS: list[Job] = [
    # The project config (names, checks): asks the database every POLL_SECONDS whether the
    # last good copy is older than CONFIG_SYNC_INTERVAL, and fetches it only then.
    # Its own thread: a slow or trickling config endpoint never holds up delivery.
    Job(
        "config_sync",
        "django_convert.project.sync.sync_if_stale_in_worker",
        "POLL_SECONDS",
        own_thread=True,
    ),
    # Conversions that bypassed post_save (QuerySet.update(), bulk writes, raw SQL): one
    # anti-join query per rule when nothing is missing (conversions/sweep.py). Each
    # process asks the database every POLL_SECONDS whether SWEEP_INTERVAL has passed for
    # the whole site (conversions/schedule.py): one sweep per interval, however many
    # processes and however often they are recycled.
    Job("sweep", "django_convert.conversions.sweep.sweep_if_due", "POLL_SECONDS"),
]

_lock = threading.Lock()  # one run of the jobs at a time in a process


def run_due_jobs(*, force: bool = False) -> dict[str, Any]:
    """Run the jobs whose interval has passed in this process (all of them with ``force``).

    Returns ``{job name: its result}`` for the jobs that ran; a job that raised is logged
    (ERROR, with the traceback) and reported as ``None``.
    """
    results: dict[str, Any] = {}
    if not JOBS or not _lock.acquire(blocking=False):
        return results
    try:
        for job in JOBS:
            now = time.monotonic()
            if not job.enabled() or (not force and job.seconds_left(now) > 0):
                continue
            job.last_run = now
            # Inside the caller's transaction (a test, a shell), the job runs in it: a
            # thread's connection would commit what the caller may still roll back. On an
            # in-memory SQLite database (tests) it runs here too, under the delivery
            # thread's lock (models/memorydb.py), not beside checkouts on a thread.
            if job.own_thread and not _inline():
                results[job.name] = _start_thread(job)
                continue
            results[job.name] = _run(job)
    finally:
        _lock.release()
    return results


def _inline() -> bool:
    from django_convert.models.memorydb import in_memory

    return transaction.get_connection().in_atomic_block or in_memory()


def _run(job: Job) -> Any:
    try:
        return _in_each_schema(import_string(job.function))
    except Exception:
        logger.exception("Periodic job %r failed; it runs again in %gs.", job.name, job.interval())
        return None


def _start_thread(job: Job) -> threading.Thread | None:
    """Start the job on its own daemon thread unless its last run is still going."""
    if job.thread is not None and job.thread.is_alive():
        return None
    if sys.is_finalizing():
        return None  # Python 3.12+ starts no thread at exit; the next process runs the job
    thread = threading.Thread(
        target=_run_and_close, args=(job,), name=f"django-convert-{job.name}", daemon=True
    )
    try:
        thread.start()
    except RuntimeError:  # "can't create new thread at interpreter shutdown" (3.12+)
        logger.info("Periodic job %r not started: the interpreter is exiting.", job.name)
        return None
    job.thread = thread
    return thread


def _run_and_close(job: Job) -> None:
    from django.db import connections

    try:
        _run(job)
    finally:
        connections.close_all()  # this thread's own connections


def wait_for_jobs(timeout: float) -> None:
    """Wait (at most ``timeout`` seconds in all) for the jobs running on their own threads."""
    deadline = time.monotonic() + timeout
    for job in JOBS:
        if job.thread is not None:
            job.thread.join(max(0.0, deadline - time.monotonic()))


def _in_each_schema(function: Any) -> Any:
    # django-tenants with the app in its tenant schemas: the job runs in each schema, and
    # its result is {schema: result} (models/tenants.py).
    from django_convert.models.tenants import in_each_schema

    visits = in_each_schema(function)
    return function() if visits is None else dict(visits)


def seconds_until_next_job() -> float | None:
    """Seconds until a job is due in this process; None when no job is enabled."""
    now = time.monotonic()
    waits = [job.seconds_left(now) for job in JOBS if job.enabled()]
    return min(waits) if waits else None
