"""The in-process delivery worker: one daemon thread per process.

Started in every web process by its first request (``DELIVERY`` "background" or
"immediate"), or by the first conversion a process records ("background"), so rows left
by any process (a cron job, a script, a worker that died) are picked up by whatever web
process runs, not only by one that records conversions itself. Each round it sends
what is due, runs the periodic jobs, and sleeps until the next row falls due, at most
``POLL_SECONDS``: that is the bound for rows written by other processes. A wake-up after
a commit in this process cuts the sleep short.

Bounded by design: the queue is the outbox table, so a wake-up is only a flag and the
thread sends at most one batch at a time. The request never waits for it.

At interpreter exit it sends the conversions this process recorded that are still due,
waiting at most ``EXIT_TIMEOUT`` (a pending batching window is cut short), and logs a
WARNING naming how many could not be sent: the next worker sends those.
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
import threading
import time
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import close_old_connections, connections
from django.utils import timezone

from django_convert.conf import get_setting
from django_convert.delivery import backoff
from django_convert.delivery.claim import outbox_alias
from django_convert.delivery.durable import DatabaseOutage, is_connection_error, is_lock
from django_convert.delivery.periodic import run_due_jobs, seconds_until_next_job
from django_convert.models.memorydb import serialized

logger = logging.getLogger("django_convert")

BATCH_WINDOW_SECONDS = 0.2  # after a wake-up, before claiming
ERROR_SECONDS = 5.0  # sleep after an unexpected error (e.g. the database down)
CONFIG_ERROR_REPEAT = 600.0  # a configuration error is logged again after this long
POLLING_MODES = ("background", "immediate")  # modes whose web processes run the worker
# Own unsent ids remembered for the exit round (one IN (...) query per round); more than
# an exit round can send anyway. Older ones are still sent by the polling of any worker.
MAX_REMEMBERED = 5000


class BackgroundWorker:
    def __init__(self) -> None:
        self.pid = os.getpid()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._exiting = threading.Event()  # at exit: send this process's own rows, then end
        self._thread: threading.Thread | None = None
        self._recorded: set[int] = set()  # ids this process recorded and has not seen sent
        self._config_error: tuple[str, float] | None = None  # the last one logged, and when
        self._database = DatabaseOutage()
        self._exit_done = False  # the exit send ran (ASGI lifespan or atexit): not twice

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def ensure_started(self) -> None:
        """Start the thread if it is not running (cheap when it is)."""
        if self.alive:
            return
        with self._lock:
            if self._stop.is_set() or self.alive:
                return
            self._thread = threading.Thread(
                target=self._run, name="django-convert-delivery", daemon=True
            )
            self._thread.start()

    def wake(self, recorded: Iterable[int] = ()) -> None:
        """Start the thread if needed and make it look for due conversions now.

        ``recorded``: ids of conversions this process just recorded, sent at exit if the
        thread has not sent them by then.
        """
        if recorded:
            with self._lock:
                self._recorded.update(recorded)
                if len(self._recorded) > MAX_REMEMBERED:  # a long outage: keep the newest
                    self._recorded = set(sorted(self._recorded)[-MAX_REMEMBERED:])
        self.ensure_started()
        self._wake.set()

    def stop(self, timeout: float | None = 5.0, *, flush: bool = False) -> None:
        """End the thread after the current batch, waiting at most ``timeout``.

        ``flush``: first send this process's own recorded conversions that are still due
        (interpreter exit), cutting a batching window short.
        """
        if flush:
            self._exiting.set()
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _run(self) -> None:
        try:
            # Imported before the window, so the first claim does not wait for it.
            import django_convert.delivery.deliver  # noqa: F401

            # Started by a wake-up or a request: let the conversions of the moment gather.
            self._stop.wait(BATCH_WINDOW_SECONDS)
            outages = 0  # consecutive rounds that ended on a retryable Convert error
            while not self._stop.is_set() and _worker is self:  # replaced: end quietly
                self._wake.clear()  # before delivering: a wake-up during the batch is kept
                sleep, outages = self._round(outages)
                self._sleep(sleep, keep_pause=outages > 0)
            if self._exiting.is_set() and not outages:
                self._send_own()
        finally:
            connections.close_all()  # this thread's own connections

    def _round(self, outages: int) -> tuple[float, int]:
        """One delivery round; returns (seconds to sleep, consecutive outage rounds)."""
        from django_convert.delivery.deliver import deliver_due

        close_old_connections()
        try:
            if get_setting("DELIVERY") not in POLLING_MODES or not get_setting("ENABLED"):
                return poll_seconds(), 0  # settings changed at run time: idle
            # In-memory SQLite only: the round's database work holds the statement lock
            # (released while Convert answers), so a checkout's INSERT waits, not fails.
            with serialized(outbox_alias()):
                report = deliver_due(should_stop=self._stop.is_set)
                self._database.succeeded()
                if not self._stop.is_set():
                    # Stopping (often at interpreter exit, where Python 3.12+ refuses new
                    # threads): the jobs run in the next process instead.
                    run_due_jobs()
                self._forget_sent()
                sleep = seconds_until_next_due()
            next_job = seconds_until_next_job()
            if next_job is not None:
                sleep = min(sleep, max(0.05, next_job))
            outages = outages + 1 if report.transient_error else 0
            if outages:
                # Rows not yet tried are still due: do not hammer a Convert that is down.
                sleep = max(sleep, outage_pause(outages))
            return sleep, outages
        except ImproperlyConfigured as exc:
            # Every web process runs this thread: one ERROR per problem and process every
            # CONFIG_ERROR_REPEAT seconds, not a traceback every few seconds.
            now = time.monotonic()
            if self._config_error != (str(exc), now // CONFIG_ERROR_REPEAT):
                self._config_error = (str(exc), now // CONFIG_ERROR_REPEAT)
                logger.error(
                    "Background delivery of conversions failed: %s Conversions stay queued; "
                    "checking again every %gs.",
                    exc,
                    poll_seconds(),
                )
            return poll_seconds(), 0
        except Exception as error:
            if is_connection_error(error):  # said once per outage, not every round
                self._database.failed(error)
                if is_lock(error):  # SQLite: a checkout's transaction; try again soon
                    return BATCH_WINDOW_SECONDS, 0
            else:
                logger.exception("Background delivery of conversions failed; will try again.")
            return ERROR_SECONDS, 0
        finally:
            close_old_connections()

    def _sleep(self, seconds: float, *, keep_pause: bool) -> None:
        """Sleep until woken or ``seconds`` pass; during an outage pause, wake-ups (every
        new conversion sends one) do not cut it short, only ``stop()`` does."""
        if keep_pause:
            # Wait on the stop event alone: a wake-up per saved order must not cost a
            # thread switch (and the GIL) on the request path while Convert is down.
            self._stop.wait(seconds)
            return
        if self._wake.wait(seconds):
            # Woken by a new conversion: let those of the next moment join its batch.
            # Fuller batches cost fewer requests and less CPU per conversion, and the
            # wake-ups in the window find no waiting thread to switch to. stop() cuts it.
            self._stop.wait(BATCH_WINDOW_SECONDS)

    def _forget_sent(self) -> None:
        """Keep ``_recorded`` to the rows not yet sent (bounded by what is in flight)."""
        with self._lock:
            snapshot = set(self._recorded)
        if not snapshot:
            return
        unsent = set(_unsent(snapshot))
        with self._lock:
            self._recorded = (self._recorded - snapshot) | unsent

    def _send_own(self) -> None:
        """At exit: send this process's own rows that are still due, until the deadline."""
        from django_convert.delivery.deliver import deliver_conversions

        with self._lock:
            ids = sorted(self._recorded)
        if not ids:
            return
        deadline = time.monotonic() + float(get_setting("EXIT_TIMEOUT"))
        try:
            # Every request ends by the deadline (one that could not is not sent).
            deliver_conversions(
                ids, should_stop=lambda: time.monotonic() > deadline, until=deadline
            )
        except Exception:
            logger.exception("Sending this process's conversions before exit failed.")

    def unsent_recorded(self) -> tuple[int, int]:
        """This process's recorded conversions not sent: ``(left, elsewhere)``. ``left``
        are pending, or sending under this process's own claim or an expired lease;
        ``elsewhere`` are being sent right now by a sibling process (another worker of the
        same server polled them), under a lease it still holds."""
        with self._lock:
            ids = set(self._recorded)
        return _split_unsent(ids) if ids else (0, 0)


