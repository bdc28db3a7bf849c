"""A strict stand-in for Mixpanel's Import API.

Sources (Mixpanel's published documentation):

- Import events: https://developer.mixpanel.com/reference/import-events (and
  https://docs.mixpanel.com/reference/import-events): ``POST /import`` with a JSON array
  (or NDJSON, optionally gzip), at most 2,000 events per request; each event
  ``{"event", "properties": {time, distinct_id, $insert_id, ...}}``; Basic auth with a
  service account (``user:secret``, plus the ``project_id`` query parameter) or the project
  token as the user name with an empty password; ``strict=1`` validates each event.
- 400 Bad Request: https://docs.mixpanel.com/troubleshooting/errors/400-bad-request
  (a partial success: the valid events are imported, ``failed_records`` lists the others
  with ``index``, ``insert_id``, ``field``, ``message``; ``time`` in seconds or
  milliseconds, not before 1971 nor more than one hour in the future; ``$insert_id`` at
  most 36 letters, digits or ``-``; placeholder ``distinct_id`` values refused).
- Errors index: https://docs.mixpanel.com/troubleshooting/errors (401, 413, 429).
- Deduplication: events with the same ``event``, ``time``, ``distinct_id`` and
  ``$insert_id`` count once (https://docs.mixpanel.com/docs/tracking-best-practices/
  deduplication-of-events).
- Experiments: ``$experiment_started`` with ``Experiment name`` and ``Variant name``
  (https://docs.mixpanel.com/docs/reports/apps/experiments).

Without ``strict=1`` Mixpanel answers 200 and drops invalid events silently: they are in
:meth:`MixpanelStandIn.failed` all the same.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

from django_convert.testing.analytics_base import AnalyticsStandIn, Answer, Request

MAX_EVENTS = 2000
MAX_BYTES = 10 * 1024 * 1024  # uncompressed
INSERT_ID = re.compile(r"^[A-Za-z0-9-]{1,36}$")
EARLIEST = 31_536_000  # 1971-01-01T00:00:00Z, in seconds
FUTURE_SLACK = 3600  # seconds
#: distinct_id values Mixpanel refuses as implementation mistakes (400-bad-request page).
PLACEHOLDER_IDS = frozenset(
    {"anon", "anonymous", "nil", "none", "null", "n/a", "na", "undefined", "unknown",
     "<nil>", "0", "-1", "true", "false", "[]", "{}", "00000000-0000-0000-0000-000000000000"}
)  # fmt: skip


def _seconds(value: Any) -> float | None:
    """``time`` in seconds, from seconds or milliseconds since the epoch; None if not an int."""
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    return value / 1000 if value > 10**11 else float(value)


def event_problem(event: Any, now: float | None = None) -> tuple[str, str] | None:
    """``(field, message)`` for an event strict mode refuses, or None when it is valid."""
    now = time.time() if now is None else now
    if not isinstance(event, dict):
        return "", "an event must be an object"
    if not isinstance(event.get("event"), str) or not event["event"]:
        return "event", "'event' is required, a non-empty string"
    props = event.get("properties")
    if not isinstance(props, dict):
        return "properties", "'properties' is required, an object"
    seconds = _seconds(props.get("time"))
    if seconds is None:
        return "properties.time", "'properties.time' is invalid: must be an integer since epoch"
    if seconds < EARLIEST or seconds > now + FUTURE_SLACK:
        return "properties.time", "'properties.time' is before 1971 or more than 1 hour ahead"
    distinct_id = props.get("distinct_id")
    if not isinstance(distinct_id, str | int) or isinstance(distinct_id, bool):
        return "properties.distinct_id", "'properties.distinct_id' is required"
    if str(distinct_id).strip().lower() in PLACEHOLDER_IDS:
        return "properties.distinct_id", f"'properties.distinct_id' {distinct_id!r} is invalid"
    insert_id = props.get("$insert_id")
    if not isinstance(insert_id, str) or not INSERT_ID.match(insert_id):
        return (
            "properties.$insert_id",
            "'properties.$insert_id' is required: at most 36 letters, digits or '-'",
        )
    return None


class MixpanelStandIn(AnalyticsStandIn):
    """``url`` is the ``FORWARD["mixpanel"]["URL"]`` to use.

    Credentials it checks when given: ``project_token`` (Basic ``token:``), ``api_secret``
    (Basic ``secret:``, the legacy project secret) and ``service_account`` (``(user,
    secret)``, with ``project_id`` as the query parameter). :meth:`events` holds each
    imported event once; a duplicate (same event, time, distinct_id, $insert_id) counts
    as imported, as Mixpanel reports it, and is listed in :attr:`duplicates`.
    """

    path = "/import"

    def __init__(
        self,
        *,
        project_token: str | None = None,
        api_secret: str | None = None,
        service_account: tuple[str, str] | None = None,
        project_id: str | None = None,
        latency: float = 0.0,
        port: int = 0,
    ) -> None:
        super().__init__(latency=latency, port=port)
        self.project_token, self.api_secret = project_token, api_secret
        self.service_account, self.project_id = service_account, project_id
        self.duplicates: list[dict[str, Any]] = []
        self._failed: list[dict[str, Any]] = []
        self._seen: set[tuple[Any, ...]] = set()

    def failed(self) -> list[dict[str, Any]]:
        """Every refused event's failed record (``index``, ``insert_id``, ``field``,
        ``message``), strict or not, in arrival order."""
        with self._lock:
            return list(self._failed)

    def _authorized(self, request: Request) -> bool:
        """Basic auth: a service account (``user:secret`` and ``?project_id=``), or the
        project token (or legacy API secret) as the user name with an empty password. With
        no credentials configured, any non-empty user name is accepted (a service account
        still needs ``project_id``)."""
        auth = request.basic_auth()
        if auth is None or not auth[0]:
            return False
        configured = any((self.project_token, self.api_secret, self.service_account))
        if auth[1]:  # a service account
            if not request.query.get("project_id"):
                return False
            if self.project_id is not None and request.query["project_id"] != self.project_id:
                return False
            return auth == self.service_account or not configured
        return auth[0] in {self.project_token, self.api_secret} or not configured

    def _parse(self, request: Request) -> list[Any] | None:
        text = request.raw.decode("utf-8", "replace")
        try:
            if request.headers.get("content-type", "").startswith("application/x-ndjson"):
                return [json.loads(line) for line in text.splitlines() if line.strip()]
            body = json.loads(text)
        except ValueError:
            return None
        return [body] if isinstance(body, dict) else body if isinstance(body, list) else None

    def handle(self, request: Request) -> Answer:
        if request.method != "POST" or request.path != self.path:
            return Answer(404, {"code": 404, "error": "not found", "status": "error"})
        if not self._authorized(request):
            request.problems.append("authorization: invalid or missing credentials")
            return Answer(401, {"code": 401, "error": "Invalid credentials", "status": "error"})
        if len(request.raw) > MAX_BYTES:
            request.problems.append("body: larger than 10 MB")
            return Answer(413, {"code": 413, "error": "request too large", "status": "error"})
        events = self._parse(request)
        request.body = events
        if events is None:
            request.problems.append("body: not a JSON array of events")
            return Answer(400, {"code": 400, "error": "unable to parse request", "status": "error"})
        if len(events) > MAX_EVENTS:
            request.problems.append(f"body: more than {MAX_EVENTS} events")
            return Answer(
                400, {"code": 400, "error": f"more than {MAX_EVENTS} events", "status": "error"}
            )
        failed, imported = [], 0
        for index, event in enumerate(events):
            problem = event_problem(event)
            if problem:
                props = event.get("properties") if isinstance(event, dict) else None
                insert_id = props.get("$insert_id") if isinstance(props, dict) else None
                record = {
                    "index": index,
                    "insert_id": insert_id,
                    "field": problem[0],
                    "message": problem[1],
                }
                failed.append(record)
                request.problems.append(f"[{index}] {problem[0]}: {problem[1]}")
                continue
            imported += 1
            props = event["properties"]
            key = (event["event"], props["time"], str(props["distinct_id"]), props["$insert_id"])
            with self._lock:
                if key in self._seen:
                    self.duplicates.append(event)
                    continue
                self._seen.add(key)
                self._accepted.append(event)
        with self._lock:
            self._failed.extend(failed)
        if failed and request.query.get("strict") == "1":
            return Answer(
                400,
                {
                    "code": 400,
                    "error": "some data points in the request failed validation",
                    "status": "Bad Request",
                    "num_records_imported": imported,
                    "failed_records": failed,
                },
            )
        return Answer(200, {"code": 200, "num_records_imported": imported, "status": "OK"})
