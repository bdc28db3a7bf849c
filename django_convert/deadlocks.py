"""Run a unit of work again when the database rolled it back to break a deadlock.

InnoDB (MariaDB, MySQL) breaks a lock cycle by rolling back one whole transaction with
error 1213 ("Deadlock found when trying to get lock; try restarting transaction");
PostgreSQL does the same with SQLSTATE 40P01, and reports 40001 when a REPEATABLE READ or
SERIALIZABLE transaction lost a race. Running the work again is right only when the
rolled-back transaction was this app's own: a statement in autocommit mode, or an
``atomic()`` block opened at the outermost level by the work itself. Inside the caller's
``atomic()``, the database has already undone the caller's own writes too, so the error
must reach the caller, who alone can run their transaction again (docs/databases.rst).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import DatabaseError, transaction

logger = logging.getLogger("django_convert")

T = TypeVar("T")

#: How many times the work runs at most; a deadlock is rare, three in a row is not chance.
DEADLOCK_ATTEMPTS = 3
_INNODB_DEADLOCK = 1213  # ER_LOCK_DEADLOCK
_POSTGRES_RETRYABLE = frozenset({"40P01", "40001"})  # deadlock_detected, serialization_failure


def is_deadlock(error: BaseException) -> bool:
    """Whether ``error`` (a django.db error or the driver's) is a deadlock the database
    resolved by rolling back the transaction: InnoDB 1213, PostgreSQL 40P01 or 40001."""
    for candidate in (error, error.__cause__):
        if candidate is None:
            continue
        args = getattr(candidate, "args", ())
        if args and args[0] == _INNODB_DEADLOCK:  # mysqlclient: (code, message)
            return True
        # psycopg 3 names it sqlstate, psycopg2 pgcode.
        state = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if state in _POSTGRES_RETRYABLE:
            return True
    return False


def run_retrying_deadlocks(work: Callable[[], T], *, using: str, what: str) -> T:
    """``work()``, run again (up to :data:`DEADLOCK_ATTEMPTS` times in all) after a deadlock,
    unless the caller's transaction is open (then the first error is raised as is).

    ``work`` must be safe to repeat: it opens its own transaction or is one statement in
    autocommit mode. Any other error, and the last deadlock, are raised unchanged
    (django.db.OperationalError / DatabaseError). ``what`` names the work in the log.
    """
    if transaction.get_connection(using).in_atomic_block:
        return work()
    attempt = 1
    while True:
        try:
            return work()
        except DatabaseError as error:
            if attempt >= DEADLOCK_ATTEMPTS or not is_deadlock(error):
                raise
            logger.info(
                "%s was rolled back by the database to break a deadlock (attempt %d of %d); "
                "running it again: %s",
                what,
                attempt,
                DEADLOCK_ATTEMPTS,
                error,
            )
            # A short random pause, so that the parties of the cycle do not meet again.
            # (random is imported here: this module is on every worker's start-up path.)
            import random

            time.sleep(random.uniform(0.0, 0.02 * attempt))  # noqa: S311
            attempt += 1
