"""A total deadline for one HTTP request: connect, send and the whole answer.

requests' ``timeout`` bounds each socket operation, not the request: an endpoint that
answers ``200`` and then trickles its body one byte at a time keeps a request open for
as long as it likes. Here a request runs inside :func:`deadline`; a watchdog thread (one
per process) shuts the request's socket down when its deadline passes, which ends any
read or write in progress at once. The socket is found through the connection classes
of :class:`DeadlineAdapter`, mounted on every session the client makes
(:func:`new_session`).

A request whose deadline passed before it was sent is never sent (the connection raises
before writing), so a late connect cannot deliver anything after the caller gave up.
Pure: no Django, no settings.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool


class Watch:
    """One request's deadline (``time.monotonic()``), its socket, and what happened."""

    __slots__ = ("_lock", "deadline", "done", "expired", "sent", "sock")

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.sock: socket.socket | None = None
        self.expired = False  # the watchdog ended the request
        self.sent = False  # the whole request was written: Convert may have it
        self.done = False
        self._lock = threading.Lock()

    def attach(self, sock: socket.socket | None) -> None:
        with self._lock:
            if self.done or sock is None:
                return
            self.sock = sock
            if self.expired:
                _shut(sock)

    def expire(self) -> None:
        with self._lock:
            if self.done:
                return
            self.expired = True
            if self.sock is not None:
                _shut(self.sock)

    def finish(self) -> None:
        with self._lock:
            self.done = True
            self.sock = None

    def left(self) -> float:
        return self.deadline - time.monotonic()


def _shut(sock: socket.socket) -> None:
    # shutdown(), not close(): a read blocked in another thread returns at once, and the
    # descriptor stays owned by its connection (no chance of closing a reused number).
    # socket.socket.shutdown also for TLS sockets: the OS socket under the TLS layer.
    with contextlib.suppress(OSError):  # already closed, or never connected
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _Watchdog:
    """One daemon thread that expires watches when their deadline passes."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self._heap: list[tuple[float, int, Watch]] = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="django-convert-deadline")
        self._thread.daemon = True
        self._thread.start()

    def add(self, watch: Watch) -> None:
        with self._wake:
            heapq.heappush(self._heap, (watch.deadline, next(self._order), watch))
            if self._heap[0][2] is watch:
                self._wake.notify()

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._heap:
                    self._wake.wait()
                deadline, _, watch = self._heap[0]
                wait = deadline - time.monotonic()
                if wait > 0:
                    self._wake.wait(wait)
                    continue
                heapq.heappop(self._heap)
            watch.expire()


_watchdog: _Watchdog | None = None
_watchdog_lock = threading.Lock()
_current = threading.local()


def _get_watchdog() -> _Watchdog:
    global _watchdog
    with _watchdog_lock:
        # After a fork the parent's thread does not exist in the child: start another.
        if _watchdog is None or _watchdog.pid != os.getpid():
            _watchdog = _Watchdog()
        return _watchdog


@contextmanager
def deadline(seconds: float) -> Iterator[Watch]:
    """Run one request (made in this thread by a :func:`new_session` session) within
    ``seconds``; the yielded :class:`Watch` says afterwards whether it expired."""
    watch = Watch(time.monotonic() + seconds)
    _get_watchdog().add(watch)
    previous = getattr(_current, "watch", None)
    _current.watch = watch
    try:
        yield watch
    finally:
        _current.watch = previous
        watch.finish()


class DeadlinePassed(OSError):
    """Raised by a connection instead of sending a request whose deadline has passed."""


def _watched(connection: HTTPConnection) -> Watch | None:
    watch: Watch | None = getattr(_current, "watch", None)
    if watch is not None:
        watch.attach(connection.sock)
        if watch.expired:
            raise DeadlinePassed("the request's deadline passed before it was sent")
    return watch


class _WatchedMixin:
    sock: Any

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        _watched(self)  # type: ignore[arg-type]

    def request(self, *args: Any, **kwargs: Any) -> None:
        watch = _watched(self)  # type: ignore[arg-type]
        super().request(*args, **kwargs)  # type: ignore[misc]
        if watch is not None:
            watch.attach(self.sock)  # connected just now (plain HTTP connects lazily)
            watch.sent = True


class _HTTPConnection(_WatchedMixin, HTTPConnection):
    pass


class _HTTPSConnection(_WatchedMixin, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


POOLS = {"http": _HTTPPool, "https": _HTTPSPool}


class DeadlineAdapter(HTTPAdapter):
    """requests' adapter with connections that :func:`deadline` can end (proxies too)."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if hasattr(manager, "pool_classes_by_scheme") and not proxy.startswith("socks"):
            manager.pool_classes_by_scheme = POOLS
        return manager


def new_session() -> requests.Session:
    """A ``requests.Session`` whose requests :func:`deadline` can bound."""
    session = requests.Session()
    adapter = DeadlineAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
