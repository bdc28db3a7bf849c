"""The analytics stand-ins refuse, drop or flag what each vendor documents it would: each
rule has a test that sends a request breaking it (a stand-in that accepts anything is
worthless), next to one that keeps a valid request."""

from __future__ import annotations

import gzip
import json
import time
from typing import Any

import pytest
import requests

from django_convert.testing.analytics_servers import GA4StandIn, MixpanelStandIn, SegmentStandIn

NOW = int(time.time())


# GA4 ----------------------------------------------------------------------------------------
def ga4_body(**changes: Any) -> dict[str, Any]:
    event = {
        "name": "experience_impression",
        "params": {"exp_variant_string": "CONVERT-100-200", "engagement_time_msec": 1},
    }
    return {"client_id": "123.456", "user_id": "visitor-1", "events": [event], **changes}


def ga4_post(
    server: GA4StandIn, body: Any, *, debug: bool = False, **query: str
) -> requests.Response:
    url = server.debug_url if debug else server.url
    params = {"measurement_id": "G-TEST", "api_secret": "s3cret", **query}
    return requests.post(url, params=params, data=json.dumps(body), timeout=5)


def ga4_codes(server: GA4StandIn, body: Any) -> list[str]:
    answer = ga4_post(server, body, debug=True)
    assert answer.status_code == 200
    return [m["validationCode"] for m in answer.json()["validationMessages"]]


def test_ga4_keeps_a_valid_event_and_answers_204(ga4_standin: GA4StandIn) -> None:
    answer = ga4_post(ga4_standin, ga4_body())
    assert answer.status_code == 204
    assert answer.content == b""
    [event] = ga4_standin.events()
    assert event["client_id"] == "123.456"
    assert event["name"] == "experience_impression"
    assert ga4_standin.invalid() == []
    assert ga4_codes(ga4_standin, ga4_body()) == []


def event_with(**changes: Any) -> dict[str, Any]:
    event: dict[str, Any] = {"name": "experience_impression", "params": {"a": "b"}}
    event.update(changes)
    return event


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"events": [event_with()]}, "VALUE_REQUIRED"),  # no client_id (web)
        (ga4_body(user_id="u" * 257), "VALUE_OUT_OF_BOUNDS"),
        (ga4_body(events=[event_with()] * 26), "EXCEEDED_MAX_ENTITIES"),
        (
            ga4_body(events=[event_with(params={f"p{i}": 1 for i in range(26)})]),
            "EXCEEDED_MAX_ENTITIES",
        ),
        (ga4_body(events=[event_with(name="e" * 41)]), "NAME_INVALID"),
        (ga4_body(events=[event_with(name="1starts_with_digit")]), "NAME_INVALID"),
        (ga4_body(events=[event_with(name="has-dash")]), "NAME_INVALID"),
        (ga4_body(events=[event_with(params={"p" * 41: "x"})]), "NAME_INVALID"),
        (ga4_body(events=[event_with(params={"x": "v" * 101})]), "VALUE_OUT_OF_BOUNDS"),
        (ga4_body(events=[event_with(name="session_start")]), "NAME_RESERVED"),
        (ga4_body(events=[event_with(params={"ga_thing": "x"})]), "NAME_RESERVED"),
        (ga4_body(events=[event_with(params={"firebase_conversion": 1})]), "NAME_RESERVED"),
        (ga4_body(timestamp_micros=(NOW - 73 * 3600) * 1_000_000), "VALUE_OUT_OF_BOUNDS"),
        (ga4_body(events=[]), "VALUE_REQUIRED"),
        (ga4_body(client="typo"), "NAME_INVALID"),
        ([ga4_body()], "VALUE_INVALID"),
    ],
)
def test_ga4_flags_each_documented_rule(ga4_standin: GA4StandIn, body: Any, code: str) -> None:
    assert code in ga4_codes(ga4_standin, body)
    # Production answers 2xx all the same, keeps nothing, and the test can see why.
    assert ga4_post(ga4_standin, body).status_code == 204
    assert ga4_standin.events() == []
    [invalid] = ga4_standin.invalid()
    assert any(f"({code})" in problem for problem in invalid.problems)


def test_ga4_limits_are_inclusive(ga4_standin: GA4StandIn) -> None:
    params = {f"p{i}": "v" * 100 for i in range(25)}
    body = ga4_body(
        user_id="u" * 256,
        timestamp_micros=(int(time.time()) - 71 * 3600) * 1_000_000,
        events=[event_with(name="e" * 40, params=params)] * 25,
    )
    assert ga4_codes(ga4_standin, body) == []


