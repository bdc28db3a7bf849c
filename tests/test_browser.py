"""End to end in headless Chromium: identify before Convert's script, the listener's post.

The page (tests/pages.py) renders ``{% convert_head %}`` under a nonce-based CSP, and
SCRIPT_URL points at django_convert/static/django_convert/testing/convert-standin.js,
a local stand-in for Convert's script.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from django_convert.models import Visitor
from tests.browser import CHROMIUM, HAVE_CHROMIUM, launch_chromium

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not HAVE_CHROMIUM, reason=f"no Chromium at {CHROMIUM}"),
]
STANDIN = "/pages/convert-standin.js?account={account_id}&project={project_id}"
CONTEXT_PATH = "/convert/context/"


@pytest.fixture(scope="module")
def chromium(django_db_setup: None, django_db_blocker: Any) -> Iterator[Any]:
    with launch_chromium() as browser:
        yield browser


@pytest.fixture
def standin(convert_settings) -> Any:
    """``standin(bucketing="EXP:VAR,...")`` points SCRIPT_URL at the stand-in."""

    def use(bucketing: str = "100127238:1001186427", country: str = "US") -> None:
        convert_settings(SCRIPT_URL=f"{STANDIN}&bucketing={bucketing}&country={country}")

    use()
    return use


class Device:
    """One browser profile (cookies, sessionStorage) and what it sent to the ingest API."""

    def __init__(self, chromium: Any, base_url: str) -> None:
        self.context = chromium.new_context(base_url=base_url)
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()
        self.posts: list[Any] = []
        self.problems: list[str] = []
        self.page.on("request", self._record)
        self.page.on("pageerror", lambda error: self.problems.append(str(error)))
        self.page.on(
            "console",
            lambda message: (
                message.type in ("error", "warning") and self.problems.append(message.text)
            ),
        )

    def _record(self, request: Any) -> None:
        if request.method == "POST" and request.url.endswith(CONTEXT_PATH):
            self.posts.append(request)

    def view(self, *, expect_post: bool) -> dict[str, Any]:
        """Load the page; wait for the listener's POST (and its answer) when one is due."""
        if expect_post:
            with self.page.expect_response(lambda r: r.url.endswith(CONTEXT_PATH)) as answer:
                self.page.goto("/pages/")
            assert answer.value.status == 204, answer.value.text()
        else:
            self.page.goto("/pages/")
        self.page.wait_for_function(
            "window.__convertStandin && window.__convertStandin.log.includes("
            "'experiences_evaluated')"
        )
        state: dict[str, Any] = self.page.evaluate("window.__convertStandin")
        state["rendered"] = self.page.text_content("#visitor-id")
        state["cookie"] = self.cookie()
        return state

    def cookie(self) -> str:
        [value] = [c["value"] for c in self.context.cookies() if c["name"] == "convert_vid"]
        return value

    def log_in(self, username: str) -> str:
        response = self.context.request.post(
            "/pages/login/", form={"username": username, "password": "pw"}
        )
        assert response.ok, response.text()
        return response.text()

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def device(chromium, live_server) -> Iterator[Any]:
    devices: list[Device] = []

    def new() -> Device:
        devices.append(Device(chromium, live_server.url))
        return devices[-1]

    yield new
    for each in devices:
        each.close()


def assert_identified_before_bucketing(state: dict[str, Any]) -> str:
    visitor_id: str = state["cookie"]
    assert state["rendered"] == visitor_id  # request.convert_visitor_id
    assert state["identifiedAs"] == visitor_id
    assert state["bucketedAs"] == visitor_id
    log = state["log"]
    assert log.index(f"identify:{visitor_id}") < log.index(f"bucket:{visitor_id}")
    assert log.index("addListener:snippet.experiences_evaluated") < log.index(
        f"bucket:{visitor_id}"
    )
    assert not [line for line in log if "threw" in line]
    return visitor_id


def test_identify_bucketing_and_listener_post_end_to_end(device, standin) -> None:
    laptop = device()
    state = laptop.view(expect_post=True)
    visitor_id = assert_identified_before_bucketing(state)

    visitor = Visitor.objects.get(visitor_id=visitor_id)
    assert visitor.bucketing_data() == {"100127238": "1001186427"}
    assert visitor.segments() == {
        "browser": "CH",
        "devices": ["DESK"],
        "source": "direct",
        "visitorType": "new",
        "country": "US",
        "customSegments": ["seg-1"],
    }
    [post] = laptop.posts
    assert post.headers["x-csrftoken"]
    assert post.post_data_json["visitorId"] == visitor_id

    # Unchanged data on the next page view: nothing is posted.
    assert assert_identified_before_bucketing(laptop.view(expect_post=False)) == visitor_id
    laptop.page.wait_for_timeout(300)  # time for a stray request to show up
    assert len(laptop.posts) == 1

    # Changed data (a new experience, another country) is posted again.
    standin(bucketing="100127238:1001186427,100200300:100400500", country="GB")
    laptop.view(expect_post=True)
    assert len(laptop.posts) == 2
    visitor.refresh_from_db()
    assert visitor.country == "GB"
    assert visitor.bucketing_data() == {"100127238": "1001186427", "100200300": "100400500"}
    assert laptop.problems == []  # no CSP violation, no page error


def test_a_refused_post_is_retried_on_the_next_page(device, standin, convert_settings) -> None:
    laptop = device()
    convert_settings(INGEST_MAX_BODY_BYTES=10)  # the ingest API refuses everything
    laptop.page.goto("/pages/")
    laptop.page.wait_for_function("window.__convertStandin")
    laptop.page.wait_for_timeout(300)
    assert len(laptop.posts) == 1
    convert_settings(INGEST_MAX_BODY_BYTES=32 * 1024)
    laptop.view(expect_post=True)
    assert Visitor.objects.get(visitor_id=laptop.cookie()).bucketing_data()


def test_login_does_not_split_the_visitor(device, standin) -> None:
    user = get_user_model().objects.create_user("ann", password="pw")
    laptop, phone = device(), device()

    # Laptop: anonymous, bucketed, then the first login adopts the same id.
    laptop_id = assert_identified_before_bucketing(laptop.view(expect_post=True))
    assert laptop.log_in("ann") == laptop_id
    assert assert_identified_before_bucketing(laptop.view(expect_post=False)) == laptop_id
    assert Visitor.objects.get(user=user).visitor_id == laptop_id

    # Phone: anonymous with its own id and another experience, then logs in.
    standin(bucketing="100200300:100400500")
    phone_id = assert_identified_before_bucketing(phone.view(expect_post=True))
    assert phone_id != laptop_id
    assert phone.log_in("ann") == laptop_id

    # The phone now identifies as the user's id (before bucketing) and posts for it.
    assert assert_identified_before_bucketing(phone.view(expect_post=True)) == laptop_id
    [visitor] = Visitor.objects.all()
    assert visitor.visitor_id == laptop_id
    assert visitor.user == user
    assert visitor.bucketing_data() == {"100127238": "1001186427", "100200300": "100400500"}


@pytest.mark.parametrize("setting", ["CSRF_COOKIE_HTTPONLY", "CSRF_USE_SESSIONS"])
def test_embedded_csrf_token_when_scripts_cannot_read_the_cookie(
    device, standin, settings, setting
) -> None:
    setattr(settings, setting, True)
    laptop = device()
    visitor_id = assert_identified_before_bucketing(laptop.view(expect_post=True))
    assert Visitor.objects.get(visitor_id=visitor_id).bucketing_data()
