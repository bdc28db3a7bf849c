"""What every destination's module shares: a request to send, what its answer means, and
packing encoded events into requests within a size and count limit. No models, no
settings: plain data in, plain data out (tested without a database)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

SENT, PARTIAL, RETRY, REJECTED = "sent", "partial", "retry", "rejected"


class InvalidEvent(ValueError):
    """The event can never be accepted as it is (the destination would refuse or, GA4,
    silently drop it): it is failed at once with this reason, never sent."""


def basic_auth(user: str) -> str:
    """``Authorization`` for HTTP Basic with ``user`` as the name and an empty password, as
    Segment's write key and Mixpanel's token or API secret are given."""
    return "Basic " + base64.b64encode(f"{user}:".encode()).decode("ascii")


def encode_each(
    events: Sequence[Mapping[str, Any]], build: Callable[[Mapping[str, Any]], Any]
) -> tuple[list[tuple[int, bytes]], dict[int, str]]:
    """Each event built and encoded: ``(index, JSON bytes)`` of those ``build`` accepts, and
    the reason (index -> text) of those it refuses with :class:`InvalidEvent`."""
    kept: list[tuple[int, bytes]] = []
    invalid: dict[int, str] = {}
    for index, event in enumerate(events):
        try:
            kept.append((index, encode(build(event))))
        except InvalidEvent as error:
            invalid[index] = str(error)
    return kept, invalid


@dataclass(frozen=True)
class Request:
    """One HTTP request: the rows (by their index in the claim) it carries, in order."""

    url: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    rows: tuple[int, ...]
    #: Each row's own part of the body (JSON text), what the admin shows as "request".
    parts: tuple[str, ...] = ()


@dataclass
class Verdict:
    """What the destination's answer means for a request's rows.

    ``kind``: ``sent`` (all accepted), ``partial`` (``failed`` maps positions in the
    request to the destination's reason; the others were accepted), ``retry`` (nothing
    known to be accepted; try again, not before ``retry_after`` seconds), ``rejected``
    (refused as a whole; ``split`` says whether halves may succeed).
    """

    kind: str
    error: str = ""
    reason: str = ""
    retry_after: float | None = None
    failed: dict[int, str] = field(default_factory=dict)
    split: bool = False


def encode(value: Any) -> bytes:
    """Compact JSON, UTF-8; Decimals as numbers, datetimes as ISO 8601."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=_default).encode()


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def pack(
    sizes: Sequence[int], *, max_events: int, max_bytes: int, overhead: int, separator: int = 1
) -> list[list[int]]:
    """Greedy packing of encoded events (by their sizes in bytes, in order) into requests
    of at most ``max_events`` events and ``max_bytes`` bytes including the envelope
    (``overhead``) and a ``separator`` between events. An event that alone exceeds the
    limit must be refused before (each destination's ``build`` checks its own size).
    """
    groups: list[list[int]] = []
    current: list[int] = []
    used = overhead
    for index, size in enumerate(sizes):
        extra = size + (separator if current else 0)
        if current and (len(current) >= max_events or used + extra > max_bytes):
            groups.append(current)
            current, used = [], overhead
            extra = size
        current.append(index)
        used += extra
    if current:
        groups.append(current)
    return groups


def status_verdict(status: int, text: str, retry_after: float | None, who: str) -> Verdict:
    """The common meaning of an HTTP status: 2xx sent; 408, 425, 429 and 5xx retried
    (``rate_limited`` for 429, with its Retry-After); 3xx retried (never followed); any
    other 4xx rejected (400, 413 and 422 split, to find the events refused)."""
    said = f" ({text[:300]})" if text else ""
    if 200 <= status < 300:
        return Verdict(SENT)
    if status == 429:
        return Verdict(
            RETRY, f"{who} asked to slow down: HTTP 429{said}", "rate_limited", retry_after
        )
    if status >= 500 or status in (408, 425):
        return Verdict(
            RETRY, f"{who} is unavailable: HTTP {status}{said}", "unavailable", retry_after
        )
    if 300 <= status < 400:
        return Verdict(RETRY, f"{who} redirected (HTTP {status}): check URL", "redirect")
    return Verdict(
        REJECTED,
        f"{who} refused the request: HTTP {status}{said}",
        "rejected",
        split=status in (400, 413, 422),
    )
