"""Identity at the edges of real browsing, in headless Chromium, judged on outcomes: one id
per browser, Convert told the id the cookie holds, nothing stored for a page nobody saw or a
browser that cannot keep the id, automated browsers ignored unless they opt in.

Two tabs racing, logins through htmx 2, htmx 4, Turbo 8 and a fetch() (the docs' recipe),
prerendering by speculation rules (Chromium without DevTools, which would cancel it), a
background tab, webdriver, cookies blocked. The TLS-proxy case is in test_browser_proxy.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

from django_convert.models import Visitor
from tests import pages
from tests.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    HAVE_CHROMIUM,
    VISITOR_ARGS,
    VISITOR_USER_AGENT,
    launch_chromium,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not HAVE_CHROMIUM, reason=f"no Chromium at {CHROMIUM}"),
]
STANDIN = "/pages/convert-standin.js?account={account_id}&project={project_id}&numeric=1"
CONTEXT_PATH = "/convert/context/"
USERS_ID = "5e7f00d5e7f00d5e7f00d5e7f00d5e7f"


@pytest.fixture(scope="module")
def chromium(django_db_setup: None, django_db_blocker: Any) -> Iterator[Any]:
    with launch_chromium() as browser:
        yield browser


@pytest.fixture(autouse=True)
def standin(convert_settings: Any) -> None:
    convert_settings(SCRIPT_URL=STANDIN)
    cache.clear()  # the ingest throttle's counts
    pages.PURPOSES.clear()


class Tab:
    """A page of a browser context, with the ingest answers it got."""

    def __init__(self, context: Any) -> None:
        self.page = context.new_page()
        self.page.set_default_timeout(15_000)
        self.answers: list[tuple[str, str, int]] = []  # (method, visitorId, status)
        self.page.on("response", self._answer)

    def _answer(self, response: Any) -> None:
        request = response.request
        if request.url.endswith(CONTEXT_PATH):
            body = json.loads(request.post_data or "{}")
            self.answers.append((request.method, body.get("visitorId"), response.status))

    def standin(self) -> dict[str, Any]:
        state: dict[str, Any] = self.page.evaluate("window.__convertStandin")
        return state


def jar_ids(context: Any) -> list[str]:
    return [c["value"] for c in context.cookies() if c["name"] == "convert_vid"]


def wait_until(page: Any, condition: Any, timeout: float = 10.0) -> None:
    """Wait for ``condition()``, letting Playwright deliver its events meanwhile (a plain
    sleep would hold them back)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        page.wait_for_timeout(50)


def test_two_tabs_of_a_first_visit_end_with_one_id(chromium, live_server, convert_settings):
    """Tab A mints an id; tab B, opened at the same moment, did not see A's cookie yet and
    mints another: the last write wins the cookie. (Played deterministically: the jar is
    emptied between A's snippet and B's.) Convert's script reaches A late (a slow CDN), so
    A's Convert buckets under A's id. A then adopts the cookie's id, tells Convert, and
    only that id is posted and stored: one id per browser."""
    context = chromium.new_context(base_url=live_server.url, user_agent=VISITOR_USER_AGENT)
    try:
        a, b = Tab(context), Tab(context)
        convert_settings(SCRIPT_URL=STANDIN + "&delay=2")
        a.page.evaluate(f"location.href = '{live_server.url}/pages/plain/?tab=a'")
        wait_until(a.page, lambda: jar_ids(context))
        [minted_by_a] = jar_ids(context)
        context.clear_cookies()
        convert_settings(SCRIPT_URL=STANDIN)
        b.page.goto("/pages/plain/?tab=b")
        [winner] = jar_ids(context)
        assert winner != minted_by_a
        wait_until(a.page, lambda: a.answers and b.answers)
        a.page.wait_for_timeout(700)  # any late post

        for tab in (a, b):
            state = tab.standin()
            assert state["identifiedAs"] == winner
            assert state["bucketedAs"] == winner
            assert tab.answers == [("POST", winner, 204)]
        log = a.standin()["log"]
        assert log.index(f"bucket:{minted_by_a}") < log.index(f"identify:{winner}")
        assert log.index(f"identify:{winner}") < log.index(f"bucket:{winner}")
        assert jar_ids(context) == [winner]
        assert list(Visitor.objects.values_list("visitor_id", flat=True)) == [winner]
    finally:
        context.close()


