"""Send a tracking request and map Convert's answer to a result or an error."""

from __future__ import annotations

import email.utils
import json
import time
from dataclasses import dataclass
from typing import Any

import requests

from django_convert.client.body import encode_json
from django_convert.client.config import ClientConfig
from django_convert.exceptions import ConvertRejectedError, ConvertTransientError

# Statuses where the same request may succeed later; any other 4xx never will.
TRANSIENT_STATUSES = frozenset({408, 425, 429})
MAX_BODY_KEPT = 10_000  # characters of Convert's answer kept for errors and the admin


@dataclass(frozen=True)
class TrackResult:
    status_code: int
    body: str


class ConvertClient:
    """One ``requests.Session`` (connection pooling) per client; safe to reuse for many calls."""

    def __init__(self, config: ClientConfig, session: requests.Session | None = None) -> None:
        self.config = config
        self.session = session or requests.Session()
        self.session.headers.update(config.headers())

    def close(self) -> None:
        self.session.close()

    def track(self, body: dict[str, Any]) -> TrackResult:
        """POST one body: a result on 2xx, else ConvertTransientError or ConvertRejectedError."""
        return self.post(encode_json(body))

    def post(self, payload: bytes) -> TrackResult:
        try:
            response = self.session.post(
                self.config.endpoint, data=payload, timeout=self.config.timeout
            )
        except requests.Timeout as exc:
            raise ConvertTransientError(f"Convert did not answer in time: {exc}") from exc
        except requests.RequestException as exc:  # connection refused/reset, DNS, bad TLS...
            raise ConvertTransientError(f"Could not reach Convert: {exc}") from exc
        text = response.text[:MAX_BODY_KEPT]
        status = response.status_code
        if 200 <= status < 300:
            return TrackResult(status_code=status, body=text)
        said = converts_message(text)
        if status >= 500 or status in TRANSIENT_STATUSES:
            raise ConvertTransientError(
                f"Convert is unavailable{said}",
                status_code=status,
                response_body=text,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        raise ConvertRejectedError(
            f"Convert rejected the request{said}", status_code=status, response_body=text
        )


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
