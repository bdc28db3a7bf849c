"""The tracking request body, built from plain data, and its exact JSON encoding."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django_convert.client.config import ClientConfig


@dataclass(frozen=True)
class ConversionEvent:
    """One conversion as the tracking API wants it, with no reference to a model."""

    visitor_id: str
    goal_id: str
    goal_data: list[dict[str, Any]] = field(default_factory=list)
    bucketing: dict[str, str] = field(default_factory=dict)
    segments: dict[str, Any] = field(default_factory=dict)

    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"goalId": str(self.goal_id)}
        if self.goal_data:
            data["goalData"] = self.goal_data
        if self.bucketing:
            data["bucketingData"] = {str(k): str(v) for k, v in self.bucketing.items()}
        return data


def build_body(config: ClientConfig, events: Iterable[ConversionEvent]) -> dict[str, Any]:
    """One request for many events: one ``visitors`` entry per visitor (and segments).

    Events of the same visitor are grouped under one entry. Two snapshots of one visitor
    with different segments stay separate entries, so no event is sent with segments
    it was not recorded with.
    """
    visitors: dict[tuple[str, str], dict[str, Any]] = {}
    for event in events:
        key = _visitor_key(event)
        entry = visitors.get(key)
        if entry is None:
            entry = {"visitorId": event.visitor_id}
            if event.segments:
                entry["segments"] = event.segments
            entry["events"] = []
            visitors[key] = entry
        entry["events"].append({"eventType": "conversion", "data": event.data()})
    body: dict[str, Any] = {}
    if config.account_id:
        body["accountId"] = str(config.account_id)
    if config.project_id:
        body["projectId"] = str(config.project_id)
    body["enrichData"] = bool(config.enrich_data)
    if config.source:
        body["source"] = config.source
    body["visitors"] = list(visitors.values())
    return body


def _visitor_key(event: ConversionEvent) -> tuple[str, str]:
    return (event.visitor_id, json.dumps(event.segments, sort_keys=True, default=str))


def split_body(body: dict[str, Any], events: Sequence[ConversionEvent]) -> list[dict[str, Any]]:
    """Each event's own part of a body built by :func:`build_body`, in ``events`` order.

    ``body`` may be the decoded JSON that was sent; the parts share its dicts.
    """
    envelope = {key: value for key, value in body.items() if key != "visitors"}
    keys = [_visitor_key(event) for event in events]
    entries = dict(zip(dict.fromkeys(keys), body["visitors"], strict=True))
    seen: dict[tuple[str, str], int] = {}
    parts = []
    for key in keys:
        index = seen[key] = seen.get(key, -1) + 1
        entry = entries[key]
        visitor = {name: value for name, value in entry.items() if name != "events"}
        visitor["events"] = [entry["events"][index]]
        parts.append({**envelope, "visitors": [visitor]})
    return parts


def encode_json(body: Any) -> bytes:
    """JSON with every Decimal written as a JSON number, digit for digit.

    The json module can only write Decimals as strings (or lossy floats), and Convert
    needs ``amount`` as a number. One pass of the C encoder: a Decimal that a float or an
    int writes digit for digit (every amount of up to 15 significant digits) is written
    as one; any other gets a placeholder, swapped for its exact decimal text afterwards.
    """
    inexact: list[str] = []

    def number(value: Any) -> Any:
        if not isinstance(value, Decimal):
            raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
        if not value.is_finite():
            raise ValueError(f"{value} cannot be sent as a JSON number.")
        text = _decimal_text(value)
        if "." not in text:
            return int(text)
        as_float = float(value)
        if repr(as_float) == text:
            return as_float
        inexact.append(text)
        return f"{_MARKER}{len(inexact) - 1}"

    text = json.dumps(
        body, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=number
    )
    if inexact:
        text = _PLACEHOLDER.sub(lambda match: inexact[int(match[1])], text)
    return text.encode("utf-8")


# Placeholders for Decimals a float cannot write: a per-process random token, so no
# string a shop sends can look like one.
_MARKER = f"\u0000dec-{uuid.uuid4().hex}-"
_PLACEHOLDER = re.compile(re.escape(json.dumps(_MARKER)[:-1]) + r'([0-9]+)"')


def _decimal_text(value: Decimal) -> str:
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"
