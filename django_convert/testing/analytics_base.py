"""What the analytics stand-ins share: a real HTTP server on 127.0.0.1 in a thread, the
``received`` log, and scripted faults (status sequences, Retry-After, latency, resets).

The three stand-ins (:mod:`.ga4_server`, :mod:`.segment_server`, :mod:`.mixpanel_server`,
all re-exported by :mod:`.analytics_servers`) subclass :class:`AnalyticsStandIn` and
implement :meth:`AnalyticsStandIn.handle`, which validates one request the way the vendor
documents and returns the answer. Start/stop, the fault knobs and the thread follow the
Convert stand-in (:mod:`.tracking_server`).
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import json
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django_convert.testing.serving import ServedInThread


@dataclass
class Answer:
    """What :meth:`AnalyticsStandIn.handle` answers: ``body`` None sends no body (GA4's
    204); otherwise it is sent as JSON."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Request:
    """One request as the stand-in received it, and what it made of it.

    ``query`` maps each query parameter to its first value; ``body`` is the parsed JSON
    (None when it did not parse); ``problems`` lists what the vendor would have refused or
    dropped, as ``"path: message"`` strings (empty for a clean request); ``answer`` is the
    status answered (None: the connection was dropped, or the client hung up first).
    """

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    raw: bytes
    body: Any = None
    answer: int | None = None
    answer_body: Any = None
    problems: list[str] = field(default_factory=list)
    fault: bool = False  # answered by an injected fault, not by the vendor's rules
    at: float = field(default_factory=time.time)

    def basic_auth(self) -> tuple[str, str] | None:
        """The (user, password) of an ``Authorization: Basic`` header, or None."""
        value = self.headers.get("authorization", "")
        if not value.lower().startswith("basic "):
            return None
        try:
            user, _, password = base64.b64decode(value[6:].strip()).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        return user, password


@dataclass
class Fault:
    """Answer ``status`` (with ``headers``, e.g. Retry-After) after ``delay`` seconds, or
    drop the connection with a TCP reset (``reset``), instead of the vendor's answer."""

    status: int = 503
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    reset: bool = False
    body: Any = None


class AnalyticsStandIn(ServedInThread):
    """Base class: ``start()``/``stop()`` (or ``with``), ``url``, ``received``, faults.

    ``latency`` (seconds) delays every answer. Faults are consumed in order, one per
    request, before the vendor's rules run: :meth:`fail`, :meth:`statuses`,
    :meth:`rate_limit`, :meth:`slow`, :meth:`reset`; :meth:`heal` clears them.
    """

    #: The path :attr:`url` points at (set by each subclass).
    path = "/"

    def __init__(self, *, latency: float = 0.0, port: int = 0) -> None:
        self.latency = latency
        self.received: list[Request] = []
        self.faults: list[Fault] = []
        self._accepted: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        super().__init__(self._handler_class(), port)

    # Life cycle ---------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The endpoint to configure as the destination's ``URL``."""
        return self.base_url + self.path

    # Faults -------------------------------------------------------------------------------
    def fail(self, status: int = 503, times: int = 1, *, retry_after: str | None = None) -> None:
        """Answer the next ``times`` requests with ``status`` (and ``Retry-After``)."""
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        with self._lock:
            self.faults.extend(Fault(status, dict(headers)) for _ in range(times))

    def statuses(self, *sequence: int) -> None:
        """Answer the next requests with these statuses in order (200 or 2xx in the
        sequence: the vendor's own answer for that request)."""
        with self._lock:
            for status in sequence:
                self.faults.append(Fault(status) if status >= 300 else Fault(0))

    def rate_limit(self, retry_after: str = "1", times: int = 1) -> None:
        """429 Too Many Requests with ``Retry-After`` (seconds, or an HTTP date)."""
        self.fail(429, times, retry_after=retry_after)

    def slow(self, seconds: float, times: int = 1) -> None:
        """Give the vendor's answer only after ``seconds`` (past a client's timeout)."""
        with self._lock:
            self.faults.extend(Fault(0, delay=seconds) for _ in range(times))

    def reset(self, times: int = 1) -> None:
        """Read the request, then drop the connection with a TCP reset."""
        with self._lock:
            self.faults.extend(Fault(reset=True) for _ in range(times))

    def heal(self) -> None:
        with self._lock:
            self.faults.clear()

    # What was received --------------------------------------------------------------------
    def events(self) -> list[dict[str, Any]]:
        """The events the vendor would have kept, in arrival order (each in the vendor's
        own shape; duplicates and dropped or invalid events are not in it)."""
        with self._lock:
            return list(self._accepted)

    def problems(self) -> list[str]:
        """Every problem of every request (what the vendor refused or dropped)."""
        with self._lock:
            return [problem for request in self.received for problem in request.problems]

    def _accept(self, event: dict[str, Any]) -> None:
        with self._lock:
            self._accepted.append(event)

    def handle(self, request: Request) -> Answer:  # pragma: no cover - abstract
        raise NotImplementedError

    # The handler --------------------------------------------------------------------------
    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

            def _serve(self, method: str) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                if headers.get("content-encoding", "").lower() == "gzip":
                    # Left compressed if it is not gzip: the JSON will not parse.
                    with contextlib.suppress(OSError, EOFError):
                        raw = gzip.decompress(raw)
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                request = Request(method, parts.path, query, headers, raw)
                with stand_in._lock:
                    stand_in.received.append(request)
                    fault = stand_in.faults.pop(0) if stand_in.faults else None
                if stand_in.latency:
                    time.sleep(stand_in.latency)
                if fault and fault.delay:
                    time.sleep(fault.delay)
                if fault and fault.reset:
                    request.fault = True
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    self.close_connection = True
                    self.connection.close()
                    return
                if fault and fault.status:
                    request.fault = True
                    body = {"code": fault.status, "error": "injected fault"}
                    answer = Answer(fault.status, body, fault.headers)
                else:
                    answer = stand_in.handle(request)
                self._send(request, answer)

            def _send(self, request: Request, answer: Answer) -> None:
                data = b"" if answer.body is None else json.dumps(answer.body).encode()
                request.answer, request.answer_body = answer.status, answer.body
                try:
                    self.send_response(answer.status)
                    if answer.body is not None:
                        self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                    self.wfile.flush()
                except OSError:  # the client gave up: it never saw this answer
                    request.answer = None
                    self.close_connection = True

        return Handler


def parse_json(request: Request) -> bool:
    """Parse ``request.raw`` into ``request.body``; False (and a problem) if it is not JSON."""
    try:
        request.body = json.loads(request.raw)
    except ValueError:
        request.problems.append("body: not valid JSON")
        return False
    return True
