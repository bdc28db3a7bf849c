"""A strict stand-in for the GA4 Measurement Protocol (web streams).

Sources (Google's published documentation):

- Sending events: https://developers.google.com/analytics/devguides/collection/protocol/ga4/sending-events
  (``POST /mp/collect?measurement_id=&api_secret=``, ``client_id`` required for web).
- Reference: https://developers.google.com/analytics/devguides/collection/protocol/ga4/reference
  (body under 130 kB; at most 25 events per request, 25 params per event, 25 user
  properties; ``user_id`` at most 256 characters; ``timestamp_micros`` at most 72 hours in
  the past; "always returns a 2xx status code" even for malformed data; reserved names).
- Validating events: https://developers.google.com/analytics/devguides/collection/protocol/ga4/validating-events
  (``/debug/mp/collect`` answers ``{"validationMessages": [{fieldPath, description,
  validationCode}]}``; codes VALUE_INVALID, VALUE_REQUIRED, NAME_INVALID, NAME_RESERVED,
  VALUE_OUT_OF_BOUNDS, EXCEEDED_MAX_ENTITIES, NAME_DUPLICATED).
- Event naming rules: https://support.google.com/analytics/answer/13316687 and event
  collection limits https://support.google.com/analytics/answer/9267744 (names at most 40
  characters, letters, digits and ``_``, starting with a letter; values at most 100
  characters).

Like production, ``/mp/collect`` answers 204 whatever it gets: a request GA4 would not
process is kept in :meth:`GA4StandIn.invalid` with its validation messages, and its events
are not in :meth:`~.analytics_base.AnalyticsStandIn.events`, so a test asserts
``server.invalid() == []``. GA4 does not deduplicate: an event sent twice is counted twice.
"""

from __future__ import annotations

import re
import time
from typing import Any

from django_convert.testing.analytics_base import AnalyticsStandIn, Answer, Request, parse_json

MAX_BODY = 130_000  # bytes: "must be smaller than 130kB"
MAX_EVENTS = 25
MAX_PARAMS = 25
MAX_USER_PROPERTIES = 25
MAX_NAME = 40
MAX_VALUE = 100
MAX_USER_ID = 256
MAX_USER_PROPERTY_NAME, MAX_USER_PROPERTY_VALUE = 24, 36
MAX_AGE_MICROS = 72 * 3600 * 1_000_000
NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
#: Reserved event names of the Measurement Protocol reference ("Reserved names").
RESERVED_EVENTS = frozenset(
    {
        "ad_activeview", "ad_click", "ad_exposure", "ad_impression", "ad_query",
        "ad_reward", "adunit_exposure", "app_background", "app_clear_data",
        "app_exception", "app_install", "app_remove", "app_store_refund",
        "app_store_subscription_cancel", "app_store_subscription_convert",
        "app_store_subscription_renew", "app_update", "app_upgrade",
        "dynamic_link_app_open", "dynamic_link_app_update", "dynamic_link_first_open",
        "error", "firebase_campaign", "firebase_in_app_message_action",
        "firebase_in_app_message_dismiss", "firebase_in_app_message_impression",
        "first_open", "first_visit", "in_app_purchase", "notification_dismiss",
        "notification_foreground", "notification_open", "notification_receive",
        "os_update", "session_start", "session_start_with_rollout", "user_engagement",
    }
)  # fmt: skip
RESERVED_PARAMS = frozenset({"firebase_conversion"})
RESERVED_PREFIXES = ("_", "firebase_", "ga_", "google_", "gtag.")
RESERVED_USER_PROPERTIES = frozenset(
    {"first_open_time", "first_visit_time", "last_deep_link_referrer", "user_id",
     "first_open_after_install"}
)  # fmt: skip
TOP_LEVEL = {
    "client_id", "user_id", "timestamp_micros", "user_properties", "user_data", "consent",
    "non_personalized_ads", "user_location", "ip_override", "device", "events",
    "validation_behavior",
}  # fmt: skip

Message = dict[str, str]


def _message(path: str, description: str, code: str) -> Message:
    return {"fieldPath": path, "description": description, "validationCode": code}