def test_ga4_body_must_be_under_130_kb(ga4_standin: GA4StandIn) -> None:
    body = ga4_body(events=[event_with(params={f"p{i}": "v" * 100 for i in range(25)})] * 25)
    body["user_id"] = "u"
    padding = 130_000 - len(json.dumps(body))
    body["ip_override"] = "x" * padding
    assert "VALUE_OUT_OF_BOUNDS" in ga4_codes(ga4_standin, body)


def test_ga4_checks_credentials_silently(ga4_standin: GA4StandIn) -> None:
    strict = GA4StandIn(measurement_id="G-TEST", api_secret="right").start()
    try:
        assert ga4_post(strict, ga4_body(), api_secret="wrong").status_code == 204
        assert ga4_post(strict, ga4_body(), measurement_id="").status_code == 204
        assert strict.events() == []
        assert len(strict.invalid()) == 2
        # The validation server does not check api_secret (validating-events).
        assert ga4_post(strict, ga4_body(), debug=True, api_secret="wrong").json() == {
            "validationMessages": []
        }
    finally:
        strict.stop()


def test_ga4_does_not_deduplicate(ga4_standin: GA4StandIn) -> None:
    ga4_post(ga4_standin, ga4_body())
    ga4_post(ga4_standin, ga4_body())
    assert len(ga4_standin.events()) == 2


# Segment ------------------------------------------------------------------------------------
def track(**changes: Any) -> dict[str, Any]:
    message = {
        "type": "track",
        "event": "Experiment Viewed",
        "userId": "visitor-1",
        "messageId": "convert-1",
        "properties": {"experiment_id": "100", "variation_id": "200"},
    }
    message.update(changes)
    return {k: v for k, v in message.items() if v is not None}


def segment_post(
    server: SegmentStandIn, batch: Any, key: str = "wk", **kw: Any
) -> requests.Response:
    data = json.dumps({"batch": batch} if isinstance(batch, list) else batch)
    headers = {"Content-Type": "application/json", **kw.pop("headers", {})}
    return requests.post(server.url, data=data, auth=(key, ""), headers=headers, timeout=5)


def test_segment_accepts_a_batch(segment_standin: SegmentStandIn) -> None:
    answer = segment_post(segment_standin, [track(), track(messageId="convert-2")])
    assert answer.status_code == 200
    assert answer.json() == {"success": True}
    assert [m["messageId"] for m in segment_standin.events()] == ["convert-1", "convert-2"]
    assert segment_standin.dropped() == []


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        (track(userId=None), "no userId or anonymousId"),
        (track(event=None), "track without event"),
        (track(type="bogus"), "type must be"),
        (track(messageId="m" * 100), "messageId must be"),
    ],
)
def test_segment_answers_200_but_drops(
    segment_standin: SegmentStandIn, message: dict[str, Any], reason: str
) -> None:
    assert segment_post(segment_standin, [message]).json() == {"success": True}
    assert segment_standin.events() == []
    [dropped] = segment_standin.dropped()
    assert dropped.reason.startswith(reason)


def test_segment_anonymous_id_is_enough(segment_standin: SegmentStandIn) -> None:
    segment_post(segment_standin, [track(userId=None, anonymousId="ajs-1")])
    assert len(segment_standin.events()) == 1


def test_segment_deduplicates_on_message_id(segment_standin: SegmentStandIn) -> None:
    segment_post(segment_standin, [track()])
    segment_post(segment_standin, [track()])
    assert len(segment_standin.events()) == 1
    assert [d.reason for d in segment_standin.dropped()] == ["duplicate messageId"]


def test_segment_size_limits_answer_400(segment_standin: SegmentStandIn) -> None:
    big = track(properties={"x": "v" * (32 * 1024)})
    assert segment_post(segment_standin, [big]).status_code == 400
    under = track(properties={"x": "v" * (30 * 1024)})
    many = [dict(under, messageId=f"m{i}") for i in range(17)]  # ~510 KB
    assert segment_post(segment_standin, many).status_code == 400
    assert segment_post(segment_standin, many[:15]).status_code == 200
    assert len(segment_standin.events()) == 15


def test_segment_refuses_non_json(segment_standin: SegmentStandIn) -> None:
    assert (
        segment_post(segment_standin, [track()], headers={"Content-Type": "text/plain"}).status_code
        == 400
    )
    answer = requests.post(
        segment_standin.url,
        data=b"{",
        auth=("wk", ""),
        headers={"Content-Type": "application/json"},
        timeout=5,
    )
    assert answer.status_code == 400
    assert segment_standin.events() == []