def test_two_tabs_opened_at_once_end_with_one_id(chromium, live_server) -> None:
    """The same, unplayed: both pages reach the browser at the same moment (the server holds
    each until the other arrived). Whether or not the tabs race, they end with one id."""
    for trial in range(2):
        context = chromium.new_context(base_url=live_server.url, user_agent=VISITOR_USER_AGENT)
        try:
            tabs = [Tab(context), Tab(context)]
            # Navigate both without waiting for either (distinct URLs: Chromium holds a
            # second request for a URL its cache is still fetching).
            for number, tab in enumerate(tabs):
                url = f"{live_server.url}/pages/together/?trial={trial}&tab={number}"
                tab.page.evaluate(f"location.href = '{url}'")

            # Each tab's last answer a 204 (a refused post is sent again after a second).
            def stored(tabs: list[Tab] = tabs) -> bool:
                return all(t.answers and t.answers[-1][2] == 204 for t in tabs)

            wait_until(tabs[0].page, stored)
            tabs[0].page.wait_for_timeout(700)  # any late post
            [winner] = jar_ids(context)
            for tab in tabs:
                state = tab.standin()
                assert (state["identifiedAs"], state["bucketedAs"]) == (winner, winner)
                # Only the winner is ever posted, and it is stored (a tab whose post met
                # the other tab's first claim is refused once, then sends it again with
                # the id's key that claim brought).
                assert {answer[:2] for answer in tab.answers} == {("POST", winner)}
                assert tab.answers[-1][2] == 204
            assert set(Visitor.objects.values_list("visitor_id", flat=True)) == {winner}
            Visitor.objects.all().delete()
        finally:
            context.close()


@pytest.mark.parametrize("lib", ["htmx2", "htmx4", "turbo", "fetch"])
def test_login_without_a_page_load_reidentifies_convert(chromium, live_server, lib) -> None:
    """A user with an id from another device logs in through hx-boost, Turbo Drive or the
    docs' fetch() recipe: the page is not reloaded, yet Convert is told the user's id, the
    listener's post for it is stored, and the anonymous visit is merged into the user's."""
    user = get_user_model().objects.create_user("ann", password="pw")
    Visitor.objects.create(visitor_id=USERS_ID, user=user)
    context = chromium.new_context(base_url=live_server.url, user_agent=VISITOR_USER_AGENT)
    try:
        tab = Tab(context)
        tab.page.goto(f"/pages/spa/{lib}/")
        wait_until(tab.page, lambda: tab.answers)
        [anonymous] = jar_ids(context)
        assert tab.answers == [("POST", anonymous, 204)]
        tab.page.evaluate("window.sameDocument = true")

        tab.page.click("#log-in")
        wait_until(tab.page, lambda: len(tab.answers) == 2)
        assert tab.page.evaluate("window.sameDocument") is True  # no page load
        assert tab.page.inner_text("#who") == "ann" or lib == "fetch"
        assert jar_ids(context) == [USERS_ID]
        state = tab.standin()
        assert state["identifiedAs"] == USERS_ID
        assert state["bucketedAs"] == USERS_ID
        assert state["log"].index(f"identify:{USERS_ID}") < state["log"].index(f"bucket:{USERS_ID}")
        assert tab.answers[1] == ("POST", USERS_ID, 204)
        [visitor] = Visitor.objects.all()
        assert (visitor.visitor_id, visitor.user) == (USERS_ID, user)
        assert visitor.bucketing_data() == {"100127238": "1001186427"}
    finally:
        context.close()