def _unsent(ids: set[int]) -> list[int]:
    return [pk for pk, _ in _unsent_rows(ids)]


def _split_unsent(ids: set[int]) -> tuple[int, int]:
    from django_convert.delivery.claim import claimed_here

    now = timezone.now()
    left = elsewhere = 0
    for _, (status, token, lease_expires) in _unsent_rows(ids):
        if status == "sending" and not claimed_here(token) and lease_expires > now:
            elsewhere += 1
        else:
            left += 1
    return left, elsewhere


def _unsent_rows(ids: set[int]) -> list[tuple[int, tuple[str, Any, Any]]]:
    """``(pk, (status, lease_token, next_attempt_at))`` of the rows of ``ids`` not sent."""
    from django_convert.delivery.claim import outbox
    from django_convert.models.tenants import in_each_schema

    visits = in_each_schema(lambda: _unsent_rows(ids))  # django-tenants: each tenant's outbox
    if visits is not None:
        return [row for _, rows in visits for row in rows]
    fields = ("pk", "status", "lease_token", "next_attempt_at")
    rows = outbox().filter(pk__in=ids, status__in=("pending", "sending")).values_list(*fields)
    return [(pk, (status, token, due)) for pk, status, token, due in rows]


def poll_seconds() -> float:
    return max(0.05, float(get_setting("POLL_SECONDS")))


def outage_pause(outages: int) -> float:
    """Pause after ``outages`` rounds in a row ended on a retryable error: doubling from
    RETRY_BASE_DELAY up to RETRY_MAX_DELAY (one probe of a down Convert per pause)."""
    return backoff.outage_pause(
        outages,
        base=float(get_setting("RETRY_BASE_DELAY")),
        cap=float(get_setting("RETRY_MAX_DELAY")),
    )


