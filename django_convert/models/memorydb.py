"""Background delivery on an in-memory SQLite database (Django's test database for SQLite).

Django's in-memory test database is one SQLite database in "shared cache" mode, opened by
every thread with a connection of its own. Shared-cache locks are per table and fail at
once ("database table is locked": no busy timeout applies), so a delivery thread claiming
rows while a checkout saves an order made the checkout's INSERT fail, and the conversion
was logged as not recorded.

On such a database only (never on a file or a server database): every statement of every
connection runs under one process-wide lock (:func:`install`, a ``connection_created``
receiver), and the delivery thread holds the same lock for all its database work between
requests to Convert (:func:`serialized`, released while it waits for Convert with
:func:`released`). A checkout then waits a moment for the delivery thread instead of
failing; the delivery thread, which may meet a checkout's open transaction, retries.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connections

_lock = threading.RLock()
_held = threading.local()  # how deep this thread holds _lock through serialized()


def _in_memory(connection: Any) -> bool:
    return connection.vendor == "sqlite" and bool(connection.is_in_memory_db())


def in_memory(alias: str = "default") -> bool:
    """Whether ``alias`` is an in-memory SQLite database (Django's SQLite test database)."""
    return _in_memory(connections[alias])


def _statement_lock(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
    with _lock:
        return execute(sql, params, many, context)


def on_connection_created(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created`` receiver: serialise the statements of in-memory SQLite."""
    if _in_memory(connection) and _statement_lock not in connection.execute_wrappers:
        connection.execute_wrappers.append(_statement_lock)


def install() -> None:
    from django.db.backends.signals import connection_created

    connection_created.connect(on_connection_created, dispatch_uid="django_convert.memorydb")
    for connection in connections.all(initialized_only=True):  # made before ready()
        on_connection_created(None, connection)


@contextmanager
def serialized(alias: str) -> Iterator[None]:
    """Hold the lock for a unit of database work on ``alias`` if it is in-memory SQLite."""
    if not _in_memory(connections[alias]):
        yield
        return
    with _lock:
        _held.depth = getattr(_held, "depth", 0) + 1
        try:
            yield
        finally:
            _held.depth -= 1


@contextmanager
def released() -> Iterator[None]:
    """Let go of the lock while waiting (for Convert, or before a retry)."""
    depth = getattr(_held, "depth", 0)
    for _ in range(depth):
        _lock.release()
    try:
        yield
    finally:
        for _ in range(depth):
            _lock.acquire()