def _name_messages(
    name: Any, path: str, *, reserved: frozenset[str] = frozenset()
) -> list[Message]:
    if not isinstance(name, str) or not name:
        return [_message(path, "a name is required", "VALUE_REQUIRED")]
    if len(name) > MAX_NAME:
        return [_message(path, f"{name!r} is longer than {MAX_NAME} characters", "NAME_INVALID")]
    if not NAME.match(name):
        return [
            _message(
                path,
                f"{name!r} must start with a letter and use only letters, digits and _",
                "NAME_INVALID",
            )
        ]
    if name in reserved or name.startswith(RESERVED_PREFIXES[1:]):
        return [_message(path, f"{name!r} is reserved", "NAME_RESERVED")]
    return []


def _value_messages(value: Any, path: str) -> list[Message]:
    if isinstance(value, str) and len(value) > MAX_VALUE:
        return [
            _message(
                path, f"the value is longer than {MAX_VALUE} characters", "VALUE_OUT_OF_BOUNDS"
            )
        ]
    if value is not None and not isinstance(value, str | int | float | bool):
        return [_message(path, "a parameter value must be a string or a number", "VALUE_INVALID")]
    return []


def _event_messages(event: Any, where: str, now_micros: int) -> list[Message]:
    if not isinstance(event, dict):
        return [_message(where, "an event must be an object", "VALUE_INVALID")]
    messages = _name_messages(event.get("name"), f"{where}.name", reserved=RESERVED_EVENTS)
    params = event.get("params", {})
    if not isinstance(params, dict):
        return [*messages, _message(f"{where}.params", "params must be an object", "VALUE_INVALID")]
    if len(params) > MAX_PARAMS:
        messages.append(
            _message(f"{where}.params", f"more than {MAX_PARAMS} params", "EXCEEDED_MAX_ENTITIES")
        )
    for key, value in params.items():
        path = f"{where}.params.{key}"
        messages += _name_messages(key, path, reserved=RESERVED_PARAMS)
        if key != "items":
            messages += _value_messages(value, path)
    if "timestamp_micros" in event:
        messages += _timestamp_messages(
            event["timestamp_micros"], f"{where}.timestamp_micros", now_micros
        )
    return messages


def _timestamp_messages(value: Any, path: str, now_micros: int) -> list[Message]:
    if not isinstance(value, int) or isinstance(value, bool):
        return [_message(path, "timestamp_micros must be an integer", "VALUE_INVALID")]
    if value < now_micros - MAX_AGE_MICROS:
        return [_message(path, "more than 72 hours in the past", "VALUE_OUT_OF_BOUNDS")]
    if value > now_micros + 60_000_000:
        return [_message(path, "in the future", "VALUE_OUT_OF_BOUNDS")]
    return []


def validation_messages(body: Any, size: int, now: float | None = None) -> list[Message]:
    """The validation messages GA4 gives for a JSON body of ``size`` bytes (empty: valid).

    ``now`` (epoch seconds, default the current time) dates the 72-hour window.
    """
    now_micros = int((time.time() if now is None else now) * 1_000_000)
    if size >= MAX_BODY:
        return [
            _message("", f"the body must be smaller than {MAX_BODY} bytes", "VALUE_OUT_OF_BOUNDS")
        ]
    if not isinstance(body, dict):
        return [_message("", "the body must be a JSON object", "VALUE_INVALID")]
    messages = [
        _message(key, f"unknown field {key!r}", "NAME_INVALID")
        for key in body
        if key not in TOP_LEVEL
    ]
    client_id = body.get("client_id")
    if not isinstance(client_id, str) or not client_id:
        messages.append(
            _message("client_id", "client_id is required for web streams", "VALUE_REQUIRED")
        )
    user_id = body.get("user_id")
    if user_id is not None and (not isinstance(user_id, str) or len(user_id) > MAX_USER_ID):
        messages.append(
            _message(
                "user_id", f"a string of at most {MAX_USER_ID} characters", "VALUE_OUT_OF_BOUNDS"
            )
        )
    if "timestamp_micros" in body:
        messages += _timestamp_messages(body["timestamp_micros"], "timestamp_micros", now_micros)
    messages += _user_property_messages(body.get("user_properties", {}))
    events = body.get("events")
    if not isinstance(events, list) or not events:
        return [*messages, _message("events", "at least one event is required", "VALUE_REQUIRED")]
    if len(events) > MAX_EVENTS:
        messages.append(
            _message("events", f"more than {MAX_EVENTS} events", "EXCEEDED_MAX_ENTITIES")
        )
    for index, event in enumerate(events):
        messages += _event_messages(event, f"events[{index}]", now_micros)
    return messages


