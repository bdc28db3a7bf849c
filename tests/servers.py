"""Real servers for the browser tests: Django with a chosen middleware stack, and a small
shared cache (a caching reverse proxy following RFC 9111) in front of a Django server."""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connections
from django.test.testcases import LiveServerThread
from django.test.utils import override_settings


class _TrackedServer(ThreadedWSGIServer):
    """Keeps its request threads: each closes the shared in-memory SQLite connections when
    its client hangs up, which must happen before the sharing ends (else Django raises
    "DatabaseWrapper objects created in a thread can only be used in that same thread")."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request_threads: list[threading.Thread] = []

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self.process_request_thread, args=(request, client_address), daemon=True
        )
        self.request_threads.append(thread)
        thread.start()


class _ServerThread(LiveServerThread):
    server_class = _TrackedServer


@contextmanager
def django_server(middleware: list[str]) -> Iterator[str]:
    """A threaded WSGI server on 127.0.0.1:<free port> running Django with ``middleware``;
    yields its base URL. The handler is built here, so only it sees that middleware."""
    with override_settings(MIDDLEWARE=middleware):
        handler = WSGIHandler()
    overrides = {}
    for connection in connections.all():
        if connection.vendor == "sqlite" and connection.is_in_memory_db():
            overrides[connection.alias] = connection
            connection.inc_thread_sharing()
    thread = _ServerThread("127.0.0.1", lambda default: handler, overrides or None, port=0)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    try:
        yield f"http://127.0.0.1:{thread.port}"
    finally:
        thread.terminate()
        # Requests on connections a client still holds open (keep-alive) end when it
        # closes them: callers close their browsers first. Never wait forever.
        deadline = time.monotonic() + 10
        for request_thread in getattr(getattr(thread, "httpd", None), "request_threads", []):
            request_thread.join(timeout=max(0.0, deadline - time.monotonic()))
        for connection in overrides.values():
            connection.dec_thread_sharing()


HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade"}


@dataclass
class Stored:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    expires: float
    vary: dict[str, str | None]  # request header -> the value it had


@dataclass
class SharedCache:
    """A shared cache as RFC 9111 describes one, for GET:

    - stores a 200 answer unless it says ``no-store`` or ``private`` (section 3, 5.2.2),
      ``Vary: *`` or the request had ``Authorization``; it needs explicit freshness
      (``s-maxage``, else ``max-age``) to store it, and keeps it that long;
    - keys on the URL plus the request headers ``Vary`` names (section 4.1);
    - stores ``Set-Cookie`` like any header: RFC 9111 does not forbid it, which is exactly
      how a cookie set on a cacheable page reaches the next visitor.
    POSTs go through, never stored; ``fail_posts`` answers that many with a 503 (a deploy).
    """

    upstream: str
    store: dict[str, list[Stored]] = field(default_factory=dict)
    hits: int = 0
    misses: int = 0
    fail_posts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def lookup(self, path: str, headers: Any) -> Stored | None:
        now = time.monotonic()
        for entry in self.store.get(path, []):
            if entry.expires > now and all(
                headers.get(name) == value for name, value in entry.vary.items()
            ):
                return entry
        return None

    def maybe_store(self, path: str, request_headers: Any, stored: Stored) -> None:
        directives = _cache_control(dict(stored.headers).get("cache-control", ""))
        vary = [
            name.strip().lower()
            for value in (v for k, v in stored.headers if k == "vary")
            for name in value.split(",")
            if name.strip()
        ]
        if (
            stored.status != 200
            or "no-store" in directives
            or "private" in directives
            or "*" in vary
            or request_headers.get("authorization")
        ):
            return
        lifetime = directives.get("s-maxage") or directives.get("max-age")
        if not lifetime or not lifetime.isdigit():
            return
        stored.expires = time.monotonic() + int(lifetime)
        stored.vary = {name: request_headers.get(name) for name in vary}
        with self.lock:
            self.store.setdefault(path, []).insert(0, stored)

    def stored_responses(self) -> list[Stored]:
        return [entry for entries in self.store.values() for entry in entries]


def _cache_control(value: str) -> dict[str, str]:
    directives = {}
    for part in value.split(","):
        name, _, argument = part.strip().partition("=")
        if name:
            directives[name.lower()] = argument.strip('"')
    return directives


def _handler(cache: SharedCache) -> type[BaseHTTPRequestHandler]:
    target = urlsplit(cache.upstream)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def forward(self, body: bytes | None) -> Stored:
            connection = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            headers["Connection"] = "close"
            connection.request(self.command, self.path, body=body, headers=headers)
            answer = connection.getresponse()
            stored = Stored(
                answer.status,
                [(k.lower(), v) for k, v in answer.getheaders() if k.lower() not in HOP_BY_HOP],
                answer.read(),
                0.0,
                {},
            )
            connection.close()
            return stored

        def reply(self, stored: Stored, cache_status: str) -> None:
            self.send_response(stored.status)
            for name, value in stored.headers:
                if name != "content-length":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(stored.body)))
            self.send_header("X-Cache", cache_status)
            self.end_headers()
            self.wfile.write(stored.body)

        def do_GET(self) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            found = cache.lookup(self.path, headers)
            if found is not None:
                with cache.lock:
                    cache.hits += 1
                self.reply(found, "HIT")
                return
            with cache.lock:
                cache.misses += 1
            stored = self.forward(None)
            cache.maybe_store(self.path, headers, stored)
            self.reply(stored, "MISS")

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with cache.lock:
                failing = cache.fail_posts > 0
                cache.fail_posts -= failing
            if failing:
                self.reply(Stored(503, [("content-type", "text/plain")], b"deploying", 0, {}), "")
                return
            self.reply(self.forward(body), "PASS")

    return Handler


@contextmanager
def shared_cache(upstream: str) -> Iterator[tuple[str, SharedCache]]:
    """A SharedCache in front of ``upstream`` on 127.0.0.1:<free port>: (its URL, the cache)."""
    cache = SharedCache(upstream)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(cache))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", cache
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
