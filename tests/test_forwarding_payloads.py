"""Each destination's payload against the vendor's documented limits (no database): the
stand-ins' own validators (django_convert.testing) judge what the builders make."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from django_convert.forwarding import ga4, mixpanel, segment
from django_convert.forwarding.wire import PARTIAL, REJECTED, RETRY, SENT, pack
from django_convert.testing.ga4_server import validation_messages
from django_convert.testing.mixpanel_server import event_problem

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
GA4 = {"MEASUREMENT_ID": "G-TEST123", "API_SECRET": "s3cret"}


def event(n: int = 0, **changes: Any) -> dict[str, Any]:
    base = {
        "kind": "impression",
        "message_id": f"00000000-0000-4000-8000-{n:012d}",
        "visitor_id": f"visitor-{n % 7}",
        "destination_id": "",
        "experience_id": "100127238",
        "experience_name": "Homepage hero",
        "variation_id": "1001186427",
        "variation_name": "Variation 1",
        "goal_id": "",
        "goal_name": "",
        "amount": None,
        "currency": "",
        "occurred_at": NOW - timedelta(minutes=5),
    }
    return {**base, **changes}


def bodies(requests: list[Any]) -> list[Any]:
    return [json.loads(r.body) for r in requests]


# GA4 ---------------------------------------------------------------------------------


def test_ga4_impression_follows_the_experience_impression_convention() -> None:
    requests, invalid = ga4.prepare(
        [event(destination_id="123.456")], url="https://x/mp/collect", credentials=GA4, now=NOW
    )
    assert invalid == {}
    [body] = bodies(requests)
    assert body["client_id"] == "123.456"
    assert body["user_id"] == "visitor-0"
    assert body["events"] == [
        {
            "name": "experience_impression",
            "params": {
                "exp_variant_string": "CONVERT-100127238-1001186427",
                "experience_id": "100127238",
                "experience_name": "Homepage hero",
                "variation_id": "1001186427",
                "variation_name": "Variation 1",
            },
        }
    ]
    assert requests[0].url == "https://x/mp/collect?measurement_id=G-TEST123&api_secret=s3cret"
    micros = int((NOW - timedelta(minutes=5)).timestamp() * 1_000_000)
    assert body["timestamp_micros"] == micros
    assert validation_messages(body, len(requests[0].body), now=NOW.timestamp()) == []


def test_ga4_client_id_falls_back_to_the_visitor_id() -> None:
    [body] = bodies(ga4.prepare([event()], url="u", credentials=GA4, now=NOW)[0])
    assert body["client_id"] == body["user_id"] == "visitor-0"


def test_ga4_at_most_25_events_per_request_one_client_per_request() -> None:
    events = [event(i, visitor_id="same", experience_id=str(1000 + i)) for i in range(60)]
    events += [event(100, visitor_id="other")]
    requests, _ = ga4.prepare(events, url="u", credentials=GA4, now=NOW)
    sizes = [len(r.rows) for r in requests]
    assert sizes == [25, 25, 10, 1]
    assert sorted(i for r in requests for i in r.rows) == list(range(61))
    for request in requests:
        body = json.loads(request.body)
        assert validation_messages(body, len(request.body), now=NOW.timestamp()) == []
        assert len({body["user_id"]}) == 1


def test_ga4_long_names_are_cut_to_100_characters() -> None:
    [body] = bodies(
        ga4.prepare([event(experience_name="x" * 300)], url="u", credentials=GA4, now=NOW)[0]
    )
    assert body["events"][0]["params"]["experience_name"] == "x" * 100


def test_ga4_events_older_than_72_hours_are_refused_before_sending() -> None:
    old = event(occurred_at=NOW - timedelta(hours=73))
    requests, invalid = ga4.prepare([old, event(1)], url="u", credentials=GA4, now=NOW)
    assert list(invalid) == [0]
    assert "72 hours" in invalid[0]
    assert [r.rows for r in requests] == [(1,)]


def test_ga4_conversion_carries_value_and_currency() -> None:
    conversion = event(kind="conversion", goal_id="100", goal_name="Purchase",
                       amount=Decimal("12.50"), currency="EUR")  # fmt: skip
    [body] = bodies(ga4.prepare([conversion], url="u", credentials=GA4, now=NOW)[0])
    assert body["events"][0] == {
        "name": "convert_conversion",
        "params": {"goal_id": "100", "goal_name": "Purchase", "value": 12.5, "currency": "EUR"},
    }


def test_ga4_answers() -> None:
    assert ga4.verdict(204, "", None).kind == SENT
    assert ga4.verdict(503, "", None).kind == RETRY
    assert ga4.verdict(429, "", 7.0).retry_after == 7.0
    assert ga4.verdict(403, "", None).kind == REJECTED


# Segment -----------------------------------------------------------------------------


def test_segment_experiment_viewed_spec() -> None:
    requests, invalid = segment.prepare(
        [event(destination_id="ajs-anon-1")], url="u", credentials={"WRITE_KEY": "wk"}, now=NOW
    )
    assert invalid == {}
    [body] = bodies(requests)
    [message] = body["batch"]
    assert message["type"] == "track"
    assert message["event"] == "Experiment Viewed"
    assert message["userId"] == "visitor-0"
    assert message["anonymousId"] == "ajs-anon-1"
    assert message["messageId"] == event()["message_id"]
    assert message["properties"] == {
        "experiment_id": "100127238",
        "experiment_name": "Homepage hero",
        "variation_id": "1001186427",
        "variation_name": "Variation 1",
    }
    assert all(isinstance(v, str) for v in message["properties"].values())
    auth = dict(requests[0].headers)["Authorization"]
    assert base64.b64decode(auth.removeprefix("Basic ")) == b"wk:"


def test_segment_batches_stay_under_500_kb_and_messages_under_32_kb() -> None:
    big = "n" * 20_000  # a long synced name: each message about 20 KB
    events = [event(i, experience_name=big) for i in range(60)]
    requests, invalid = segment.prepare(events, url="u", credentials={"WRITE_KEY": "w"}, now=NOW)
    assert invalid == {}
    assert len(requests) == 3
    assert all(len(r.body) <= 500 * 1024 for r in requests)
    assert sorted(i for r in requests for i in r.rows) == list(range(60))
    too_big = segment.prepare(
        [event(experience_name="n" * 40_000)], url="u", credentials={"WRITE_KEY": "w"}, now=NOW
    )
    assert too_big[0] == []
    assert "32768" in too_big[1][0]


def test_segment_answers() -> None:
    assert segment.verdict(200, '{"success":true}', None).kind == SENT
    refused = segment.verdict(400, "payload too large", None)
    assert refused.kind == REJECTED
    assert refused.split
    assert segment.verdict(429, "", 2.0).kind == RETRY


# Mixpanel ----------------------------------------------------------------------------


def test_mixpanel_experiment_started() -> None:
    requests, invalid = mixpanel.prepare(
        [event(destination_id="device-1")],
        url="https://api.mixpanel.com/import",
        credentials={"PROJECT_TOKEN": "tok", "API_SECRET": ""},
        now=NOW,
    )
    assert invalid == {}
    assert requests[0].url == "https://api.mixpanel.com/import?strict=1"
    [item] = json.loads(requests[0].body)
    assert item["event"] == "$experiment_started"
    props = item["properties"]
    assert props["Experiment name"] == "Homepage hero"
    assert props["Variant name"] == "Variation 1"
    assert props["distinct_id"] == "visitor-0"
    assert props["$device_id"] == "device-1"
    assert props["time"] == int((NOW - timedelta(minutes=5)).timestamp())
    assert props["$insert_id"] == event()["message_id"]
    assert event_problem(item) is None
    auth = dict(requests[0].headers)["Authorization"]
    assert base64.b64decode(auth.removeprefix("Basic ")) == b"tok:"


def test_mixpanel_uses_the_api_secret_when_given() -> None:
    requests, _ = mixpanel.prepare(
        [event()], url="u", credentials={"PROJECT_TOKEN": "tok", "API_SECRET": "sec"}, now=NOW
    )
    auth = dict(requests[0].headers)["Authorization"]
    assert base64.b64decode(auth.removeprefix("Basic ")) == b"sec:"


def test_mixpanel_at_most_2000_events_per_request() -> None:
    events = [event(i) for i in range(4100)]
    requests, _ = mixpanel.prepare(events, url="u", credentials={"PROJECT_TOKEN": "t"}, now=NOW)
    assert [len(r.rows) for r in requests] == [2000, 2000, 100]
    assert all(len(r.body) <= 2 * 1024 * 1024 for r in requests)


@pytest.mark.parametrize(
    ("changes", "word"),
    [
        ({"message_id": "x" * 37}, "$insert_id"),
        ({"message_id": "not valid!"}, "$insert_id"),
        ({"visitor_id": "undefined"}, "distinct_id"),
        ({"occurred_at": NOW + timedelta(hours=2)}, "ahead"),
    ],
)
def test_mixpanel_refuses_what_import_refuses(changes: dict[str, Any], word: str) -> None:
    requests, invalid = mixpanel.prepare(
        [event(**changes)], url="u", credentials={"PROJECT_TOKEN": "t"}, now=NOW
    )
    assert requests == []
    assert word in invalid[0]


def test_mixpanel_partial_success_names_the_failed_positions() -> None:
    answer = json.dumps(
        {
            "code": 400,
            "num_records_imported": 2,
            "failed_records": [{"index": 1, "insert_id": "x", "field": "f", "message": "m"}],
        }
    )
    verdict = mixpanel.verdict(400, answer, None)
    assert verdict.kind == PARTIAL
    assert list(verdict.failed) == [1]
    plain = mixpanel.verdict(400, '{"error": "unable to parse request"}', None)
    assert plain.kind == REJECTED
    assert plain.split
    assert mixpanel.verdict(401, "", None).kind == REJECTED
    assert mixpanel.verdict(502, "", None).kind == RETRY


def test_pack_respects_both_limits() -> None:
    assert pack([10] * 5, max_events=2, max_bytes=1000, overhead=0) == [[0, 1], [2, 3], [4]]
    assert pack([40, 40, 40], max_events=10, max_bytes=90, overhead=5) == [[0, 1], [2]]