@contextmanager
def _headless_chromium(url: str) -> Iterator[None]:
    """Chromium with no DevTools attached (a DevTools session cancels every prerender), as
    a person's browser: navigator.webdriver false, a normal user agent."""
    # Chromium's helper processes (zygote, GPU, renderers) outlive the main one for a
    # moment and keep writing to the profile: stop the whole process group, and let a
    # leftover profile file not fail the test (it failed 1 run in ~20 on a loaded machine).
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
        process = subprocess.Popen(
            [
                CHROMIUM,
                "--headless=new",
                *CHROMIUM_ARGS,
                f"--user-data-dir={profile}",
                f"--user-agent={VISITOR_USER_AGENT}",
                url,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            yield
        finally:
            _stop_group(process)


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 5)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
        # The group's other members get the same signal; give them a moment to go.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                os.killpg(process.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)


def _poll(condition: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@pytest.mark.parametrize("shown", [False, True], ids=["never shown", "shown"])
def test_a_prerendered_page_posts_only_once_shown(live_server, shown) -> None:
    """Speculation rules prerender /pages/ (its scripts run, hidden); the visitor goes
    there after 2.5 s, or never. Only a page the visitor saw posts its bucketing."""
    with _headless_chromium(f"{live_server.url}/pages/prerender/?go={int(shown)}"):
        # The page really was prerendered...
        assert _poll(lambda: "prefetch;prerender" in pages.PURPOSES, timeout=20)
        if shown:
            # ...and, shown 2.5 s later, it posts.
            assert _poll(lambda: Visitor.objects.exists(), timeout=20)
        else:
            # ...and, never shown, it posts nothing (its Convert evaluated long before).
            time.sleep(3)
    visitors = list(Visitor.objects.all())
    if shown:
        [visitor] = visitors
        assert visitor.bucketing_data() == {"100127238": "1001186427"}
    else:
        assert visitors == []


HIDDEN_UNTIL_SHOWN = """
(() => {
  let state = "hidden";
  Object.defineProperty(document, "visibilityState", {get: () => state});
  Object.defineProperty(document, "hidden", {get: () => state === "hidden"});
  window.showTab = () => {
    state = "visible";
    document.dispatchEvent(new Event("visibilitychange"));
  };
})();
"""


def test_a_background_tab_posts_once_it_is_shown(chromium, live_server) -> None:
    """Opened in the background (several links at once), the page is hidden before anyone
    saw it: Convert evaluates, but nothing is posted until the tab is shown."""
    context = chromium.new_context(base_url=live_server.url, user_agent=VISITOR_USER_AGENT)
    try:
        context.add_init_script(HIDDEN_UNTIL_SHOWN)
        tab = Tab(context)
        tab.page.goto("/pages/plain/")
        tab.page.wait_for_function("window.__convertStandin.evaluations > 0")
        tab.page.wait_for_timeout(1000)
        assert tab.answers == []
        assert not Visitor.objects.exists()
        tab.page.evaluate("window.showTab()")
        wait_until(tab.page, lambda: tab.answers)
        [visitor_id] = jar_ids(context)
        assert tab.answers == [("POST", visitor_id, 204)]
        assert Visitor.objects.get(visitor_id=visitor_id).bucketing_data()
    finally:
        context.close()


@pytest.fixture(scope="module")
def automated_chromium(chromium: Any) -> Iterator[Any]:
    """Chromium as Playwright launches it: navigator.webdriver is true."""
    browser = chromium.browser_type.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        browser.close()


def test_an_automated_browser_is_ignored_unless_it_opts_in(automated_chromium, live_server):
    """A shop's end-to-end test or a scraper with a normal user agent: its posts store
    nothing (204, reason webdriver), like a crawler's. The documented opt-in cookie
    (django_convert.testing.AUTOMATION_COOKIE) makes it a visitor again."""
    from django_convert.testing import AUTOMATION_COOKIE

    context = automated_chromium.new_context(
        base_url=live_server.url, user_agent=VISITOR_USER_AGENT
    )
    try:
        tab = Tab(context)
        assert tab.page.evaluate("navigator.webdriver") is True
        with tab.page.expect_response(lambda r: r.url.endswith(CONTEXT_PATH)) as answer:
            tab.page.goto("/pages/plain/")
        assert answer.value.status == 204
        assert answer.value.headers["x-convert-reason"] == "webdriver"
        assert not Visitor.objects.exists()

        context.add_cookies([{**AUTOMATION_COOKIE, "url": live_server.url}])
        tab.page.evaluate("sessionStorage.clear()")
        with tab.page.expect_response(lambda r: r.url.endswith(CONTEXT_PATH)) as answer:
            tab.page.goto("/pages/plain/")
        assert answer.value.status == 204
        [visitor_id] = jar_ids(context)
        assert Visitor.objects.get(visitor_id=visitor_id).bucketing_data()
    finally:
        context.close()


def test_a_browser_that_refuses_cookies_posts_nothing(chromium, live_server) -> None:
    """Cookies blocked by the browser's settings (document.cookie drops writes, Set-Cookie
    is ignored, navigator.cookieEnabled still says true): no id is identified, nothing is
    posted, so no 403 and no warning per page view."""
    with tempfile.TemporaryDirectory() as profile:
        preferences = Path(profile) / "Default" / "Preferences"
        preferences.parent.mkdir()
        preferences.write_text(
            json.dumps({"profile": {"default_content_setting_values": {"cookies": 2}}})
        )
        context = chromium.browser_type.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            args=[*CHROMIUM_ARGS, *VISITOR_ARGS],
            base_url=live_server.url,
            user_agent=VISITOR_USER_AGENT,
        )
        try:
            tab = Tab(context)
            for _ in range(2):
                tab.page.goto("/pages/plain/")
                tab.page.wait_for_function("window.__convertStandin.evaluations > 0")
            tab.page.wait_for_timeout(1000)
            assert tab.page.evaluate("navigator.cookieEnabled") is True
            assert tab.page.evaluate("window.djangoConvert.visitorId()") is None
            assert tab.standin()["identifiedAs"] is None
            assert tab.answers == []
            assert not Visitor.objects.exists()
        finally:
            context.close()


def test_segments_convert_did_not_report_stay_absent(chromium, live_server, convert_settings):
    """Convert reports no segments: the listener posts none (no OTH, OTHDEV, direct, new),
    and nothing is stored for them, so a conversion sends nothing Convert did not say."""
    convert_settings(SCRIPT_URL=STANDIN + "&segments=none")
    context = chromium.new_context(base_url=live_server.url, user_agent=VISITOR_USER_AGENT)
    try:
        page = context.new_page()
        with page.expect_request(lambda r: r.url.endswith(CONTEXT_PATH)) as sent:
            page.goto("/pages/plain/")
        body = sent.value.post_data_json
        assert body["segments"] == {}
        visitor_id = body["visitorId"]
        wait_until(page, lambda: Visitor.objects.filter(visitor_id=visitor_id).exists())
        visitor = Visitor.objects.get(visitor_id=visitor_id)
        assert visitor.segments() == {}
        assert visitor.bucketing_data() == {"100127238": "1001186427"}
    finally:
        context.close()
