"""End to end in headless Chromium (issue 22): a page view with the snippet and Convert's
stand-in script, the listener's post carrying each analytics tool's own browser id (read
from the cookies GA4's, Segment's and Mixpanel's own scripts leave), ``convert_deliver``,
and each strict stand-in (django_convert.testing.analytics_servers) receiving exactly one
impression per visitor and experience, in its own format, with those ids passed through.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.core.management import call_command

from django_convert.models import ForwardedEvent
from django_convert.testing import capture_forwarded
from tests import pages
from tests.browser import CHROMIUM, HAVE_CHROMIUM, VISITOR_USER_AGENT, launch_chromium
from tests.test_browser import STANDIN, Device

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not HAVE_CHROMIUM, reason=f"no Chromium at {CHROMIUM}"),
]
MP_TOKEN = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
FORWARD = {
    "ga4": {"MEASUREMENT_ID": "G-E2E0001", "API_SECRET": "e2e-ga4-secret"},
    "segment": {"WRITE_KEY": "e2e-segment-key"},
    "mixpanel": {"PROJECT_TOKEN": MP_TOKEN},
}
TWO = "100127238:1001186427,100200300:100400500"
ONE = "100127238:1001186428"


@pytest.fixture(scope="module")
def chromium(django_db_setup: None, django_db_blocker: Any) -> Iterator[Any]:
    with launch_chromium() as browser:
        yield browser


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    cache.clear()
    pages.RENDERED.clear()
    yield
    cache.clear()


def analytics_cookies(base_url: str, n: int) -> list[dict[str, str]]:
    """The cookies gtag.js, analytics.js and mixpanel-js leave, in their own formats."""
    mixpanel = {
        "distinct_id": f"$device:dev-{n}",
        "$device_id": f"dev-{n}",
        "$initial_referrer": "$direct",
    }
    return [
        {"name": "_ga", "value": f"GA1.1.{n}00000000.1765000000", "url": base_url},
        {"name": "ajs_anonymous_id", "value": quote(json.dumps(f"ajs-anon-{n}")), "url": base_url},
        {"name": f"mp_{MP_TOKEN}_mixpanel", "value": quote(json.dumps(mixpanel)), "url": base_url},
    ]


def test_each_destination_receives_one_impression_per_visitor_and_experience(
    chromium: Any, live_server: Any, convert_settings: Any
) -> None:
    devices: list[Device] = []

    def visit(
        bucketing: str, cookies: list[dict[str, str]] | None, views: int = 2
    ) -> tuple[str, Device]:
        convert_settings(SCRIPT_URL=f"{STANDIN}&bucketing={bucketing}&numeric=1")
        device = Device(chromium, live_server.url, VISITOR_USER_AGENT)
        devices.append(device)
        if cookies:
            device.context.add_cookies(cookies)
        device.view(expect_post=True)
        for _ in range(views - 1):  # seen again: no new post, nothing forwarded twice
            device.view(expect_post=False)
        visitor_id = device.cookie()
        assert visitor_id
        assert device.problems == []
        return visitor_id, device

    try:
        with capture_forwarded(forward=FORWARD) as capture:
            # Visitor 1: the three tools' scripts ran before (their cookies are there),
            # bucketed into two experiences. Visitor 2: no analytics cookies, one experience.
            first, one = visit(TWO, analytics_cookies(live_server.url, 1))
            second, two = visit(ONE, None)
            [post] = one.posts
            assert post.post_data_json["destinationIds"] == {
                "ga4": "100000000.1765000000",
                "segment": "ajs-anon-1",
                "mixpanel": "dev-1",
            }
            assert "destinationIds" not in two.posts[0].post_data_json
            assert capture.events() == {
                "ga4": [],
                "segment": [],
                "mixpanel": [],
            }  # not in the request

            call_command("convert_deliver")
            call_command("convert_deliver")  # nothing left: nothing is sent twice
            # Visitor 2 posted no browser ids: its impressions wait BROWSER_ID_WAIT for a
            # next page that could bring them; capture.deliver() ends the wait.
            held = ForwardedEvent.objects.exclude(status="sent")
            assert sorted(held.values_list("visitor_id", "status")) == [(second, "pending")] * 3
            sent = capture.deliver()
            assert capture.problems() == {}
    finally:
        for device in devices:
            device.close()

    browser_ids = {"ga4": "100000000.1765000000", "segment": "ajs-anon-1", "mixpanel": "dev-1"}
    for name in ("ga4", "segment", "mixpanel"):
        got = sorted(
            (i.visitor_id, i.experience_id, i.variation_id, i.browser_id) for i in sent[name]
        )
        assert got == sorted(
            [
                (first, "100127238", "1001186427", browser_ids[name]),
                (first, "100200300", "100400500", browser_ids[name]),
                (second, "100127238", "1001186428", None),
            ]
        ), name
    # Each in its tool's own format (the stand-ins validated the rest).
    ga4 = {
        e["user_id"]: e for e in capture.ga4.events() if e["params"]["variation_id"] == "1001186428"
    }
    assert ga4[second]["name"] == "experience_impression"
    assert ga4[second]["params"]["exp_variant_string"] == "CONVERT-100127238-1001186428"
    assert ga4[second]["client_id"] == second  # no _ga cookie: the visitor id stands in
    segment = capture.segment.events()[0]
    assert segment["type"] == "track"
    assert segment["event"] == "Experiment Viewed"
    assert set(segment["properties"]) >= {
        "experiment_id",
        "experiment_name",
        "variation_id",
        "variation_name",
    }
    mixpanel = capture.mixpanel.events()[0]
    assert mixpanel["event"] == "$experiment_started"
    assert set(mixpanel["properties"]) >= {"Experiment name", "Variant name", "$insert_id", "time"}
    assert all(r.query.get("strict") == "1" for r in capture.mixpanel.received)


def test_the_next_page_brings_the_ids_the_first_page_lacked(
    chromium: Any, live_server: Any, convert_settings: Any
) -> None:
    """The tools' scripts write their cookies after the listener's first post: the next page
    posts them (its body differs), the held impressions adopt them, and ``convert_deliver``
    sends each one once, joined to the browser's own id."""
    convert_settings(SCRIPT_URL=f"{STANDIN}&bucketing={ONE}&numeric=1")
    device = Device(chromium, live_server.url, VISITOR_USER_AGENT)
    try:
        with capture_forwarded(forward=FORWARD) as capture:
            device.view(expect_post=True)  # first page: no analytics cookie yet
            assert "destinationIds" not in device.posts[0].post_data_json
            call_command("convert_deliver")
            assert capture.events() == {"ga4": [], "segment": [], "mixpanel": []}  # held
            device.context.add_cookies(analytics_cookies(live_server.url, 7))
            device.view(expect_post=True)  # next page: the ids are there, so it posts
            assert (
                device.posts[-1].post_data_json["destinationIds"]["ga4"] == "700000000.1765000000"
            )
            call_command("convert_deliver")  # due at once now: no wait to end
            call_command("convert_deliver")
            sent = capture.sent
            assert capture.problems() == {}
        visitor_id = device.cookie()
    finally:
        device.close()
    expected = {"ga4": "700000000.1765000000", "segment": "ajs-anon-7", "mixpanel": "dev-7"}
    for name, browser_id in expected.items():
        assert [(i.visitor_id, i.browser_id) for i in sent[name]] == [(visitor_id, browser_id)]
    [event] = capture.ga4.events()
    assert (event["client_id"], event["user_id"]) == ("700000000.1765000000", visitor_id)
