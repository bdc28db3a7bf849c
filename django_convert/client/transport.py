"""Send a request within a total deadline, and tell Convert's answer from anything else.

Delivered means Convert said so: HTTP 200 with Convert's JSON object ``{code, message}``
(CONVERT_FACTS.md; ``@convertcom/js-sdk`` 4.4.3 counts only a 200 as success,
``lib/index.js`` ~1183). Anything else is not taken as delivery:

- an HTML page, an empty body, JSON that is not an object, a body cut short, another 2xx
  (a captive portal, a proxy, a maintenance page): retried, reason ``foreign_answer`` or
  ``truncated``;
- a redirect: never followed (requests would turn the POST into a GET and the body would
  reach nobody), retried, reason ``redirect``;
- 5xx, 408, 425 (``unavailable``), 429 (``rate_limited``): retried;
- a 4xx with Convert's JSON error body ``{code, message, fields}`` (``fields`` may be a
  string: ``types.gen.d.ts`` ``ErrorData``), or a 413: Convert refused it, raised as
  :class:`ConvertRejectedError`. A 4xx whose body is not JSON (a proxy's "403
  Forbidden" page) is not Convert refusing: ``foreign_answer``, retried;
- no complete answer within the deadline, or the connection dropped after the request
  was written (``no_answer``): retried; Convert may have it already. Nothing written
  (refused, DNS, TLS, connect timeout): ``unreachable``.
"""

from __future__ import annotations

import email.utils
import json
import time
from dataclasses import dataclass
from typing import Any

import requests

from django_convert.client.body import encode_json
from django_convert.client.config import ClientConfig
from django_convert.client.deadline import deadline, new_session
from django_convert.exceptions import ConvertRejectedError, ConvertTransientError
from django_convert.printable import redact_secrets

# Statuses where the same request may succeed later.
TRANSIENT_STATUSES = frozenset({408, 425, 429})
MAX_BODY_KEPT = 10_000  # characters of Convert's answer kept for errors and the admin
MAX_TRACK_ANSWER = 256 * 1024  # Convert's answer is a few bytes; more is not Convert's

# Why a request did not deliver (DeliveryTally, health, the logs).
UNAVAILABLE = "unavailable"  # 5xx, 408, 425
RATE_LIMITED = "rate_limited"  # 429
UNREACHABLE = "unreachable"  # nothing was sent: refused, DNS, TLS, connect timeout
NO_ANSWER = "no_answer"  # sent, but no complete answer by the deadline
TRUNCATED = "truncated"  # an answer cut short
FOREIGN_ANSWER = "foreign_answer"  # an answer that is not Convert's (HTML, empty, not JSON)
REDIRECT = "redirect"  # 3xx: not followed
REJECTED = "rejected"  # Convert refused it (4xx with its JSON error)
REASONS = (UNAVAILABLE, RATE_LIMITED, UNREACHABLE, NO_ANSWER, TRUNCATED, FOREIGN_ANSWER, REDIRECT)
#: Reasons after which Convert may have counted the conversions already: sending them
#: again may count them twice.
OUTCOME_UNKNOWN = frozenset({NO_ANSWER, TRUNCATED})


@dataclass(frozen=True)
class TrackResult:
    status_code: int
    body: str


@dataclass(frozen=True)
class Answer:
    """A complete HTTP answer: status, the headers that matter, and the body (bytes)."""

    status: int
    body: bytes
    content_type: str = ""
    location: str = ""
    retry_after: str | None = None

    @property
    def text(self) -> str:
        return self.body[: MAX_BODY_KEPT * 4].decode("utf-8", "replace")[:MAX_BODY_KEPT]

    def describe(self) -> str:
        kind = self.content_type.split(";")[0].strip() or "no Content-Type"
        return f"HTTP {self.status}, {kind}, {len(self.body)} byte(s)"


def exchange(
    session: requests.Session,
    method: str,
    url: str,
    *,
    timeout: float,
    data: bytes | None = None,
    max_body: int = MAX_TRACK_ANSWER,
    follow_redirects: bool = False,
) -> Answer:
    """One request within ``timeout`` seconds in all (connect, send, the whole answer).

    :raises ConvertTransientError: reason ``unreachable`` (nothing was sent),
        ``no_answer`` (sent, no complete answer in time) or ``truncated``.
    """
    with deadline(timeout) as watch:
        try:
            response = session.request(
                method,
                url,
                data=data,
                # Each socket operation at most the time left; the watch bounds them all.
                timeout=(timeout, timeout),
                allow_redirects=follow_redirects,
                stream=True,
            )
            try:
                body = bytearray()
                for chunk in response.iter_content(64 * 1024):
                    body += chunk
                    if len(body) > max_body:
                        break  # not the answer expected; the connection is closed below
            finally:
                response.close()
        except requests.RequestException as exc:
            raise _transport_error(exc, watch.expired, watch.sent, timeout) from exc
        if watch.expired:  # the body ended when the socket was shut down
            raise _transport_error(None, True, watch.sent, timeout)
    headers = response.headers
    return Answer(
        status=response.status_code,
        body=bytes(body),
        content_type=headers.get("Content-Type", ""),
        location=headers.get("Location", ""),
        retry_after=headers.get("Retry-After"),
    )


