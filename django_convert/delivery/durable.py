"""Keep Convert's answer until the database has recorded it.

Once Convert has answered, the answer must not be lost because the database hiccuped (a
failover, a PgBouncer restart, ``pg_terminate_backend``, a network blip): forgetting it
leaves the rows ``sending``, and after the lease another worker sends them again, which
Convert counts twice. So an outcome write that fails on the connection is tried again,
reconnecting, for as long as it takes. The rows keep this worker's lease token, and every
write is conditioned on it, so a write that lands late is still right; only if another
worker claimed the rows in the meantime (after the lease ran out) does it find nothing,
and that is counted and said.

Said once per outage, with exact counts: when the database first fails, when the lease
runs out (these conversions may be sent again), and when the answer is finally recorded.
A worker asked to stop gives up after :data:`STOP_GRACE` seconds, saying how many
conversions may be sent again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from django.db import InterfaceError, OperationalError, connections
from django.utils import timezone

from django_convert.delivery.claim import outbox_alias
from django_convert.models.memorydb import released

logger = logging.getLogger("django_convert")

T = TypeVar("T")

STOP_GRACE = 5.0  # seconds a stopping worker keeps trying to record an answer
FIRST_PAUSE, MAX_PAUSE = 0.05, 2.0  # seconds between tries: doubling, capped


class OutcomeNotRecorded(Exception):
    """The worker stopped before the database came back; the answer was not recorded."""


def is_connection_error(error: BaseException) -> bool:
    """A database error after which the same statement may succeed on a new connection
    (or, for SQLite, once another connection's lock is gone)."""
    return isinstance(error, OperationalError | InterfaceError)


def is_lock(error: BaseException) -> bool:
    # SQLite: "database is locked" / "database table is locked" (in-memory shared cache).
    return "is locked" in str(error)


def write_durably(
    write: Callable[[], T],
    *,
    what: str,
    count: int,
    lease_expires: datetime,
    should_stop: Callable[[], bool] | None = None,
    recount: Callable[[], T] | None = None,
) -> T:
    """``write()``, tried again on connection errors until it succeeds.

    :param what: the outcome, for the log ("Convert's acceptance").
    :param count: how many conversions it concerns, for the log.
    :param lease_expires: when another worker may claim the rows.
    :param should_stop: once true, give up after :data:`STOP_GRACE` seconds.
    :param recount: after a failed try, gives the result instead of ``write()`` when the
        failed try may have been committed (``write()`` would then find nothing to do).
    :raises OutcomeNotRecorded: the worker stopped first (said at WARNING).
    :raises django.db.DatabaseError: any other database error, or inside the caller's
        ``atomic()`` (the caller's transaction is broken: only the caller can retry).
    """
    alias = outbox_alias()
    connection = connections[alias]
    started = time.monotonic()
    pause = FIRST_PAUSE
    failures = 0
    said_failure = False
    said_lease = stop_noticed = None
    while True:
        try:
            result = write()
            if failures and recount is not None:
                result = recount()
            break
        except (OperationalError, InterfaceError) as error:
            if connection.in_atomic_block:
                raise
            failures += 1
            if not said_failure and not is_lock(error):
                said_failure = True
                logger.warning(
                    "Convert answered for %d conversion(s) but the database could not record "
                    "%s (%s); keeping the answer and trying again until it can.",
                    count,
                    what,
                    error,
                )
            connection.close()  # reconnect on the next try
        now = timezone.now()
        if said_lease is None and now >= lease_expires:
            said_lease = now
            logger.warning(
                "The lease of %d conversion(s) ran out while the database could not record "
                "%s: if another worker claims them before this one records it, they are sent "
                "again and Convert counts them twice. Still trying.",
                count,
                what,
            )
        if should_stop is not None and should_stop():
            stop_noticed = stop_noticed or time.monotonic()
            if time.monotonic() - stop_noticed > STOP_GRACE:
                logger.warning(
                    "Stopping without recording %s for %d conversion(s): the database did not "
                    "come back within %gs. They stay 'sending' until their lease ends (%s), "
                    "then are sent again: Convert may count these %d twice.",
                    what,
                    count,
                    STOP_GRACE,
                    f"{lease_expires:%Y-%m-%d %H:%M:%S %Z}",
                    count,
                )
                raise OutcomeNotRecorded(what)
        with released():
            time.sleep(pause)
        pause = min(MAX_PAUSE, pause * 2)
    if said_failure or (failures and time.monotonic() - started > MAX_PAUSE):
        logger.warning(
            "Recorded %s for %d conversion(s) after %.1fs without the database.",
            what,
            count,
            time.monotonic() - started,
        )
    return result


class DatabaseOutage:
    """For a delivery loop: says once that the database is unreachable, and once that it
    is back (with how long), instead of a traceback every round."""

    def __init__(self) -> None:
        self.since: float | None = None
        self.rounds = 0

    def failed(self, error: BaseException) -> None:
        self.rounds += 1
        if self.since is None and not is_lock(error):  # a lock is not an outage
            self.since = time.monotonic()
            logger.warning(
                "The database is unreachable (%s); delivery waits for it and tries again "
                "(said once; Convert's answers already received are kept).",
                error,
            )

    def succeeded(self) -> None:
        if self.since is not None:
            logger.warning(
                "The database is back after %.1fs (%d round(s) waited); delivery goes on.",
                time.monotonic() - self.since,
                self.rounds,
            )
        self.since, self.rounds = None, 0
