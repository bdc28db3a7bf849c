"""Consent bound to the consent platform, in headless Chromium, for each built-in adapter.

Each platform's stand-in (tests/cmp_standins.js) follows its documented browser API, keeps
its record in storage of its own and loads after the page's head scripts. Judged on
outcomes: nothing identifies, posts or is stored before the platform reports consent on a
page; our state never outlives the platform's record (an expired record deletes our cookies
and the server forgets the visitor); a later consent never reuses a withdrawn id; and a
withdrawal wins over a listener post still in flight, whose answer sets the id cookie again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache

from django_convert.models import Visitor
from tests import pages
from tests.browser import CHROMIUM, HAVE_CHROMIUM, VISITOR_USER_AGENT, launch_chromium
from tests.servers import django_server
from tests.test_browser_identity import wait_until

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not HAVE_CHROMIUM, reason=f"no Chromium at {CHROMIUM}"),
]
STANDIN = (
    "/pages/convert-standin.js?account={account_id}&project={project_id}&numeric=1&cookies=all"
)
CONTEXT_PATH = "/convert/context/"
# (stand-in, CONSENT["PLATFORM"]): Usercentrics in both of its browser APIs.
PLATFORMS = [
    ("cookiebot", "cookiebot"),
    ("onetrust", "onetrust"),
    ("usercentrics-v2", "usercentrics"),
    ("usercentrics-v3", "usercentrics"),
    ("didomi", "didomi"),
    ("tcf", "tcf"),
    ("gcm", "gcm"),
]
THE_PLATFORMS = "cmp_record"  # the stand-ins' own record


@pytest.fixture(scope="module")
def chromium(django_db_setup: None, django_db_blocker: Any) -> Iterator[Any]:
    with launch_chromium() as browser:
        yield browser


@pytest.fixture
def server() -> Iterator[str]:
    """Django with a middleware that can hold the ingest's answer after it stored the post."""
    pages.SLOW_INGEST["seconds"] = 0.0
    with django_server(["tests.pages.SlowIngestMiddleware", *settings.MIDDLEWARE]) as base:
        yield base
    pages.SLOW_INGEST["seconds"] = 0.0


class Visit:
    """One browser profile on the consent page, with the ingest requests it made."""

    def __init__(self, chromium: Any, base: str, standin: str) -> None:
        self.context = chromium.new_context(base_url=base, user_agent=VISITOR_USER_AGENT)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.path = f"/pages/cmp/{standin}/"
        self.answers: list[tuple[str, str, int]] = []  # (method, visitorId, status)
        self.page.on("response", self._answer)

    def _answer(self, response: Any) -> None:
        request = response.request
        if request.url.endswith(CONTEXT_PATH):
            body = json.loads(request.post_data or "{}")
            self.answers.append((request.method, body.get("visitorId"), response.status))

    def load(self) -> dict[str, Any]:
        self.page.goto(self.path)
        self.page.wait_for_function("window.cmp.loaded && window.__convertStandin")
        self.page.wait_for_timeout(250)  # what the platform's report sets off
        return self.standin()

    def standin(self) -> dict[str, Any]:
        state: dict[str, Any] = self.page.evaluate("window.__convertStandin")
        return state

    def cookies(self) -> dict[str, Any]:
        return {c["name"]: c for c in self.context.cookies()}

    def ours_and_converts(self) -> list[str]:
        """Names of the cookies of django-convert and Convert's script (not the platform's)."""
        return sorted(name for name in self.cookies() if name != THE_PLATFORMS)

    def visitor_id(self) -> str | None:
        cookie = self.cookies().get("convert_vid")
        return cookie["value"] if cookie else None

    def posts(self) -> list[tuple[str, str, int]]:
        return [answer for answer in self.answers if answer[0] == "POST"]