def _transport_error(
    exc: requests.RequestException | None, expired: bool, sent: bool, timeout: float
) -> ConvertTransientError:
    if expired:
        reason = NO_ANSWER if sent else UNREACHABLE
        what = "no complete answer" if sent else "no connection"
        return ConvertTransientError(
            f"Convert did not answer in time: {what} within TIMEOUT ({timeout:g} s)", reason=reason
        )
    # requests names the URL; GA4's carries its API secret in the query string.
    detail = redact_secrets(str(exc))
    if isinstance(exc, requests.ConnectTimeout | requests.exceptions.SSLError):
        return ConvertTransientError(f"Could not reach Convert: {detail}", reason=UNREACHABLE)
    if isinstance(
        exc, requests.exceptions.ChunkedEncodingError | requests.exceptions.ContentDecodingError
    ):
        return ConvertTransientError(f"Convert's answer was cut short: {detail}", reason=TRUNCATED)
    if isinstance(exc, requests.Timeout):
        return ConvertTransientError(f"Convert did not answer in time: {detail}", reason=NO_ANSWER)
    reason = NO_ANSWER if sent else UNREACHABLE
    return ConvertTransientError(f"Could not reach Convert: {detail}", reason=reason)


class ConvertClient:
    """One ``requests.Session`` (connection pooling) per client; safe to reuse for many calls."""

    def __init__(self, config: ClientConfig, session: requests.Session | None = None) -> None:
        self.config = config
        self.session = session or new_session()
        self.session.headers.update(config.headers())

    def close(self) -> None:
        self.session.close()

    def track(self, body: dict[str, Any]) -> TrackResult:
        """POST one body: a result on Convert's 200, else ConvertTransientError or
        ConvertRejectedError."""
        return self.post(encode_json(body))

    def post(self, payload: bytes, *, timeout: float | None = None) -> TrackResult:
        """POST an encoded body within ``timeout`` (default: the config's), redirects not
        followed; see the module docstring for what counts as delivered."""
        answer = exchange(
            self.session,
            "POST",
            self.config.endpoint,
            timeout=timeout or self.config.timeout,
            data=payload,
        )
        return track_result(answer)


def track_result(answer: Answer) -> TrackResult:
    """Convert's acceptance, or the error for anything else (see the module docstring)."""
    status, text = answer.status, answer.text
    data = _json(answer.body)
    if status == 200 and isinstance(data, dict):
        return TrackResult(status_code=status, body=text)
    if 300 <= status < 400:
        raise ConvertTransientError(
            f"Not Convert's answer: redirected ({answer.describe()}) to "
            f"{answer.location or 'no Location'}; a tracking POST is never followed: "
            "set TRACKING_URL to the address it redirects to if that is Convert's",
            status_code=status,
            response_body=text,
            reason=REDIRECT,
        )
    said = converts_message(text)
    if status >= 500 or status in TRANSIENT_STATUSES:
        raise ConvertTransientError(
            f"Convert is unavailable{said}",
            status_code=status,
            response_body=text,
            retry_after=parse_retry_after(answer.retry_after),
            reason=RATE_LIMITED if status == 429 else UNAVAILABLE,
        )
    if 400 <= status < 500 and (isinstance(data, dict) or status == 413):
        raise ConvertRejectedError(
            f"Convert rejected the request{said}",
            status_code=status,
            response_body=text,
            reason=REJECTED,
        )
    if status == 200 and answer.body.lstrip()[:1] in (b"{", b"[") and data is _NOT_JSON:
        raise ConvertTransientError(
            f"Convert's answer was cut short ({answer.describe()} that are not complete JSON)",
            status_code=status,
            response_body=text,
            reason=TRUNCATED,
        )
    raise ConvertTransientError(
        f"Not Convert's answer ({answer.describe()}; Convert answers 200 with a JSON object): "
        "check TRACKING_URL and any proxy or captive portal in between",
        status_code=status,
        response_body=text,
        reason=FOREIGN_ANSWER,
    )


_NOT_JSON = object()


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:  # includes UnicodeDecodeError
        return _NOT_JSON


def converts_message(text: str) -> str:
    """``": <message>"`` from Convert's ``{code, message, fields}`` error body, if it is one."""
    try:
        message = json.loads(text).get("message")
    except (ValueError, AttributeError):
        return ""
    return f": {message}" if isinstance(message, str) and message else ""


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000" in an HTTP date means UTC
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))