def _user_property_messages(properties: Any) -> list[Message]:
    if not isinstance(properties, dict):
        return [_message("user_properties", "must be an object", "VALUE_INVALID")]
    messages = []
    if len(properties) > MAX_USER_PROPERTIES:
        messages.append(_message("user_properties", "more than 25", "EXCEEDED_MAX_ENTITIES"))
    for key, item in properties.items():
        path = f"user_properties.{key}"
        messages += _name_messages(key, path, reserved=RESERVED_USER_PROPERTIES)
        if isinstance(key, str) and len(key) > MAX_USER_PROPERTY_NAME:
            messages.append(_message(path, "longer than 24 characters", "NAME_INVALID"))
        value = item.get("value") if isinstance(item, dict) else None
        if isinstance(value, str) and len(value) > MAX_USER_PROPERTY_VALUE:
            messages.append(
                _message(f"{path}.value", "longer than 36 characters", "VALUE_OUT_OF_BOUNDS")
            )
    return messages


class GA4StandIn(AnalyticsStandIn):
    """``url`` is the ``FORWARD["ga4"]["URL"]`` to use; ``debug_url`` the validation server.

    With ``measurement_id``/``api_secret`` given, a request with other credentials is
    answered 204 like any other and its events dropped (GA4 does not say): it shows in
    :meth:`invalid`. :meth:`events` returns each accepted event as GA4 would record it:
    the event's ``name`` and ``params`` plus the request's ``client_id``, ``user_id`` and
    ``timestamp_micros``.
    """

    path = "/mp/collect"

    def __init__(
        self,
        *,
        measurement_id: str | None = None,
        api_secret: str | None = None,
        latency: float = 0.0,
        port: int = 0,
    ) -> None:
        super().__init__(latency=latency, port=port)
        self.measurement_id, self.api_secret = measurement_id, api_secret

    @property
    def debug_url(self) -> str:
        return self.base_url + "/debug/mp/collect"

    def invalid(self) -> list[Request]:
        """Requests GA4 would have silently ignored, in whole or in part (``problems``
        holds their validation messages as ``"fieldPath: description (code)"``)."""
        with self._lock:
            return [r for r in self.received if r.problems and r.path == self.path]

    def handle(self, request: Request) -> Answer:
        debug = request.path == "/debug/mp/collect"
        if request.method != "POST" or request.path not in (self.path, "/debug/mp/collect"):
            return Answer(404, {"error": "not found"})
        messages: list[Message] = []
        if not parse_json(request):
            messages.append(_message("", "the body is not valid JSON", "VALUE_INVALID"))
        else:
            messages = validation_messages(request.body, len(request.raw))
        for name, expected in (
            ("measurement_id", self.measurement_id),
            ("api_secret", self.api_secret),
        ):
            given = request.query.get(name)
            if not given:
                messages.append(
                    _message(name, f"the {name} query parameter is required", "VALUE_REQUIRED")
                )
            elif (
                expected is not None and given != expected and not (debug and name == "api_secret")
            ):
                # The validation server does not check api_secret (validating-events).
                messages.append(_message(name, f"unknown {name}", "VALUE_INVALID"))
        request.problems = [
            f"{m['fieldPath']}: {m['description']} ({m['validationCode']})" for m in messages
        ]
        if debug:
            return Answer(200, {"validationMessages": messages})
        if not messages:
            body = request.body
            shared = {k: body[k] for k in ("client_id", "user_id", "timestamp_micros") if k in body}
            for event in body["events"]:
                self._accept({**shared, **event})
        return Answer(204)