@pytest.mark.parametrize(("standin", "platform"), PLATFORMS, ids=[p[0] for p in PLATFORMS])
def test_consent_follows_the_platform(chromium, server, convert_settings, standin, platform):
    convert_settings(
        SCRIPT_URL=STANDIN,
        CONSENT={"REQUIRED": True, "PLATFORM": platform, "RUN_EXPERIENCES": False},
    )
    cache.clear()  # the ingest throttle's counts
    visit = Visit(chromium, server, standin)
    try:
        # First visit: the platform has no record and shows its banner. Nothing identifies,
        # nothing is posted or stored, and no cookie of ours or Convert's is set.
        state = visit.load()
        assert state["log"][0] == "consentRequired:false"
        assert state["identifiedAs"] is None
        assert state["bucketedAs"] is None
        assert visit.ours_and_converts() == []
        assert visit.answers == []
        assert not Visitor.objects.exists()

        # The visitor accepts: identified before Convert buckets, posted and stored.
        visit.page.evaluate("window.cmp.accept()")
        wait_until(visit.page, lambda: visit.posts())
        first = visit.visitor_id()
        state = visit.standin()
        assert (state["identifiedAs"], state["bucketedAs"]) == (first, first)
        assert state["log"].index(f"identify:{first}") < state["log"].index(f"bucket:{first}")
        assert visit.posts() == [("POST", first, 204)]
        assert Visitor.objects.get(visitor_id=first).bucketing_data()
        assert visit.cookies()["convert_consent"]["expires"] == -1  # a session cookie

        # The next page: the platform reports from its record; until then nothing
        # identifies (consentRequired first); then the visitor keeps their id.
        state = visit.load()
        assert state["log"][0] == "consentRequired:false"
        assert (state["identifiedAs"], state["bucketedAs"]) == (first, first)

        # The platform's record expires (Safari deletes script-written storage after 7
        # days; or its lifetime ends): it shows its banner again. Nothing identifies or
        # posts, our state does not outlive its record, and the server forgets the id.
        visit.context.clear_cookies(name=THE_PLATFORMS)
        posts = len(visit.posts())
        state = visit.load()
        assert state["identifiedAs"] is None
        assert state["bucketedAs"] is None
        assert len(visit.posts()) == posts
        if platform == "gcm":
            # Consent Mode keeps no record and says nothing until the platform's update: the
            # id cookie stays, unused, until an update says "denied" (docs/identity.rst).
            assert visit.visitor_id() == first
        else:
            wait_until(visit.page, lambda: ("DELETE", first, 204) in visit.answers)
            assert visit.ours_and_converts() == []
            assert not Visitor.objects.filter(visitor_id=first).exists()

        # Consent again: a new id, never the one consent lapsed for (with Consent Mode the
        # unused id is kept: nothing said its consent lapsed).
        visit.page.evaluate("window.cmp.accept()")
        if platform == "gcm":
            wait_until(visit.page, lambda: visit.standin()["identifiedAs"] == first)
        else:
            wait_until(visit.page, lambda: len(visit.posts()) > posts)
        second = visit.visitor_id()
        assert second
        assert (second == first) == (platform == "gcm")
        assert visit.standin()["identifiedAs"] == second
        assert Visitor.objects.get(visitor_id=second).bucketing_data()

        # Withdrawal while a post is in flight: the server stored it and its answer (which
        # sets the id cookie and its key again) is late. Withdrawal wins: nothing is left.
        pages.SLOW_INGEST["seconds"] = 1.0
        convert_settings(
            SCRIPT_URL=STANDIN + "&bucketing=100127238:1001186427,100200300:100400500",
            CONSENT={"REQUIRED": True, "PLATFORM": platform, "RUN_EXPERIENCES": False},
        )
        visit.page.goto(visit.path)
        wait_until(
            visit.page,
            lambda: "100200300" in Visitor.objects.get(visitor_id=second).bucketing_data(),
        )
        visit.page.evaluate("window.cmp.decline()")
        wait_until(visit.page, lambda: ("DELETE", second, 204) in visit.answers, timeout=15)
        visit.page.wait_for_timeout(300)
        assert visit.ours_and_converts() == []
        assert not Visitor.objects.filter(visitor_id=second).exists()
        visit.page.evaluate("location.reload()")
        visit.page.wait_for_function("window.cmp && window.cmp.loaded")
        visit.page.wait_for_timeout(400)
        assert visit.standin()["identifiedAs"] is None
        assert visit.ours_and_converts() == []
    finally:
        visit.context.close()
