"""The checklist items about the goal data, the segments, and the exchange with Convert.

Each returns (key, title, status, detail, fix); :mod:.doctor wraps them. The facts
come from the source guide (sections 3, 4 and 9) and CONVERT_FACTS.md (the User-Agent).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any, Literal

from django_convert.client import USER_AGENT_PREFIX
from django_convert.models import Conversion
from django_convert.project.names import Entry
from django_convert.segments import API_BROWSERS, COUNTRIES, Device, Source, VisitorType

Status = Literal["pass", "fail", "warn"]
Item = tuple[str, str, Status, str, str]


def _goal_data(conversion: Conversion) -> dict[str, Any]:
    """{key: value} of the goalData actually sent, when a request was recorded."""
    request = conversion.last_request
    if not isinstance(request, dict):
        return {}
    body = request.get("body", request)  # recorded as {url, batch_size, body}
    if not isinstance(body, dict):
        return {}
    for visitor in body.get("visitors") or []:
        for event in visitor.get("events") or []:
            data = event.get("data") or {}
            if data.get("goalId") == conversion.goal_id:
                return {item.get("key"): item.get("value") for item in data.get("goalData") or []}
    return {}


def check_amount(conversion: Conversion, goal: Entry | None) -> Item:
    title = "goalData includes amount as a number"
    sent = _goal_data(conversion)
    if conversion.amount is None:
        if goal is not None and goal.type == "revenue":
            return (
                "amount",
                title,
                "fail",
                f"No amount, but goal {goal.label()} is a revenue goal: its revenue is missing.",
                'Give the rule an "amount" path (or amount= to track_conversion).',
            )
        return ("amount", title, "pass", "No amount (not a revenue conversion).", "")
    if "amount" in sent and (
        isinstance(sent["amount"], bool) or not isinstance(sent["amount"], int | float)
    ):
        return (
            "amount",
            title,
            "fail",
            f"amount was sent as {sent['amount']!r}, not a number.",
            "Send amount as a JSON number.",
        )
    where = "sent as a JSON number" if "amount" in sent else "to be sent as a JSON number"
    return ("amount", title, "pass", f"amount {conversion.amount.normalize()} ({where}).", "")


def check_transaction_id(conversion: Conversion) -> Item:
    title = "transactionId is unique for the order"
    tid = conversion.transaction_id
    if conversion.transaction_id_is_local:
        return (
            "transaction_id",
            title,
            "pass" if not conversion.has_goal_data else "warn",
            f"No transactionId is sent: none was given, and {tid!r} is a local key that only "
            "keeps this conversion apart from others in the outbox.",
            ""
            if not conversion.has_goal_data
            else "For revenue, pass the order's own id as transaction_id to track_conversion "
            "(the source guide: transactionId unique for the order).",
        )
    if not conversion.has_goal_data:
        return (
            "transaction_id",
            title,
            "pass",
            f"Not sent: the conversion has no goal data (amount, products count, custom "
            f"dimension), so no goalData goes with it; {tid!r} keys the outbox only.",
            "",
        )
    if not tid.strip():
        return (
            "transaction_id",
            title,
            "fail",
            "transactionId is empty.",
            "Give each order an id.",
        )
    others = Conversion.objects.filter(transaction_id=tid).exclude(pk=conversion.pk)
    clashes = sorted(
        set(others.exclude(visitor_id=conversion.visitor_id).values_list("visitor_id", flat=True))
    )
    if clashes:
        return (
            "transaction_id",
            title,
            "fail",
            f"transactionId {tid!r} is also used by visitor(s) {', '.join(clashes[:5])}: two "
            "orders share an id, which the source guide asks to be unique per order.",
            'Use a per-order value ("number" or the primary key) as transaction_id.',
        )
    same = others.count()
    note = f" ({same} other goal(s) of the same order share it, as they should)" if same else ""
    return ("transaction_id", title, "pass", f"transactionId {tid!r} is unique{note}.", "")


def check_segments(segments: Any) -> Item:
    title = "Segment codes are valid (section 3 of the guide)"
    if not segments:
        return ("segments", title, "pass", "No segments sent (Convert enriches what it can).", "")
    if not isinstance(segments, dict):
        return ("segments", title, "fail", "segments is not an object.", "Send an object.")
    problems = [p for name, value in segments.items() if (p := _segment_problem(name, value))]
    if problems:
        return (
            "segments",
            title,
            "fail",
            "; ".join(problems) + ".",
            'Use the codes of the guide\'s table, e.g. visitorType "new"/"returning" (not 0/1) '
            'and devices as an array like ["DESK"].',
        )
    return ("segments", title, "pass", ", ".join(f"{k}={v}" for k, v in segments.items()), "")


def _is_code(allowed: Collection[str]) -> Callable[[Any], bool]:
    return lambda value: isinstance(value, str) and value in allowed


def _is_list_of(check: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda value: isinstance(value, list) and all(check(item) for item in value)


SEGMENT_RULES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "browser": (_is_code(API_BROWSERS), f"one of {sorted(API_BROWSERS)}"),
    "devices": (_is_list_of(_is_code(Device.values)), "an array of device codes"),
    "source": (_is_code(Source.values), f"one of {Source.values}"),
    "visitorType": (_is_code(VisitorType.values), "new or returning"),
    "country": (_is_code(COUNTRIES), "an ISO 3166-1 alpha-2 code"),
    "campaign": (lambda value: isinstance(value, str), "a string"),
    "customSegments": (_is_list_of(lambda s: isinstance(s, str)), "an array of id strings"),
}


def _segment_problem(name: str, value: Any) -> str:
    if name not in SEGMENT_RULES:
        return f"{name} is not a Convert segment"
    check, expected = SEGMENT_RULES[name]
    return "" if check(value) else f"{name}={value!r} must be {expected}"


def check_request(conversion: Conversion, user_agent: str) -> Item:
    """The user agent recorded with the request when delivery records one (``headers`` in
    ``last_request``), else the USER_AGENT setting the next attempt will use."""
    title = "The request is a POST with Content-Type: application/json and a ConvertAgent/ UA"
    request = conversion.last_request if isinstance(conversion.last_request, dict) else None
    headers = request.get("headers") if request else None
    recorded = headers.get("User-Agent") if isinstance(headers, dict) else None
    agent = str(recorded) if recorded else user_agent
    which = "was sent with" if recorded else "is"
    if not agent.startswith(USER_AGENT_PREFIX):
        return (
            "request",
            title,
            "fail",
            f"The User-Agent {which} {agent!r}: Convert answers 200 but drops the events.",
            f"Set USER_AGENT to start with {USER_AGENT_PREFIX!r} (the default does).",
        )
    if request is None:
        return (
            "request",
            title,
            "warn",
            "Not sent yet.",
            "Wait for the worker, or run manage.py convert_deliver.",
        )
    url = request.get("url")
    to = f" to {url}" if url else ""
    return (
        "request",
        title,
        "pass",
        f"Sent as POST{to}, application/json, User-Agent {agent!r}; the body sent for "
        "this conversion is on its admin page.",
        "",
    )


def check_answer(conversion: Conversion) -> Item:
    title = "Convert accepted the request"
    status = conversion.last_response_status
    body = (conversion.last_response_body or "")[:300]
    if conversion.status == Conversion.Status.SENT:
        return ("answer", title, "pass", f"HTTP {status}: {body}", "")
    if conversion.status == Conversion.Status.FAILED:
        return (
            "answer",
            title,
            "fail",
            f"Failed after {conversion.attempts} attempt(s): {conversion.last_error[:300]}",
            "Fix what Convert's message names, then use the admin's 'Retry selected "
            "conversions' action.",
        )
    said = f" Last answer: HTTP {status}: {body}" if status else ""
    return (
        "answer",
        title,
        "warn",
        f"{conversion.get_status_display().capitalize()}, {conversion.attempts} attempt(s) so "
        f"far.{said}",
        "Wait for the next attempt, or run manage.py convert_deliver.",
    )
