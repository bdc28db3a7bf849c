"""The ingest endpoint over HTTP: answers, ownership, CSRF, throttling, size, signal."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from django_convert import signals
from django_convert.models import Bucketing, Visitor
from tests.fixtures_ingest import VISITOR_ID, IngestClient, example_payload, stored

pytestmark = pytest.mark.django_db


def test_url_is_reversible_by_contract_name() -> None:
    assert reverse("django_convert:context") == "/convert/context/"


def test_example_payload_is_stored(ingest_client: IngestClient) -> None:
    response = ingest_client.ingest(example_payload())

    assert response.status_code == 204
    assert response.content == b""
    visitor = Visitor.objects.get(visitor_id=VISITOR_ID)
    assert visitor.segments() == {
        "browser": "CH",
        "devices": ["DESK"],
        "source": "direct",
        "visitorType": "new",
        "country": "US",
        "customSegments": ["segment-id-1", "segment-id-2"],
    }
    assert visitor.bucketing_data() == {"100127238": "1001186427"}
    assert visitor.user is None


def test_repeat_post_updates_last_seen_and_variation_keeps_first_seen(
    ingest_client: IngestClient,
) -> None:
    ingest_client.ingest(example_payload())
    first = Bucketing.objects.get()
    visitor_first_seen = Visitor.objects.get().first_seen

    payload = example_payload()
    payload["experiences"] = [
        {"experienceId": "100127238", "variationId": "1001186428"},
        {"experienceId": "200", "variationId": "300"},
    ]
    payload["segments"]["visitorType"] = "returning"
    assert ingest_client.ingest(payload).status_code == 204

    changed = Bucketing.objects.get(experience_id="100127238")
    assert changed.pk == first.pk
    assert changed.variation_id == "1001186428"
    assert changed.first_seen == first.first_seen
    assert changed.last_seen > first.last_seen
    visitor = Visitor.objects.get()
    assert visitor.first_seen == visitor_first_seen
    assert visitor.visitor_type == "returning"
    assert visitor.bucketing_data() == {"100127238": "1001186428", "200": "300"}


def test_unknown_enum_codes_are_stored_as_unknown(ingest_client: IngestClient) -> None:
    payload = example_payload()
    payload["segments"].update(
        browser="EDG", devices=["DESK", "WATCH", "TV"], source="social", country="xk"
    )
    assert ingest_client.ingest(payload).status_code == 204
    visitor = Visitor.objects.get()
    assert visitor.browser == ""
    assert visitor.devices == ["DESK"]
    assert visitor.source == ""
    assert visitor.country == ""


def test_missing_segments_leave_stored_segments_alone(ingest_client: IngestClient) -> None:
    ingest_client.ingest(example_payload())
    payload = example_payload()
    del payload["segments"]
    payload["experiences"] = []
    assert ingest_client.ingest(payload).status_code == 204
    assert Visitor.objects.get().segments()["browser"] == "CH"


def _bad(**changes: Any) -> dict[str, Any]:
    payload = example_payload()
    for path, value in changes.items():
        target = payload
        *parents, leaf = path.split("__")
        for key in parents:
            target = target[key]
        target[leaf] = value
    return payload


# Each class of bad input, with the field its error must name.
BAD_PAYLOADS = {
    "not an object": ([example_payload()], "non_field_errors"),
    "missing visitorId": ({"experiences": []}, "visitorId"),
    "null visitorId": (_bad(visitorId=None), "visitorId"),
    "numeric visitorId": (_bad(visitorId=12345678), "visitorId"),
    "e-mail visitorId": (_bad(visitorId="jane@example.com"), "visitorId"),
    "missing experiences": ({"visitorId": VISITOR_ID}, "experiences"),
    "experiences not a list": (_bad(experiences={"1": "2"}), "experiences"),
    "experience not an object": (_bad(experiences=["100127238"]), "experiences"),
    "experience id not digits": (
        _bad(experiences=[{"experienceId": "abc", "variationId": "1"}]),
        "experiences",
    ),
    "empty variation id": (
        _bad(experiences=[{"experienceId": "1", "variationId": ""}]),
        "experiences",
    ),
    "numeric experience id": (
        _bad(experiences=[{"experienceId": 100127238, "variationId": "1"}]),
        "experiences",
    ),
    "id too long": (
        _bad(experiences=[{"experienceId": "1" * 33, "variationId": "1"}]),
        "experiences",
    ),
    "too many experiences": (
        _bad(experiences=[{"experienceId": str(i), "variationId": "1"} for i in range(101)]),
        "experiences",
    ),
    "one experience in two variations": (
        _bad(
            experiences=[
                {"experienceId": "1", "variationId": "2"},
                {"experienceId": "1", "variationId": "3"},
            ]
        ),
        "experiences",
    ),
    "segments not an object": (_bad(segments=["CH"]), "segments"),
    "malformed browser": (_bad(segments__browser="<script>"), "segments"),
    "browser not a string": (_bad(segments__browser=1), "segments"),
    "devices not a list": (_bad(segments__devices="DESK"), "segments"),
    "too many devices": (_bad(segments__devices=["DESK"] * 17), "segments"),
    "visitorType as a number": (_bad(segments__visitorType=0), "segments"),
    "alpha-3 country": (_bad(segments__country="USA"), "segments"),
    "campaign too long": (_bad(segments__campaign="x" * 256), "segments"),
    "campaign with control characters": (_bad(segments__campaign="a\nb"), "segments"),
    "campaign with NUL": (_bad(segments__campaign="a\x00b"), "segments"),
    "too many custom segments": (
        _bad(segments__customSegments=[str(i) for i in range(51)]),
        "segments",
    ),
    "custom segment with spaces": (_bad(segments__customSegments=["a b"]), "segments"),
    "custom segment not a string": (_bad(segments__customSegments=[{"id": 1}]), "segments"),
}


@pytest.mark.parametrize("case", BAD_PAYLOADS, ids=list(BAD_PAYLOADS))
def test_bad_input_is_400_with_field_errors_and_writes_nothing(
    ingest_client: IngestClient, case: str
) -> None:
    ingest_client.ingest(example_payload())  # something stored already must stay as it is
    before = stored()
    payload, field = BAD_PAYLOADS[case]

    response = ingest_client.ingest(payload)

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert stored() == before


RAW_BAD_BODIES = {
    "malformed JSON": b'{"visitorId": ',
    "empty body": b"",
    "NaN": b'{"visitorId": NaN}',
    "Infinity in an id": b'{"experiences": [{"experienceId": Infinity}]}',
    "huge number": b'{"visitorId": 1' + b"0" * 5000 + b"}",
    "huge float": b'{"visitorId": "x", "experiences": [{"experienceId": 1e999}]}',
    "deep nesting": b"[" * 10000 + b"]" * 10000,
    "invalid UTF-8": b'{"visitorId": "\xff\xfe"}',
    "lone surrogate": b'{"visitorId": "\\ud800", "experiences": []}',
    "surrogate in campaign": (
        b'{"visitorId": "visitor-abc123", "experiences": [], "segments": {"campaign": "\\udfff"}}'
    ),
}


@pytest.mark.parametrize("case", RAW_BAD_BODIES, ids=list(RAW_BAD_BODIES))
def test_malformed_bodies_are_400_and_write_nothing(ingest_client: IngestClient, case: str) -> None:
    response = ingest_client.ingest(raw=RAW_BAD_BODIES[case])
    assert response.status_code == 400, response.content
    assert stored() == ([], [])


def test_unicode_campaign_is_stored(ingest_client: IngestClient) -> None:
    payload = _bad(segments__campaign="été 🚀 ü 夏")
    assert ingest_client.ingest(payload).status_code == 204
    assert Visitor.objects.get().campaign == "été 🚀 ü 夏"


def test_non_json_content_type_is_415(ingest_client: IngestClient) -> None:
    body = json.dumps(example_payload()).encode()
    response = ingest_client.ingest(raw=body, content_type="text/plain")
    assert response.status_code == 415
    assert stored() == ([], [])


def test_get_is_not_allowed(ingest_client: IngestClient) -> None:
    assert ingest_client.get(reverse("django_convert:context")).status_code == 405


def test_spoofed_visitor_id_is_403_and_writes_nothing(ingest_client: IngestClient) -> None:
    response = ingest_client.ingest(example_payload(visitor_id="someone-else"))
    assert response.status_code == 403
    assert stored() == ([], [])


def test_request_without_visitor_cookie_cannot_claim_an_id(clear_throttle: None) -> None:
    # Without a cookie the request has no visitor id at all: no payload id is its own.
    client = Client(enforce_csrf_checks=False)
    response = client.post(
        reverse("django_convert:context"),
        data=example_payload(),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert stored() == ([], [])


def test_anonymous_request_without_csrf_token_is_403(ingest_client: IngestClient) -> None:
    response = ingest_client.ingest(example_payload(), csrf=False)
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert stored() == ([], [])


def test_wrong_csrf_token_is_403(ingest_client: IngestClient) -> None:
    response = ingest_client.ingest(example_payload(), HTTP_X_CSRFTOKEN="b" * 32)
    assert response.status_code == 403
    assert stored() == ([], [])


def test_cross_origin_request_is_403(ingest_client: IngestClient) -> None:
    response = ingest_client.ingest(example_payload(), HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    assert stored() == ([], [])


def test_logged_in_request_without_csrf_token_is_403(ingest_client: IngestClient) -> None:
    ingest_client.force_login(get_user_model().objects.create_user("jane"))
    response = ingest_client.ingest(example_payload(), csrf=False)
    assert response.status_code == 403
    # Identity linked jane to the client's cookie id on her first request (first sight);
    # the refused ingest itself stored nothing.
    assert Bucketing.objects.count() == 0
    assert Visitor.objects.get(visitor_id=VISITOR_ID).segments() == {}


def test_logged_in_visitor_is_linked_to_the_user(ingest_client: IngestClient) -> None:
    user = get_user_model().objects.create_user("jane")
    ingest_client.force_login(user)
    assert ingest_client.ingest(example_payload()).status_code == 204
    assert Visitor.objects.get(visitor_id=VISITOR_ID).user == user


def test_user_already_linked_elsewhere_keeps_their_visitor(ingest_client: IngestClient) -> None:
    user = get_user_model().objects.create_user("jane")
    Visitor.objects.create(visitor_id="jane-first-id", user=user)
    ingest_client.force_login(user)

    # Logged in, the request's id is jane's own (identity), not the cookie's.
    assert ingest_client.ingest(example_payload()).status_code == 403
    assert ingest_client.ingest(example_payload("jane-first-id")).status_code == 204

    assert not Visitor.objects.filter(visitor_id=VISITOR_ID).exists()
    assert Visitor.objects.get(user=user).visitor_id == "jane-first-id"


def test_visitor_of_another_user_is_not_taken_over(ingest_client: IngestClient) -> None:
    owner = get_user_model().objects.create_user("owner")
    Visitor.objects.create(visitor_id=VISITOR_ID, user=owner)
    ingest_client.force_login(get_user_model().objects.create_user("other"))

    # The owner's id in another user's cookie is never adopted (identity), so it is refused.
    assert ingest_client.ingest(example_payload()).status_code == 403

    assert Visitor.objects.get(visitor_id=VISITOR_ID).user == owner
    assert Bucketing.objects.count() == 0


def test_throttled_requests_get_429(ingest_client: IngestClient, convert_settings: Any) -> None:
    convert_settings(INGEST_THROTTLE_RATE="3/minute")
    statuses = [ingest_client.ingest(example_payload()).status_code for _ in range(4)]
    assert statuses == [204, 204, 204, 429]


def test_throttle_rate_is_read_per_request(
    ingest_client: IngestClient, convert_settings: Any
) -> None:
    convert_settings(INGEST_THROTTLE_RATE="1/minute")
    assert ingest_client.ingest(example_payload()).status_code == 204
    assert ingest_client.ingest(example_payload()).status_code == 429
    convert_settings(INGEST_THROTTLE_RATE=None)  # None switches throttling off
    assert ingest_client.ingest(example_payload()).status_code == 204


def test_oversized_body_is_413_before_reading(
    ingest_client: IngestClient, convert_settings: Any
) -> None:
    convert_settings(INGEST_MAX_BODY_BYTES=1024)
    payload = _bad(segments__campaign="x" * 200)
    payload["experiences"] = [{"experienceId": str(i), "variationId": "1"} for i in range(30)]
    body = json.dumps(payload).encode()
    assert len(body) > 1024

    response = ingest_client.ingest(raw=body)

    assert response.status_code == 413
    assert stored() == ([], [])


def test_body_at_the_limit_is_accepted(ingest_client: IngestClient, convert_settings: Any) -> None:
    body = json.dumps(example_payload()).encode()
    convert_settings(INGEST_MAX_BODY_BYTES=len(body))
    assert ingest_client.ingest(raw=body).status_code == 204


def test_signal_is_sent_after_commit_with_visitor_and_payload(
    ingest_client: IngestClient, django_capture_on_commit_callbacks: Any
) -> None:
    received: list[dict[str, Any]] = []

    def receiver(**kwargs: Any) -> None:
        received.append(kwargs)

    signals.experiences_evaluated.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            ingest_client.ingest(example_payload())
        assert received == []  # not before the commit
        for callback in callbacks:
            callback()
    finally:
        signals.experiences_evaluated.disconnect(receiver)

    [call] = received
    assert call["visitor"] == Visitor.objects.get(visitor_id=VISITOR_ID)
    assert call["payload"]["experiences"] == example_payload()["experiences"]
    assert call["payload"]["segments"]["browser"] == "CH"
    assert call["request"].convert_visitor_id == VISITOR_ID


def test_failing_receiver_does_not_fail_the_request(
    ingest_client: IngestClient, django_capture_on_commit_callbacks: Any, caplog: Any
) -> None:
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("analytics is down")

    signals.experiences_evaluated.connect(broken)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = ingest_client.ingest(example_payload())
    finally:
        signals.experiences_evaluated.disconnect(broken)

    assert response.status_code == 204
    assert Visitor.objects.filter(visitor_id=VISITOR_ID).exists()
    assert "analytics is down" in caplog.text


def test_visitor_gone_before_the_signal_is_not_announced(
    ingest_client: IngestClient, django_capture_on_commit_callbacks: Any
) -> None:
    received: list[Any] = []

    def receiver(**kwargs: Any) -> None:
        received.append(kwargs)

    signals.experiences_evaluated.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            assert ingest_client.ingest(example_payload()).status_code == 204
        Visitor.objects.all().delete()  # e.g. a login merged it into the user's visitor
        for callback in callbacks:
            callback()
    finally:
        signals.experiences_evaluated.disconnect(receiver)
    assert received == []