def test_segment_write_key() -> None:
    with SegmentStandIn(write_key="right") as server:
        segment_post(server, [track()], key="wrong")
        assert server.events() == []
        assert server.dropped()[0].reason == "unknown write key"
        segment_post(server, [track(messageId="x2")], key="right")
        assert len(server.events()) == 1


def test_segment_rate_limit_knob(segment_standin: SegmentStandIn) -> None:
    segment_standin.rate_limit("7")
    answer = segment_post(segment_standin, [track()])
    assert answer.status_code == 429
    assert answer.headers["Retry-After"] == "7"
    assert segment_standin.events() == []
    assert segment_post(segment_standin, [track()]).status_code == 200  # consumed


# Mixpanel -----------------------------------------------------------------------------------
def mp_event(**props: Any) -> dict[str, Any]:
    properties = {
        "time": NOW,
        "distinct_id": "visitor-1",
        "$insert_id": "convert-100-200-abc",
        "Experiment name": "Hero",
        "Variant name": "B",
    }
    properties.update(props)
    return {
        "event": "$experiment_started",
        "properties": {k: v for k, v in properties.items() if v is not None},
    }


def mp_post(
    server: MixpanelStandIn,
    events: Any,
    auth: tuple[str, str] = ("token", ""),
    strict: bool = True,
    **kw: Any,
) -> requests.Response:
    params = {"strict": "1"} if strict else {}
    params.update(kw.pop("params", {}))
    kw.setdefault("timeout", 5)
    return requests.post(server.url, params=params, json=events, auth=auth, **kw)


def test_mixpanel_imports_valid_events(mixpanel_standin: MixpanelStandIn) -> None:
    answer = mp_post(mixpanel_standin, [mp_event(), mp_event(**{"$insert_id": "other"})])
    assert answer.status_code == 200
    assert answer.json() == {"code": 200, "num_records_imported": 2, "status": "OK"}
    assert len(mixpanel_standin.events()) == 2


@pytest.mark.parametrize(
    ("props", "field"),
    [
        ({"time": None}, "properties.time"),
        ({"time": "2026-01-01"}, "properties.time"),
        ({"time": "an hour and 100 s ahead"}, "properties.time"),  # set at run time
        ({"time": 1000}, "properties.time"),
        ({"distinct_id": None}, "properties.distinct_id"),
        ({"distinct_id": "undefined"}, "properties.distinct_id"),
        ({"$insert_id": None}, "properties.$insert_id"),
        ({"$insert_id": "i" * 37}, "properties.$insert_id"),
        ({"$insert_id": "has_underscore"}, "properties.$insert_id"),
    ],
)
def test_mixpanel_strict_mode_refuses_and_imports_the_rest(
    mixpanel_standin: MixpanelStandIn, props: dict[str, Any], field: str
) -> None:
    if props.get("time") == "an hour and 100 s ahead":
        props = {"time": int(time.time()) + 3700}  # NOW would age while the suite runs
    answer = mp_post(mixpanel_standin, [mp_event(), mp_event(**{"$insert_id": "bad-one", **props})])
    assert answer.status_code == 400
    body = answer.json()
    assert body["num_records_imported"] == 1
    assert body["code"] == 400
    [failed] = body["failed_records"]
    assert failed["index"] == 1
    assert failed["field"] == field
    assert failed["message"]
    assert len(mixpanel_standin.events()) == 1


def test_mixpanel_milliseconds_and_limits(mixpanel_standin: MixpanelStandIn) -> None:
    ok = [mp_event(time=NOW * 1000, **{"$insert_id": "i" * 36}), mp_event(time=NOW + 3500)]
    assert mp_post(mixpanel_standin, ok).status_code == 200
    missing_event = {"properties": mp_event()["properties"]}
    assert (
        mp_post(mixpanel_standin, [missing_event]).json()["failed_records"][0]["field"] == "event"
    )


def test_mixpanel_without_strict_drops_silently(mixpanel_standin: MixpanelStandIn) -> None:
    answer = mp_post(mixpanel_standin, [mp_event(distinct_id=None)], strict=False)
    assert answer.status_code == 200
    assert answer.json()["num_records_imported"] == 0
    assert mixpanel_standin.events() == []
    assert len(mixpanel_standin.failed()) == 1


