"""Real threads racing on the test database, each on its own connection."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction

#: How long the waiting threads get to queue behind the first transaction's locks.
QUEUE_SECONDS = 1.0


class _RolledBack(Exception):
    pass


def after_a_rollback(
    first: Callable[[], Any], other: Callable[[int], Any], *, waiters: int = 3
) -> list[Any]:
    """Run ``first()`` in a transaction that holds its locks, start ``waiters`` threads
    running ``other(index)`` (they queue behind those locks), then roll the first back.

    On InnoDB this is the unique-key deadlock of the MySQL manual ("Locks Set by Different
    SQL Statements in InnoDB"): the waiters all held a lock on the key the first
    transaction inserted, and each now wants to insert it. Returns what each ``other``
    returned, or the exception it raised.
    """
    holding, release = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def hold() -> None:
        try:
            with transaction.atomic():
                first()
                holding.set()
                release.wait(timeout=30)
                raise _RolledBack
        except _RolledBack:
            pass
        except BaseException as error:  # surfaced below
            failures.append(error)
            holding.set()
        finally:
            connection.close()

    results: list[Any] = [None] * waiters

    def wait(index: int) -> None:
        try:
            results[index] = other(index)
        except BaseException as error:  # the test client re-raises a view's exception
            results[index] = error
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(timeout=30)
    assert not failures, failures
    threads = [threading.Thread(target=wait, args=(i,)) for i in range(waiters)]
    for thread in threads:
        thread.start()
    time.sleep(QUEUE_SECONDS)
    release.set()
    holder.join(timeout=60)
    for thread in threads:
        thread.join(timeout=60)
    return results


def in_threads(work: Callable[[threading.Barrier], Any], count: int, *, timeout: float) -> None:
    """Run ``work(barrier)`` in ``count`` threads, each on its own connection (closed after),
    and fail with the errors any of them raised. ``barrier`` lines them up for the race."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            work(barrier)
        except BaseException as error:  # surfaced below, in the test's own thread
            errors.append(error)
        finally:
            connection.close()  # the session's settings (isolation level) go with it

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert errors == []
