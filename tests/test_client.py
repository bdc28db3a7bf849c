"""The Convert tracking client: config, body, JSON encoding, and answers mapped to errors."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from email.utils import formatdate

import pytest
import requests
import responses

from django_convert.client import (
    ClientConfig,
    ConversionEvent,
    ConvertClient,
    build_body,
    encode_json,
    parse_retry_after,
    split_body,
)
from django_convert.exceptions import ConvertRejectedError, ConvertTransientError
from django_convert.testing.tracking_server import ConvertStandIn, validate_body

BASE = "http://127.0.0.1:1/v1/track"


def config(**changes) -> ClientConfig:
    values = {"tracking_url": BASE, "account_id": "10012345", "project_id": "10056789"}
    return ClientConfig(**{**values, **changes})


def event(visitor: str = "v1", goal: str = "100", **changes) -> ConversionEvent:
    values = {
        "visitor_id": visitor,
        "goal_id": goal,
        "goal_data": [
            {"key": "amount", "value": Decimal("149.9900")},
            {"key": "transactionId", "value": f"T-{visitor}-{goal}"},
        ],
        "bucketing": {"100127238": "1001186427"},
        "segments": {"browser": "CH", "devices": ["DESK"], "visitorType": "new"},
    }
    return ConversionEvent(**{**values, **changes})


# Config ---------------------------------------------------------------------------------


def test_endpoint_with_account_and_project() -> None:
    assert config().endpoint == f"{BASE}/10012345/10056789"


def test_endpoint_with_sdk_key_wins_and_keeps_its_slash() -> None:
    # As every Convert SDK puts it (captured: tests/convert_artifacts/bodies/*/02-bucketing).
    assert config(sdk_key="10035569/10034190", tracking_url=BASE + "/").endpoint == (
        f"{BASE}/10035569/10034190"
    )


def test_only_what_a_path_cannot_hold_is_encoded_in_an_sdk_key() -> None:
    assert config(sdk_key="a b/c?d#e%f:g@h").endpoint == f"{BASE}/a%20b/c%3Fd%23e%25f:g@h"


def test_secret_becomes_bearer_and_headers_are_json() -> None:
    headers = config(sdk_secret="s3cret").headers()
    assert headers["Authorization"] == "Bearer s3cret"
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"].startswith("ConvertAgent/")
    assert "Authorization" not in config().headers()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"user_agent": "python-requests/2.31"}, "ConvertAgent/"),
        ({"account_id": None, "sdk_key": None}, "sdk_key"),
        ({"timeout": 0}, "timeout"),
        ({"tracking_url": "metrics.convertexperiments.com/v1/track"}, "http"),
    ],
)
def test_bad_config_is_refused(changes, message) -> None:
    with pytest.raises(ValueError, match=message):
        config(**changes)


# Body -----------------------------------------------------------------------------------


def test_body_groups_events_per_visitor_and_is_valid() -> None:
    body = build_body(config(), [event("a", "1"), event("b", "2"), event("a", "3")])
    assert body["accountId"] == "10012345"
    assert body["projectId"] == "10056789"
    assert body["enrichData"] is True
    assert "source" not in body  # not in Convert's request type nor the guide's body
    assert [v["visitorId"] for v in body["visitors"]] == ["a", "b"]
    assert [e["data"]["goalId"] for e in body["visitors"][0]["events"]] == ["1", "3"]
    assert body["visitors"][0]["events"][0] == {
        "eventType": "conversion",
        "data": {
            "goalId": "1",
            "goalData": [
                {"key": "amount", "value": Decimal("149.9900")},
                {"key": "transactionId", "value": "T-a-1"},
            ],
            "bucketingData": {"100127238": "1001186427"},
        },
    }
    assert validate_body(json.loads(encode_json(body))) == {}


def test_body_keeps_different_segment_snapshots_apart() -> None:
    body = build_body(
        config(), [event("a", "1"), event("a", "2", segments={"browser": "FF"}), event("a", "3")]
    )
    assert [len(v["events"]) for v in body["visitors"]] == [2, 1]
    assert body["visitors"][1]["segments"] == {"browser": "FF"}


def test_split_body_gives_each_event_its_own_part() -> None:
    events = [
        event("a", "1"),
        event("b", "2"),
        event("a", "3", segments={"browser": "FF"}),
        event("a", "4"),
    ]
    body = json.loads(encode_json(build_body(config(), events)))
    parts = split_body(body, events)
    assert [p["visitors"][0]["events"][0]["data"]["goalId"] for p in parts] == ["1", "2", "3", "4"]
    assert [p["visitors"][0]["visitorId"] for p in parts] == ["a", "b", "a", "a"]
    assert parts[2]["visitors"][0]["segments"] == {"browser": "FF"}
    assert all(p["accountId"] == "10012345" and len(p["visitors"]) == 1 for p in parts)
    assert all(validate_body(p) == {} for p in parts)


def test_body_leaves_out_empty_parts() -> None:
    body = build_body(
        config(sdk_key="key", account_id=None, project_id=None, source=None, enrich_data=False),
        [ConversionEvent(visitor_id="a", goal_id="1")],
    )
    assert body == {
        "enrichData": False,
        "visitors": [
            {"visitorId": "a", "events": [{"eventType": "conversion", "data": {"goalId": "1"}}]}
        ],
    }


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal("149.9900"), "149.99"),
        (Decimal("100.0000"), "100"),
        (Decimal("0.0000"), "0"),
        (Decimal("-5.50"), "-5.5"),
        (Decimal("12345678901234.5678"), "12345678901234.5678"),
        (Decimal("1E+3"), "1000"),
    ],
)
def test_decimal_amount_is_a_json_number_digit_for_digit(amount, text) -> None:
    encoded = encode_json({"value": amount, "name": "x"}).decode()
    assert encoded == '{"value":' + text + ',"name":"x"}'
    assert json.loads(encoded, parse_float=Decimal)["value"] == amount


def test_many_decimals_and_lookalike_strings_survive() -> None:
    values = [Decimal(n) / 100 for n in range(25)]
    body = {"values": values, "text": "\u0000dec-not-a-marker-1"}
    decoded = json.loads(encode_json(body), parse_float=Decimal)
    assert decoded["values"] == values
    assert decoded["text"] == body["text"]


@pytest.mark.parametrize("bad", [Decimal("NaN"), Decimal("Infinity"), float("nan")])
def test_non_finite_numbers_are_refused(bad) -> None:
    with pytest.raises(ValueError, match=r"(?i)nan|infinity|JSON"):
        encode_json({"value": bad})


# Retry-After ----------------------------------------------------------------------------


def test_retry_after_seconds_and_http_date() -> None:
    now = time.time()
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(formatdate(now + 30, usegmt=True), now=now) == pytest.approx(30, abs=1)
    assert parse_retry_after(formatdate(now - 30, usegmt=True), now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
    assert parse_retry_after("-5") is None


# Answers (small unit tests with `responses`) --------------------------------------------


@responses.activate
@pytest.mark.parametrize("status", [500, 502, 503, 504, 408, 429])
def test_retryable_statuses_raise_transient(status) -> None:
    responses.post(config().endpoint, status=status, body="busy", headers={"Retry-After": "7"})
    with pytest.raises(ConvertTransientError) as caught:
        ConvertClient(config()).track(build_body(config(), [event()]))
    assert caught.value.status_code == status
    assert caught.value.response_body == "busy"
    assert caught.value.retry_after == 7.0
    assert caught.value.retryable


@responses.activate
@pytest.mark.parametrize("status", [400, 401, 403, 404, 413, 422])
def test_other_4xx_raise_rejected_with_body(status) -> None:
    body = {"code": status, "message": "goalId 1 is not in this project", "fields": {}}
    responses.post(config().endpoint, status=status, json=body)
    with pytest.raises(ConvertRejectedError) as caught:
        ConvertClient(config()).track(build_body(config(), [event()]))
    assert caught.value.status_code == status
    assert "goalId 1 is not in this project" in caught.value.response_body
    assert "goalId 1 is not in this project" in str(caught.value)
    assert not caught.value.retryable


@responses.activate
def test_connection_error_is_transient() -> None:
    responses.post(config().endpoint, body=requests.ConnectionError("refused"))
    with pytest.raises(ConvertTransientError, match="Could not reach Convert"):
        ConvertClient(config()).track(build_body(config(), [event()]))


# Against the stand-in (a real HTTP server) ----------------------------------------------


@pytest.fixture
def stand_in():
    with ConvertStandIn(account_id="10012345", project_id="10056789") as server:
        yield server


def live(server: ConvertStandIn, **changes) -> tuple[ClientConfig, ConvertClient]:
    cfg = config(tracking_url=server.url, timeout=changes.pop("timeout", 2.0), **changes)
    return cfg, ConvertClient(cfg)


def test_sends_valid_body_with_headers_through_one_pooled_connection(stand_in) -> None:
    cfg, client = live(stand_in)
    for goal in ("1", "2", "3"):
        result = client.track(build_body(cfg, [event("a", goal), event("b", goal)]))
        assert result.status_code == 200
    assert stand_in.connections == 1  # keep-alive: the session reused its connection
    [first, *_] = stand_in.received
    assert first.path == "/v1/track/10012345/10056789"
    assert first.headers["content-type"] == "application/json"
    assert first.headers["user-agent"] == "ConvertAgent/1.0"  # byte for byte as the SDKs
    assert all(r.accepted and not r.errors for r in stand_in.received)
    assert len(stand_in.accepted_conversions()) == 6
    assert stand_in.accepted_conversions()[0]["goalData"][0] == {"key": "amount", "value": 149.99}


def test_sdk_key_and_secret_reach_the_server() -> None:
    with ConvertStandIn(sdk_key="abc123", sdk_secret="s3cret") as server:
        cfg, client = live(server, sdk_key="abc123", sdk_secret="s3cret")
        client.track(build_body(cfg, [event()]))
        cfg, wrong = live(server, sdk_key="abc123", sdk_secret="wrong")
        with pytest.raises(ConvertRejectedError) as caught:
            wrong.track(build_body(cfg, [event()]))
    assert server.received[0].path == "/v1/track/abc123"
    assert server.received[0].accepted
    assert caught.value.status_code == 401


def test_timeout_is_transient(stand_in) -> None:
    stand_in.slow(1.5)
    cfg, client = live(stand_in, timeout=0.3)
    started = time.monotonic()
    with pytest.raises(ConvertTransientError, match="in time"):
        client.track(build_body(cfg, [event()]))
    assert time.monotonic() - started < 1.2
    assert client.track(build_body(cfg, [event()])).status_code == 200


def test_connection_reset_is_transient(stand_in) -> None:
    stand_in.reset()
    cfg, client = live(stand_in)
    with pytest.raises(ConvertTransientError, match="Could not reach"):
        client.track(build_body(cfg, [event()]))
    assert client.track(build_body(cfg, [event()])).status_code == 200


def test_unreachable_server_is_transient() -> None:
    server = ConvertStandIn().start()
    url = server.url
    server.stop()
    cfg = config(tracking_url=url, timeout=1.0)
    with pytest.raises(ConvertTransientError):
        ConvertClient(cfg).track(build_body(cfg, [event()]))


def test_rate_limit_carries_retry_after(stand_in) -> None:
    stand_in.rate_limit("42")
    cfg, client = live(stand_in)
    with pytest.raises(ConvertTransientError) as caught:
        client.track(build_body(cfg, [event()]))
    assert caught.value.status_code == 429
    assert caught.value.retry_after == 42.0


def test_rejection_carries_converts_message(stand_in) -> None:
    stand_in.reject(400, "goalId 100 does not exist", fields={"goalId": "unknown"})
    cfg, client = live(stand_in)
    with pytest.raises(ConvertRejectedError) as caught:
        client.track(build_body(cfg, [event()]))
    assert json.loads(caught.value.response_body) == {
        "code": 400,
        "message": "goalId 100 does not exist",
        "fields": "goalId: unknown",  # a string in Convert's ErrorData type
    }


def test_stand_in_refuses_schema_violations(stand_in) -> None:
    cfg, client = live(stand_in)
    bad = build_body(cfg, [event(goal_data=[{"key": "amount", "value": "149.99"}])])
    bad["visitors"][0]["segments"]["visitorType"] = 1
    with pytest.raises(ConvertRejectedError) as caught:
        client.track(bad)
    fields = json.loads(caught.value.response_body)["fields"]
    assert fields == (
        "visitors[0].segments.visitorType: must be new or returning; "
        "visitors[0].events[0].data.goalData[0].value: amount must be a number"
    )


def test_stand_in_drops_events_from_other_user_agents_like_convert(stand_in) -> None:
    response = requests.post(
        f"{stand_in.url}/10012345/10056789",
        data=encode_json(build_body(config(), [event()])),
        headers={"Content-Type": "application/json"},
        timeout=2,
    )
    assert response.status_code == 200
    assert stand_in.received[0].errors == {}
    assert stand_in.accepted_conversions() == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"visitors": []}, "visitors"),
        (
            {
                "visitors": [
                    {
                        "visitorId": "",
                        "events": [{"eventType": "conversion", "data": {"goalId": "1"}}],
                    }
                ]
            },
            "visitors[0].visitorId",
        ),
        (
            {"visitors": [{"visitorId": "a", "events": [{"eventType": "conversion", "data": {}}]}]},
            "visitors[0].events[0].data.goalId",
        ),
        (
            {
                "visitors": [
                    {
                        "visitorId": "a",
                        "events": [
                            {
                                "eventType": "conversion",
                                "data": {"goalId": "1", "bucketingData": {"1": 2}},
                            }
                        ],
                    }
                ]
            },
            "visitors[0].events[0].data.bucketingData",
        ),
        (
            {
                "visitors": [
                    {
                        "visitorId": "a",
                        "segments": {"devices": "DESK"},
                        "events": [{"eventType": "conversion", "data": {"goalId": "1"}}],
                    }
                ]
            },
            "visitors[0].segments.devices",
        ),
        (
            {
                "visitors": [
                    {
                        "visitorId": "a",
                        "events": [
                            {
                                "eventType": "conversion",
                                "data": {
                                    "goalId": "1",
                                    "goalData": [{"key": "customDimension1", "value": ["x" * 33]}],
                                },
                            }
                        ],
                    }
                ]
            },
            "visitors[0].events[0].data.goalData[0].value",
        ),
        (
            {
                "enrichData": "yes",
                "visitors": [{"visitorId": "a", "events": [{"eventType": "x", "data": {}}]}],
            },
            "enrichData",
        ),
    ],
)
def test_stand_in_schema(body, field) -> None:
    assert field in validate_body(body)
