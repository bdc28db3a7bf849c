"""A real HTTP server on 127.0.0.1 that stands in for Convert's tracking API.

It validates every request against Convert's request type (``SendTrackingEventsRequestData``
in ``@convertcom/js-sdk`` 4.4.3, plus the ``source`` every Convert SDK adds) and the
source guide's value rules, and the User-Agent rule: it accepts every body Convert's JS and
Python SDKs were captured sending (``tests/convert_artifacts``), at
``/v1/track/{sdk_key}`` with the key's slash as is or ``/v1/track/{account}/{project}``,
and refuses what those types refuse (a browser code outside ``IE CH FF OP SF OTH``, a
``goalData`` key outside the enum, a missing ``goalId``...). It records what it got, and
can inject faults: 5xx, 429 with Retry-After, answers slower than the client's timeout,
connection resets, 4xx rejections with Convert's ``{code, message, fields}`` body, and
answers that are not Convert's (an answer trickled a byte at a time, an HTML page, truncated
JSON, a redirect); scripted (``fail()``, ``reset()``, ``trickle()``, ``answer_html()``...) or
at random (``random_faults()``, for soak tests). It also serves the project's
configuration at ``GET /api/v1/config/...`` (:mod:`.project_config`), trickled with
``trickle_config()``.

A conversion counts as accepted (``accepted()``) only when the client read Convert's
whole 200 answer.

Standalone: ``python -m django_convert.testing.tracking_server --port 0 --latency-ms 20`` prints
``listening on http://127.0.0.1:PORT/v1/track``, then one line per answered request
(:func:`describe`), and serves until interrupted.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import select
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from django_convert.testing.project_config import ConfigServing, parse_target
from django_convert.testing.serving import ServedInThread

#: The browser codes of Convert's request type (``VisitorSegments.browser``); the JS SDK's
#: own EDG, MO and NS are not among them.
BROWSERS = {"IE", "CH", "FF", "OP", "SF", "OTH"}
DEVICES = {"ALLPH", "IPH", "OTHPH", "ALLTAB", "IPAD", "OTHTAB", "DESK", "OTHDEV"}
SOURCES = {"campaign", "search", "referral", "direct", "ai_tool"}
VISITOR_TYPES = {"new", "returning"}
GOAL_DATA_KEYS = {"amount", "productsCount", "transactionId"} | {
    f"customDimension{n}" for n in range(1, 6)
}
DIGITS = re.compile(r"^[0-9]{1,32}$")
TRACK_PREFIX = "/v1/track/"


def error_fields(fields: Any) -> str:
    """Convert's ``ErrorData.fields``, a **string** in its types (not an object):
    ``"visitors[0].visitorId: required, a non-empty string; ..."`` from ``{path: error}``."""
    if isinstance(fields, dict):
        return "; ".join(
            f"{path}: {error}" if path else str(error) for path, error in fields.items()
        )
    return "" if fields is None else str(fields)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def validate_body(body: Any) -> dict[str, str]:
    """Field errors (path -> message) of a tracking request body; empty when valid."""
    errors: dict[str, str] = {}
    if not isinstance(body, dict):
        return {"": "the body must be a JSON object"}
    for name in ("accountId", "projectId", "source"):
        if name in body and not isinstance(body[name], str):
            errors[name] = "must be a string"
    if "enrichData" in body and not isinstance(body["enrichData"], bool):
        errors["enrichData"] = "must be a boolean"
    unknown = set(body) - {"accountId", "projectId", "enrichData", "source", "visitors"}
    if unknown:
        errors[""] = f"unknown fields: {sorted(unknown)}"
    visitors = body.get("visitors")
    if not isinstance(visitors, list) or not visitors:
        errors["visitors"] = "must be a non-empty array"
        return errors
    for v, visitor in enumerate(visitors):
        where = f"visitors[{v}]"
        if not isinstance(visitor, dict):
            errors[where] = "must be an object"
            continue
        visitor_id = visitor.get("visitorId")
        if not isinstance(visitor_id, str) or not visitor_id.strip():
            errors[f"{where}.visitorId"] = "required, a non-empty string"
        if "segments" in visitor:
            errors.update(_segment_errors(visitor["segments"], f"{where}.segments"))
        events = visitor.get("events")
        if not isinstance(events, list) or not events:
            errors[f"{where}.events"] = "must be a non-empty array"
            continue
        for e, event in enumerate(events):
            errors.update(_event_errors(event, f"{where}.events[{e}]"))
    return errors


def _segment_errors(segments: Any, where: str) -> dict[str, str]:
    if not isinstance(segments, dict):
        return {where: "must be an object"}
    errors: dict[str, str] = {}
    checks: dict[str, tuple[Any, str]] = {
        "browser": (lambda x: x in BROWSERS, f"one of {sorted(BROWSERS)}"),
        "devices": (
            lambda x: isinstance(x, list) and all(d in DEVICES for d in x),
            f"an array of {sorted(DEVICES)}",
        ),
        "source": (lambda x: x in SOURCES, f"one of {sorted(SOURCES)}"),
        "visitorType": (lambda x: x in VISITOR_TYPES, "new or returning"),
        "country": (
            lambda x: isinstance(x, str) and re.fullmatch(r"[A-Z]{2}", x) is not None,
            "an ISO 3166-1 alpha-2 code",
        ),
        "campaign": (lambda x: isinstance(x, str), "a string"),
        "customSegments": (
            lambda x: isinstance(x, list) and all(isinstance(s, str) for s in x),
            "an array of strings",
        ),
    }
    for name, value in segments.items():
        if name not in checks:
            errors[f"{where}.{name}"] = "unknown segment"
            continue
        check, expected = checks[name]
        if not check(value):
            errors[f"{where}.{name}"] = f"must be {expected}"
    return errors


def _event_errors(event: Any, where: str) -> dict[str, str]:
    if not isinstance(event, dict):
        return {where: "must be an object"}
    data = event.get("data")
    if not isinstance(data, dict):
        return {f"{where}.data": "must be an object"}
    kind = event.get("eventType")
    if kind == "bucketing":
        return {
            f"{where}.data.{k}": "required, a string"
            for k in ("experienceId", "variationId")
            if not isinstance(data.get(k), str)
        }
    if kind != "conversion":
        return {f"{where}.eventType": "must be bucketing or conversion"}
    errors: dict[str, str] = {}
    goal_id = data.get("goalId")
    if not isinstance(goal_id, str) or not DIGITS.match(goal_id):
        errors[f"{where}.data.goalId"] = "required, a digit string"
    bucketing = data.get("bucketingData", {})
    if not isinstance(bucketing, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in bucketing.items()
    ):
        errors[f"{where}.data.bucketingData"] = (
            "must map experience id strings to variation id strings"
        )
    goal_data = data.get("goalData", [])
    if not isinstance(goal_data, list):
        errors[f"{where}.data.goalData"] = "must be an array of {key, value}"
        return errors
    for g, item in enumerate(goal_data):
        at = f"{where}.data.goalData[{g}]"
        if not isinstance(item, dict) or set(item) != {"key", "value"}:
            errors[at] = "must be {key, value}"
            continue
        key, value = item["key"], item["value"]
        if key not in GOAL_DATA_KEYS:
            errors[f"{at}.key"] = f"must be one of {sorted(GOAL_DATA_KEYS)}"
        elif key == "amount" and not _is_number(value):
            errors[f"{at}.value"] = "amount must be a number"
        elif key == "productsCount" and (not isinstance(value, int) or isinstance(value, bool)):
            errors[f"{at}.value"] = "productsCount must be an integer"
        elif key == "transactionId" and not isinstance(value, str):
            errors[f"{at}.value"] = "transactionId must be a string"
        elif key.startswith("customDimension") and not (
            isinstance(value, str)
            or (isinstance(value, list) and all(isinstance(s, str) and len(s) <= 32 for s in value))
        ):
            errors[f"{at}.value"] = "a string, or an array of strings of at most 32 characters"
    return errors


@dataclass
class Fault:
    """What to do instead of answering 200, for the next ``times`` requests (None: always)."""

    # "status" | "slow" | "reset" | "trickle" | "html" | "truncated" | "redirect"
    kind: str
    times: int | None = 1
    status: int = 503
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    raw: bytes
    body: Any = None
    answer: int | None = None  # the status answered; None if the connection was dropped
    accepted: bool = False  # counted as tracked events (200, valid, ConvertAgent UA)
    errors: dict[str, str] = field(default_factory=dict)
    answered_at: float | None = None
    client_gone: bool = False  # the client hung up (timed out) before the answer

    def conversions(self) -> list[dict[str, Any]]:
        """``{visitorId, segments, goalId, goalData, bucketingData}`` per conversion event."""
        found = []
        for visitor in (self.body or {}).get("visitors", []):
            for event in visitor.get("events", []):
                if event.get("eventType") == "conversion":
                    found.append(
                        {
                            "visitorId": visitor.get("visitorId"),
                            "segments": visitor.get("segments"),
                            **event["data"],
                        }
                    )
        return found


LANDING = "/landing"  # where redirect() sends the POST: a page answering GET with 200
LANDING_PAGE = b"<!doctype html><html><body><h1>Welcome to the guest network</h1></body></html>"
FOREIGN_ANSWERS = ("html", "truncated", "redirect")


class ConvertStandIn(ServedInThread):
    """Start with ``start()`` (or as a context manager); ``url`` is the TRACKING_URL to use."""

    def __init__(
        self,
        latency: float = 0.0,
        *,
        port: int = 0,
        account_id: str | None = None,
        project_id: str | None = None,
        sdk_key: str | None = None,
        sdk_secret: str | None = None,
    ) -> None:
        self.latency = latency
        self.account_id, self.project_id = account_id, project_id
        self.sdk_key, self.sdk_secret = sdk_key, sdk_secret
        self.received: list[Received] = []
        # GET /api/v1/config/...: the project's configuration (experiences, goals, names).
        self.config = ConfigServing(account_id, project_id, sdk_key, sdk_secret)
        self.faults: list[Fault] = []
        self.connections = 0
        self.fault_rate = 0.0  # random_faults(): share of requests answered with a fault
        self.random_fault_kinds: tuple[str, ...] = ()
        self.injected: dict[str, int] = {}  # random faults injected, by kind
        self._random = random.Random()  # noqa: S311 - picks test faults, not secrets
        # Answer 200 {"status": 1} to POSTs on other paths (after the same latency): lets a
        # benchmark measure another client (posthog's /batch/) on the same server.
        self.other_posts = False
        # trickle_config(): the config GET's body one byte every this many seconds.
        self.config_trickle: float | None = None
        self.in_flight = 0  # requests being answered right now
        self.max_in_flight = 0
        self._lock = threading.Lock()
        super().__init__(self._handler_class(), port)

    # Life cycle ---------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1/track"

    @property
    def config_url(self) -> str:
        """The CONFIG_URL to use: the config routes are ``/api/v1/config/...`` under it."""
        return f"http://127.0.0.1:{self.port}"

    # Faults -------------------------------------------------------------------------------
    def fail(self, status: int = 503, times: int | None = 1, **kwargs: Any) -> None:
        """Answer ``status`` (with Convert's error body unless ``body`` is given)."""
        with self._lock:
            self.faults.append(Fault("status", times, status=status, **kwargs))

    def reject(
        self,
        status: int = 400,
        message: str = "Bad request",
        times: int | None = 1,
        fields: Any = None,
    ) -> None:
        body = {"code": status, "message": message, "fields": error_fields(fields)}
        self.fail(status, times, body=body)

    def rate_limit(self, retry_after: str, times: int | None = 1) -> None:
        self.fail(429, times, headers={"Retry-After": retry_after})

    def slow(self, seconds: float, times: int | None = 1) -> None:
        """Answer 200 only after ``seconds`` (past the client's timeout, the client gives up)."""
        with self._lock:
            self.faults.append(Fault("slow", times, delay=seconds))

    def trickle(self, interval: float, times: int | None = 1) -> None:
        """Answer 200 with Convert's JSON, its headers at once and then the body one byte
        every ``interval`` seconds (a slow proxy, or a slowloris)."""
        with self._lock:
            self.faults.append(Fault("trickle", times, delay=interval))

    def answer_html(self, status: int = 200, times: int | None = 1) -> None:
        """Answer with an HTML page (a captive portal, a proxy's error, a maintenance page)."""
        with self._lock:
            self.faults.append(Fault("html", times, status=status))

    def truncate(self, times: int | None = 1) -> None:
        """Answer 200 with the first half of Convert's JSON (a cut connection or proxy)."""
        with self._lock:
            self.faults.append(Fault("truncated", times, status=200))

    def redirect(self, status: int = 302, times: int | None = 1) -> None:
        """Redirect the POST to ``/landing``, a page that answers 200 to GET."""
        with self._lock:
            self.faults.append(Fault("redirect", times, status=status))

    def trickle_config(self, interval: float | None) -> None:
        """Serve the project config one byte every ``interval`` seconds (None: at once)."""
        self.config_trickle = interval

    def reset(self, times: int | None = 1) -> None:
        """Read the request, then drop the connection with a TCP reset."""
        with self._lock:
            self.faults.append(Fault("reset", times))

    def random_faults(
        self,
        rate: float,
        kinds: tuple[str, ...] = ("500", "503", "429", "reset"),
        seed: int | None = None,
    ) -> None:
        """Answer a ``rate`` share of requests (0 to 1) with a fault picked from ``kinds``
        (an HTTP status, 429 with ``Retry-After: 1``, or ``"reset"``), when no scripted
        fault is queued. ``injected`` counts them by kind."""
        with self._lock:
            self.fault_rate, self.random_fault_kinds = rate, kinds
            self._random = random.Random(seed)  # noqa: S311 - test traffic, not secrets

    def heal(self) -> None:
        with self._lock:
            self.faults.clear()
            self.fault_rate = 0.0

    def _random_fault(self) -> Fault | None:
        if not self.fault_rate or self._random.random() >= self.fault_rate:
            return None
        kind = self._random.choice(self.random_fault_kinds)
        self.injected[kind] = self.injected.get(kind, 0) + 1
        if kind == "reset":
            return Fault("reset")
        headers = {"Retry-After": "1"} if kind == "429" else {}
        return Fault("status", status=int(kind), headers=headers)

    def _next_fault(self) -> Fault | None:
        with self._lock:
            if not self.faults:
                return self._random_fault()
            fault = self.faults[0]
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.pop(0)
            return fault

    # What was received --------------------------------------------------------------------
    def accepted(self) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.accepted]

    def accepted_conversions(self) -> list[dict[str, Any]]:
        return [c for r in self.accepted() for c in r.conversions()]

    def accepted_transaction_ids(self) -> list[str]:
        ids = []
        for conversion in self.accepted_conversions():
            for item in conversion.get("goalData", []):
                if item["key"] == "transactionId":
                    ids.append(item["value"])
        return ids

    # The handler --------------------------------------------------------------------------
    def _check_target(
        self, path: str, headers: dict[str, str], body: Any
    ) -> tuple[int, str] | None:
        if not path.startswith(TRACK_PREFIX) or "?" in path:
            return 404, f"no tracking endpoint at {path}"
        target = parse_target(path.removeprefix(TRACK_PREFIX), self.sdk_key)
        if target.status:
            return target.status, target.message
        if target.account:
            if self.account_id and target.account != self.account_id:
                return 404, "unknown account"
            if self.project_id and target.project != self.project_id:
                return 404, "unknown project"
            if isinstance(body, dict) and (
                body.get("accountId", target.account) != target.account
                or body.get("projectId", target.project) != target.project
            ):
                return 400, "accountId/projectId do not match the URL"
        if self.sdk_secret and headers.get("authorization") != f"Bearer {self.sdk_secret}":
            return 401, "invalid or missing bearer token"
        return None

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, so client connection pooling shows

            def setup(self) -> None:
                super().setup()
                # Headers and body go out in separate writes: without this, Nagle's
                # algorithm and the client's delayed ACK add ~40 ms to every answer.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                with stand_in._lock:
                    stand_in.connections += 1

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                with stand_in._lock:
                    stand_in.in_flight += 1
                    stand_in.max_in_flight = max(stand_in.max_in_flight, stand_in.in_flight)
                try:
                    self._handle_post()
                finally:
                    with stand_in._lock:
                        stand_in.in_flight -= 1

            def do_GET(self) -> None:
                if self.path == LANDING:
                    self._send(200, LANDING_PAGE, "text/html; charset=utf-8")
                    return
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, data = stand_in.config.answer(self.path, headers)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    if stand_in.config_trickle is None:
                        self.wfile.write(data)
                        return
                    for byte in data:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(stand_in.config_trickle)
                        if self._client_gone():
                            break
                    self.close_connection = True
                except OSError:  # the client gave up (timeout)
                    self.close_connection = True

            def _handle_post(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                record = Received(path=self.path, headers=headers, raw=raw)
                with stand_in._lock:
                    stand_in.received.append(record)
                if stand_in.latency:
                    time.sleep(stand_in.latency)
                    if self._client_gone():  # e.g. a worker killed mid-request
                        record.client_gone = True
                        self.close_connection = True
                        return
                if stand_in.other_posts and not self.path.startswith(TRACK_PREFIX):
                    record.answer = 200
                    self._send(200, b'{"status": 1}', "application/json")
                    return
                fault = stand_in._next_fault()
                if fault and fault.kind == "reset":
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    self.close_connection = True
                    self.connection.close()
                    return
                if fault and fault.kind == "slow":
                    time.sleep(fault.delay)
                    if self._client_gone():
                        record.client_gone = True
                        self.close_connection = True
                        return
                if fault and fault.kind in FOREIGN_ANSWERS:
                    self._foreign(record, fault)
                    return
                if fault and fault.kind == "trickle":
                    self._trickle(record, fault.delay)
                    return
                if fault and fault.kind == "status":
                    message = "Too many requests" if fault.status == 429 else "Service unavailable"
                    body = fault.body or {"code": fault.status, "message": message}
                    self._answer(record, fault.status, body, fault.headers)
                    return
                self._handle_valid(record, headers, raw)

            def _send(
                self,
                status: int,
                data: bytes,
                content_type: str,
                headers: dict[str, str] | None = None,
            ) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in (headers or {}).items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                    self.wfile.flush()
                except OSError:  # the client gave up
                    self.close_connection = True

            def _foreign(self, record: Received, fault: Fault) -> None:
                """Not Convert's answer: nothing is counted."""
                record.answer, record.answered_at = fault.status, time.monotonic()
                if fault.kind == "html":
                    self._send(fault.status, LANDING_PAGE, "text/html; charset=utf-8")
                elif fault.kind == "truncated":
                    data = json.dumps({"code": 200, "message": "OK"}).encode()
                    self._send(200, data[: len(data) // 2], "application/json")
                else:  # redirect
                    self._send(fault.status, b"", "text/html", {"Location": LANDING})

            def _trickle(self, record: Received, interval: float) -> None:
                """Convert's 200, its body one byte at a time; counted only if the client
                read all of it (it may give up first)."""
                data = json.dumps({"code": 200, "message": "OK"}).encode()
                record.answer = 200
                valid = self._valid(record)
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.flush()
                    for position, byte in enumerate(data, start=1):
                        time.sleep(interval)
                        if self._client_gone():
                            raise ConnectionResetError("the client gave up")
                        if position == len(data):
                            # Counted before the last byte leaves: a client that has read it
                            # (and a test asserting right after) finds it counted.
                            record.accepted = valid
                            record.answered_at = time.monotonic()
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                except OSError:
                    record.client_gone = True
                    record.accepted = False
                    record.answer = record.answered_at = None
                    self.close_connection = True

            def _valid(self, record: Received) -> bool:
                try:
                    record.body = json.loads(record.raw)
                except ValueError:
                    return False
                record.errors = validate_body(record.body)
                return not record.errors and record.headers.get("user-agent", "").startswith(
                    "ConvertAgent/"
                )

            def _client_gone(self) -> bool:
                try:
                    readable, _, _ = select.select([self.connection], [], [], 0)
                    return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
                except OSError:
                    return True

            def _handle_valid(self, record: Received, headers: dict[str, str], raw: bytes) -> None:
                if not headers.get("content-type", "").startswith("application/json"):
                    self._answer(
                        record,
                        415,
                        {
                            "code": 415,
                            "message": "Content-Type must be application/json",
                            "fields": "",
                        },
                    )
                    return
                try:
                    record.body = json.loads(raw)
                except ValueError:
                    self._answer(
                        record, 400, {"code": 400, "message": "invalid JSON", "fields": ""}
                    )
                    return
                problem = stand_in._check_target(self.path, headers, record.body)
                if problem:
                    status, message = problem
                    self._answer(record, status, {"code": status, "message": message, "fields": ""})
                    return
                record.errors = validate_body(record.body)
                if record.errors:
                    self._answer(
                        record,
                        400,
                        {
                            "code": 400,
                            "message": "Invalid request body",
                            "fields": error_fields(record.errors),
                        },
                    )
                    return
                # Like the real server: default client user agents are bots, answered 200
                # with the events silently dropped.
                record.accepted = headers.get("user-agent", "").startswith("ConvertAgent/")
                self._answer(record, 200, {"code": 200, "message": "OK"})

            def _answer(
                self,
                record: Received,
                status: int,
                body: Any,
                headers: dict[str, str] | None = None,
            ) -> None:
                data = json.dumps(body).encode()
                # Recorded before the answer leaves: a client that has read it (and a test
                # asserting right after) must find it recorded.
                record.answer = status
                record.answered_at = time.monotonic()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in (headers or {}).items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                    self.wfile.flush()
                except OSError:  # the client gave up (timeout): it never saw this answer
                    record.accepted = False
                    record.answer = record.answered_at = None

        return Handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A local stand-in for Convert's tracking API.")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="added to every answer")
    parser.add_argument(
        "--fault-rate", type=float, default=0.0, help="share of requests answered 5xx/429/reset"
    )
    parser.add_argument(
        "--other-posts",
        action="store_true",
        help='answer 200 {"status": 1} to POSTs on other paths (another client, for comparison)',
    )
    args = parser.parse_args(argv)
    server = ConvertStandIn(latency=args.latency_ms / 1000, port=args.port).start()
    server.other_posts = args.other_posts
    if args.fault_rate:
        server.random_faults(args.fault_rate)
    print(f"listening on {server.url}", flush=True)
    logged = 0
    try:
        while True:  # one line per answered request, so a shell or CI sees what arrived
            time.sleep(0.1)
            with server._lock:
                answered = [r for r in server.received if r.answer is not None]
            for record in answered[logged:]:
                print(describe(record), flush=True)
            logged = len(answered)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


def describe(record: Received) -> str:
    """One log line: ``accepted 200 /v1/track/1/2: 1 conversion(s), goals ['7']`` or
    ``rejected 400 ...: {field: error}``."""
    verdict = "accepted" if record.accepted else "rejected"
    goals = [conversion.get("goalId") for conversion in record.conversions()]
    if record.accepted:
        detail: Any = f"{len(goals)} conversion(s), goals {goals}"
    elif record.errors:
        detail = record.errors
    elif record.answer != 200:
        detail = "an injected fault"
    else:  # a 200 to a valid body is not counted without Convert's User-Agent prefix
        detail = "not counted: the User-Agent must start with ConvertAgent/"
    return f"{verdict} {record.answer} {record.path}: {detail}"


if __name__ == "__main__":
    main()