def test_mixpanel_at_most_2000_events(mixpanel_standin: MixpanelStandIn) -> None:
    events = [mp_event(**{"$insert_id": f"id-{i}"}) for i in range(2001)]
    assert mp_post(mixpanel_standin, events).status_code == 400
    assert mixpanel_standin.events() == []
    assert mp_post(mixpanel_standin, events[:2000]).status_code == 200


def test_mixpanel_deduplicates(mixpanel_standin: MixpanelStandIn) -> None:
    mp_post(mixpanel_standin, [mp_event()])
    assert mp_post(mixpanel_standin, [mp_event()]).json()["num_records_imported"] == 1
    assert len(mixpanel_standin.events()) == 1
    assert len(mixpanel_standin.duplicates) == 1
    mp_post(mixpanel_standin, [mp_event(time=NOW - 1)])  # another time: another event
    assert len(mixpanel_standin.events()) == 2


def test_mixpanel_ndjson_and_gzip(mixpanel_standin: MixpanelStandIn) -> None:
    lines = "\n".join(json.dumps(mp_event(**{"$insert_id": f"n{i}"})) for i in range(3))
    answer = requests.post(
        mixpanel_standin.url,
        params={"strict": "1"},
        data=gzip.compress(lines.encode()),
        headers={"Content-Type": "application/x-ndjson", "Content-Encoding": "gzip"},
        auth=("token", ""),
        timeout=5,
    )
    assert answer.json()["num_records_imported"] == 3


def test_mixpanel_credentials() -> None:
    with MixpanelStandIn(
        project_token="tok", service_account=("sa", "pw"), project_id="42"
    ) as server:
        assert mp_post(server, [mp_event()], auth=("other", "")).status_code == 401
        assert mp_post(server, [mp_event()], auth=("sa", "pw")).status_code == 401  # no project_id
        assert (
            mp_post(
                server, [mp_event()], auth=("sa", "pw"), params={"project_id": "42"}
            ).status_code
            == 200
        )
        assert mp_post(server, [mp_event(time=NOW - 5)], auth=("tok", "")).status_code == 200
        assert requests.post(server.url, json=[mp_event()], timeout=5).status_code == 401
        assert len(server.events()) == 2


@pytest.mark.parametrize("status", [429, 502, 503])
def test_mixpanel_fault_knobs(mixpanel_standin: MixpanelStandIn, status: int) -> None:
    mixpanel_standin.fail(status, retry_after="2")
    answer = mp_post(mixpanel_standin, [mp_event()])
    assert answer.status_code == status
    assert answer.headers["Retry-After"] == "2"
    assert mixpanel_standin.events() == []
    assert mixpanel_standin.received[0].fault
    assert mp_post(mixpanel_standin, [mp_event()]).status_code == 200


def test_status_sequence_latency_and_reset(mixpanel_standin: MixpanelStandIn) -> None:
    mixpanel_standin.statuses(503, 200, 502)
    assert [mp_post(mixpanel_standin, [mp_event()]).status_code for _ in range(4)] == [
        503,
        200,
        502,
        200,
    ]
    mixpanel_standin.slow(0.5)
    with pytest.raises(requests.Timeout):
        mp_post(mixpanel_standin, [mp_event(time=NOW - 9)], timeout=0.2)
    mixpanel_standin.reset()
    with pytest.raises(requests.ConnectionError):
        mp_post(mixpanel_standin, [mp_event(time=NOW - 8)])
    mixpanel_standin.latency = 0.3
    started = time.monotonic()
    mp_post(mixpanel_standin, [mp_event(time=NOW - 7)])
    assert time.monotonic() - started >= 0.3


def test_the_stand_ins_run_standalone() -> None:
    """``python -m django_convert.testing.analytics_servers``: URLs first, then a line per
    answered request naming its problems."""
    import subprocess
    import sys

    process = subprocess.Popen(
        [sys.executable, "-m", "django_convert.testing.analytics_servers"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        urls = dict(process.stdout.readline().split(" listening on ") for _ in range(3))
        urls = {name: url.strip() for name, url in urls.items()}
        assert set(urls) == {"ga4", "segment", "mixpanel"}
        answer = requests.post(
            urls["segment"],
            json={"batch": [track(userId=None)]},
            auth=("wk", ""),
            timeout=5,
        )
        assert answer.json() == {"success": True}
        line = process.stdout.readline()
        assert line.startswith("segment 200 /v1/batch: ")
        assert "no userId or anonymousId" in line
    finally:
        process.terminate()
        process.wait(10)