def seconds_until_next_due() -> float:
    """Until the next pending row falls due or lease runs out, at most ``POLL_SECONDS``.

    One index seek per status on (status, next_attempt_at), on the outbox's write
    database: the same cost with 100,000 rows waiting as with one.
    """
    from django_convert.delivery.claim import outbox
    from django_convert.forwarding.outbox import due_soonest
    from django_convert.models.tenants import in_each_schema

    poll = poll_seconds()
    visits = in_each_schema(seconds_until_next_due)  # django-tenants: the soonest of all
    if visits is not None:
        return min((wait for _, wait in visits), default=poll)
    firsts = [
        outbox()
        .filter(status=status)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
        for status in ("pending", "sending")
    ]
    due = [at for at in firsts if at is not None]
    forwarded = due_soonest()  # events for analytics destinations (FORWARD), if any
    if not due and forwarded is None:
        return poll
    waits = [(at - timezone.now()) / timedelta(seconds=1) for at in due]
    if forwarded is not None:
        waits.append(forwarded)
    wait: float = min(waits)
    return min(poll, max(0.05, wait))


_worker = BackgroundWorker()


def get_worker() -> BackgroundWorker:
    global _worker
    if _worker.pid != os.getpid():
        # Forked without Python's at-fork hooks (uWSGI forks its workers in C unless
        # --py-call-osafterfork): the parent's thread does not exist here.
        _after_fork_in_child()
    return _worker


def start_on_request(sender: Any = None, **kwargs: Any) -> None:
    """``request_started`` receiver: every web process runs a worker, even one that
    never records a conversion itself, so rows left by other processes go out.

    Not for Django's test client (``sender`` is its handler): a test suite's requests
    must not leave a thread polling the test database, which would keep PostgreSQL from
    dropping it. Conversions recorded in tests still wake the worker, as before.
    """
    if getattr(sender, "__module__", "") == "django.test.client":
        return
    _say_if_uvicorn_without_lifespan()
    worker = get_worker()
    if worker.alive:
        return
    if get_setting("DELIVERY") in POLLING_MODES and get_setting("ENABLED"):
        worker.ensure_started()


_said_uvicorn = False
#: Set by django_convert.asgi.with_lifespan's application at its lifespan startup.
lifespan_seen = False


def _say_if_uvicorn_without_lifespan() -> None:
    """uvicorn ends its processes without running exit hooks: without the lifespan
    wrapper, nothing sends (or counts) what a stopping process recorded. Said once."""
    global _said_uvicorn
    if _said_uvicorn or "uvicorn" not in sys.modules:
        return
    _said_uvicorn = True
    if not lifespan_seen and get_setting("DELIVERY") in POLLING_MODES:
        logger.warning(
            "This process runs under uvicorn, which ends it without Python's exit hooks: "
            "conversions it records just before stopping are not sent at exit and nothing "
            "says so. Wrap the ASGI application: application = "
            "django_convert.asgi.with_lifespan(get_asgi_application())."
        )


def _after_fork_in_child() -> None:
    # The parent's thread does not exist in the child and its locks may be held: start
    # afresh (the first request starts the thread). Pooled sockets belong to the parent,
    # so forget them without closing.
    global _worker
    _worker = BackgroundWorker()
    from django_convert.delivery.client import reset_clients
    from django_convert.forwarding.send import reset_sessions

    reset_clients(close=False)
    reset_sessions(close=False)  # the analytics destinations' sessions too


def stop_and_send_own() -> None:
    """The exit send: stop the thread, send this process's own unsent conversions within
    EXIT_TIMEOUT, and say how many could not be sent. Run once, by whichever comes first:
    the ASGI lifespan's shutdown (``django_convert.asgi``) or the interpreter's exit."""
    worker = _worker
    if worker.pid != os.getpid() or worker._thread is None or worker._exit_done:
        return
    worker._exit_done = True
    timeout = float(get_setting("EXIT_TIMEOUT"))
    worker.stop(timeout=timeout, flush=True)
    try:
        unsent, elsewhere = worker.unsent_recorded()
    except Exception:
        logger.exception("Could not count this process's unsent conversions at exit.")
        return
    if elsewhere:
        # Not a loss: a sibling worker claimed them and sends them (or, if it dies, they
        # are due again when its lease ends).
        logger.info(
            "%d conversion(s) recorded by this process are being sent to Convert by another "
            "process at its exit.",
            elsewhere,
        )
    if unsent:
        logger.warning(
            "%d conversion(s) recorded by this process were not sent to Convert before it "
            "exited (waited up to %gs); they stay in the outbox and the next delivery worker "
            "(a web process's background worker, convert_deliver, or a delivery task) sends them.",
            unsent,
            timeout,
        )


_stop_at_exit = stop_and_send_own


os.register_at_fork(after_in_child=_after_fork_in_child)
atexit.register(_stop_at_exit)
