"""The ``background`` dispatcher's worker: one daemon thread per process, woken after commit.

Bounded by design: the queue is the outbox table, so a wake-up is only a flag and the
thread sends at most one batch at a time. The request never waits for it. Between wake-ups
it sleeps until the next retry falls due (at most ``IDLE_SECONDS``), so backed-off rows
and rows left by another process are picked up without anyone waking it.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from datetime import timedelta

from django.db import close_old_connections, connection
from django.db.models import Min
from django.utils import timezone

from django_convert.conf import get_setting

logger = logging.getLogger("django_convert")

IDLE_SECONDS = 60.0  # longest sleep without a wake-up
BATCH_WINDOW_SECONDS = 0.2  # after a wake-up, before claiming
ERROR_SECONDS = 5.0  # sleep after an unexpected error (misconfiguration, database down)
EXIT_JOIN_SECONDS = 5.0  # at interpreter exit, wait this long for the current batch


class BackgroundWorker:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wake(self) -> None:
        """Start the thread if needed and make it look for due conversions now."""
        with self._lock:
            if self._stop.is_set():
                return
            if not self.alive:
                self._thread = threading.Thread(
                    target=self._run, name="django-convert-delivery", daemon=True
                )
                self._thread.start()
        self._wake.set()

    def stop(self, timeout: float | None = EXIT_JOIN_SECONDS) -> None:
        """Finish the current batch and end the thread (waits at most ``timeout``)."""
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _run(self) -> None:
        from django_convert.delivery.deliver import deliver_due

        outages = 0  # consecutive rounds that ended on a retryable Convert error
        self._stop.wait(BATCH_WINDOW_SECONDS)  # started by a wake-up: the same window
        try:
            while not self._stop.is_set():
                self._wake.clear()  # before delivering: a wake-up during the batch is kept
                close_old_connections()
                try:
                    report = deliver_due(should_stop=self._stop.is_set)
                    sleep = seconds_until_next_due()
                    outages = outages + 1 if report.transient_error else 0
                    if outages:
                        # Rows not yet tried are still due: do not hammer a Convert that is down.
                        sleep = max(sleep, outage_pause(outages))
                except Exception:
                    logger.exception("Background delivery of conversions failed; will try again.")
                    sleep = ERROR_SECONDS
                finally:
                    close_old_connections()
                self._sleep(sleep, keep_pause=outages > 0)
        finally:
            connection.close()  # this thread's own connection

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
            # wake-ups in the window find no waiting thread to switch to.
            self._stop.wait(BATCH_WINDOW_SECONDS)


def outage_pause(outages: int) -> float:
    """Pause after ``outages`` rounds in a row ended on a retryable error: doubling, capped."""
    base, cap = float(get_setting("RETRY_BASE_DELAY")), float(get_setting("RETRY_MAX_DELAY"))
    return float(min(cap, IDLE_SECONDS, base * 2 ** (outages - 1)))


def seconds_until_next_due() -> float:
    from django_convert.models import Conversion

    next_due = Conversion.objects.filter(status__in=("pending", "sending")).aggregate(
        at=Min("next_attempt_at")
    )["at"]
    if next_due is None:
        return IDLE_SECONDS
    wait: float = (next_due - timezone.now()) / timedelta(seconds=1)
    return min(IDLE_SECONDS, max(0.05, wait))


_worker = BackgroundWorker()


def get_worker() -> BackgroundWorker:
    return _worker


def _after_fork_in_child() -> None:
    # The parent's thread does not exist in the child and its locks may be held: start
    # afresh. Pooled sockets belong to the parent, so forget them without closing.
    global _worker
    _worker = BackgroundWorker()
    from django_convert.delivery.client import reset_clients

    reset_clients(close=False)


def _stop_at_exit() -> None:
    _worker.stop()


os.register_at_fork(after_in_child=_after_fork_in_child)
atexit.register(_stop_at_exit)
