"""End to end in headless Chromium: real servers, no test client.

The pages (tests/pages.py) render ``{% convert_head %}`` under a nonce-based CSP, and
SCRIPT_URL points at django_convert/static/django_convert/testing/convert-standin.js, a
local stand-in for Convert's script that honours consentRequired/consentGiven. Caching is
real: ``cache_page``, Django's per-site cache middleware on a server of its own, and a
small RFC 9111 shared cache (tests/servers.py) in front of the live server.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache

from django_convert.models import Visitor
from tests import pages
from tests.browser import CHROMIUM, HAVE_CHROMIUM, VISITOR_USER_AGENT, launch_chromium
from tests.servers import django_server, shared_cache

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not HAVE_CHROMIUM, reason=f"no Chromium at {CHROMIUM}"),
]
STANDIN = "/pages/convert-standin.js?account={account_id}&project={project_id}"
CONTEXT_PATH = "/convert/context/"
SITE_CACHE = [
    "django.middleware.cache.UpdateCacheMiddleware",
    *settings.MIDDLEWARE,
    "django.middleware.cache.FetchFromCacheMiddleware",
]


@pytest.fixture(scope="module")
def chromium(django_db_setup: None, django_db_blocker: Any) -> Iterator[Any]:
    with launch_chromium() as browser:
        yield browser


@pytest.fixture
def standin(convert_settings) -> Any:
    """``standin(bucketing="EXP:VAR,...")`` points SCRIPT_URL at the stand-in."""

    def use(bucketing: str = "100127238:1001186427", country: str = "US", numeric: int = 1):
        convert_settings(
            SCRIPT_URL=f"{STANDIN}&bucketing={bucketing}&country={country}&numeric={numeric}"
        )

    use()
    return use


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    cache.clear()
    pages.RENDERED.clear()
    yield
    cache.clear()


class Device:
    """One browser profile (cookies, storage) and what it sent and received."""

    def __init__(self, chromium: Any, base_url: str, user_agent: str | None) -> None:
        self.context = chromium.new_context(base_url=base_url, user_agent=user_agent)
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()
        self.posts: list[Any] = []
        self.documents: list[Any] = []  # the page responses
        self.problems: list[str] = []
        self.page.on("request", self._record)
        self.page.on("response", self._response)
        self.page.on("pageerror", lambda error: self.problems.append(str(error)))
        self.page.on(
            "console",
            lambda message: (
                message.type == "error"
                and "503" not in message.text
                and self.problems.append(message.text)
            ),
        )

    def _record(self, request: Any) -> None:
        if request.method == "POST" and request.url.endswith(CONTEXT_PATH):
            self.posts.append(request)

    def _response(self, response: Any) -> None:
        if response.request.resource_type == "document":
            self.documents.append(response)

    def view(self, path: str = "/pages/", *, expect_post: bool, status: int = 204) -> dict:
        """Load the page; wait for the listener's POST (and its answer) when one is due."""
        if expect_post:
            with self.page.expect_response(lambda r: r.url.endswith(CONTEXT_PATH)) as answer:
                self.page.goto(path)
            assert answer.value.status == status, answer.value.text()
        else:
            self.page.goto(path)
        self.page.wait_for_function(
            "window.__convertStandin && window.__convertStandin.log.some("
            "line => line === 'experiences_evaluated' || line === 'held')"
        )
        state: dict[str, Any] = self.page.evaluate("window.__convertStandin")
        state["cookie"] = self.cookie()
        return state

    def cookies(self) -> dict[str, str]:
        return {c["name"]: c["value"] for c in self.context.cookies()}

    def cookie(self) -> str | None:
        return self.cookies().get("convert_vid")

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

    def new(base_url: str | None = None, user_agent: str | None = VISITOR_USER_AGENT) -> Device:
        devices.append(Device(chromium, base_url or live_server.url, user_agent))
        return devices[-1]

    yield new
    for each in devices:
        each.close()


def assert_identified_before_bucketing(state: dict[str, Any]) -> str:
    visitor_id: str = state["cookie"]
    assert visitor_id
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
    assert visitor.bucketing_data() == {"100127238": "1001186427"}  # numeric ids, coerced
    assert visitor.segments() == {
        "browser": "CH",
        "devices": ["DESK"],
        "source": "direct",
        "visitorType": "new",
        "country": "US",
        "customSegments": ["seg-1"],
    }
    [post] = laptop.posts
    assert post.headers["x-convert-listener"] == "1"
    assert "x-csrftoken" not in post.headers  # no token: cached pages work
    assert post.post_data_json["visitorId"] == visitor_id
    # The page carried no id and set no cookie; the ingest answer refreshed the cookie.
    [document] = laptop.documents
    assert "set-cookie" not in document.headers
    assert visitor_id not in document.text()

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


def test_a_refused_post_is_posted_again_by_the_next_page(device, standin, convert_settings):
    laptop = device()
    convert_settings(INGEST_MAX_BODY_BYTES=10)  # the ingest API refuses everything
    laptop.view(expect_post=True, status=413)
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
    assert phone.cookie() == laptop_id  # the login answer switched the cookie

    # The phone now identifies as the user's id (before bucketing) and posts for it.
    assert assert_identified_before_bucketing(phone.view(expect_post=True)) == laptop_id
    [visitor] = Visitor.objects.all()
    assert visitor.visitor_id == laptop_id
    assert visitor.user == user
    assert visitor.bucketing_data() == {"100127238": "1001186427", "100200300": "100400500"}


def _django_cache_responses() -> list[Any]:
    """Every HttpResponse Django's (local-memory) cache holds, unpickled."""
    from django.http import HttpResponseBase

    found = []
    for value in cache._cache.values():  # type: ignore[attr-defined]
        try:
            item = pickle.loads(value)
        except Exception:
            continue
        if isinstance(item, HttpResponseBase):
            found.append(item)
    return found


@pytest.mark.parametrize("setup", ["cache_page", "per-site cache", "shared cache"])
def test_cached_page_three_visitors_each_with_their_own_id(
    device, standin, live_server, setup
) -> None:
    """Three visitors (one returns) get the same cached page; each identifies with their
    own id and each listener post is stored. No id is ever in a cached body or cookie."""
    with (
        django_server(SITE_CACHE) if setup == "per-site cache" else _nothing(live_server.url)
    ) as origin:
        proxy_context = shared_cache(origin) if setup == "shared cache" else _nothing(None)
        with proxy_context as proxied:
            base, shared = (proxied[0], proxied[1]) if proxied else (origin, None)
            path = {"cache_page": "/pages/cached/", "shared cache": "/pages/public/"}.get(
                setup, "/pages/"
            )
            ann, bob, cat = device(base), device(base), device(base)
            ids = [
                assert_identified_before_bucketing(visitor.view(path, expect_post=True))
                for visitor in (ann, bob, cat)
            ]
            # Ann comes back: same id, nothing new to post.
            assert assert_identified_before_bucketing(ann.view(path, expect_post=False)) == ids[0]

            assert len(set(ids)) == 3
            assert pages.RENDERED[path] == 1  # the view ran once: the rest came from a cache
            for visitor_id in ids:
                assert Visitor.objects.get(visitor_id=visitor_id).bucketing_data() == {
                    "100127238": "1001186427"
                }
            for visitor in (ann, bob, cat):
                assert len(visitor.posts) == 1
                for document in visitor.documents:
                    assert "set-cookie" not in document.headers
                    assert "vary" not in document.headers

            if shared is not None:
                # Bob and Cat from the shared cache (Ann's return may come from her own cache).
                assert shared.hits >= 2
                stored = [(r.body, dict(r.headers)) for r in shared.stored_responses()]
            else:
                stored = [
                    (r.content, {"set-cookie": str(r.cookies)}) for r in _django_cache_responses()
                ]
            assert stored
            for body, headers in stored:
                assert "set-cookie" not in headers or not headers["set-cookie"]
                for visitor_id in ids:
                    assert visitor_id.encode() not in body
            # Hang up before the servers stop: their request threads then end (and close
            # their database connections) while those are still shared with them.
            for visitor in (ann, bob, cat):
                visitor.close()


class _nothing:
    """A context manager yielding ``value`` (the setups that need no extra server)."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __enter__(self) -> Any:
        return self.value

    def __exit__(self, *exc: object) -> None:
        return None


def test_listener_post_answered_503_is_retried_by_the_next_page(device, standin, live_server):
    with shared_cache(live_server.url) as (base, shared):
        laptop = device(base)
        shared.fail_posts = 1  # a deploy: the first post gets a 503
        visitor_id = assert_identified_before_bucketing(
            laptop.view("/pages/public/", expect_post=True, status=503)
        )
        assert not Visitor.objects.filter(visitor_id=visitor_id).exists()
        pending = laptop.page.evaluate("localStorage.getItem('django_convert:pending')")
        assert visitor_id in pending

        # The visitor clicks on: the next page sends it again, and it is stored.
        laptop.view("/pages/public/", expect_post=True)
        assert Visitor.objects.get(visitor_id=visitor_id).bucketing_data()
        assert laptop.posts[1].post_data == laptop.posts[0].post_data
        assert laptop.page.evaluate("localStorage.getItem('django_convert:pending')") is None


def test_crawler_posts_are_answered_204_and_store_nothing(device, standin) -> None:
    """Headless Chromium's own user agent says HeadlessChrome: on the crawler list."""
    robot = device(user_agent=None)
    robot.view(expect_post=True, status=204)
    assert Visitor.objects.count() == 0


CONSENT_PAGE = "/pages/consent/"


@pytest.fixture
def consent_required(convert_settings, standin) -> None:
    convert_settings(CONSENT={"REQUIRED": True, "RUN_EXPERIENCES": False})
    standin()  # keep SCRIPT_URL on top of the new settings


def ours_and_converts(cookies: dict[str, str]) -> dict[str, str]:
    """The cookies of django-convert and of Convert's script (not the consent platform's)."""
    return {name: value for name, value in cookies.items() if name != "CookieConsent"}


def test_consent_declined_means_nothing_is_set_or_stored(device, consent_required) -> None:
    visitor = device()
    state = visitor.view(CONSENT_PAGE, expect_post=False)
    assert state["consentRequired"] == {"runExperiences": False}
    assert state["log"][0] == "consentRequired:false"
    assert "held" in state["log"]
    assert state["identifiedAs"] is None
    visitor.page.evaluate("window.fakeCookiebot.decline()")
    visitor.view(CONSENT_PAGE, expect_post=False)
    visitor.page.wait_for_timeout(300)
    assert ours_and_converts(visitor.cookies()) == {}  # neither ours nor Convert's
    assert visitor.posts == []
    assert Visitor.objects.count() == 0


def test_consent_given_in_the_page_then_withdrawn(device, consent_required) -> None:
    visitor = device()
    visitor.view(CONSENT_PAGE, expect_post=False)
    assert visitor.cookies() == {}

    # The CMP's callback (docs/identity.rst's Cookiebot example) calls consentGiven().
    with visitor.page.expect_response(lambda r: r.url.endswith(CONTEXT_PATH)) as answer:
        visitor.page.evaluate("window.fakeCookiebot.accept()")
    assert answer.value.status == 204
    state = visitor.page.evaluate("window.__convertStandin")
    visitor_id = visitor.cookie()
    assert visitor_id
    assert state["identifiedAs"] == visitor_id
    assert state["consentGiven"] is True
    assert state["log"].index(f"identify:{visitor_id}") < state["log"].index("consentGiven")
    assert Visitor.objects.get(visitor_id=visitor_id).bucketing_data()
    assert visitor.cookies()["convert_consent"] == "1"

    # The next page: nothing identifies until the platform reports consent on this page
    # too (our mirror never stands in for the platform's record); then the visitor keeps
    # their id, identified before Convert buckets.
    visitor.view(CONSENT_PAGE, expect_post=False)
    visitor.page.wait_for_function("window.__convertStandin.consentGiven")
    state = visitor.page.evaluate("window.__convertStandin")
    state["cookie"] = visitor.cookie()
    assert state["log"][0] == "consentRequired:false"
    assert assert_identified_before_bucketing(state) == visitor_id

    # Withdrawal: the cookies go (Convert's too), and nothing more is collected.
    assert "_conv_v" in visitor.cookies()
    with visitor.page.expect_response(
        lambda r: r.url.endswith(CONTEXT_PATH) and r.request.method == "DELETE"
    ):
        visitor.page.evaluate("window.fakeCookiebot.decline()")
    assert ours_and_converts(visitor.cookies()) == {}
    # The server forgot the visitor (the listener's DELETE, proven with the id's key).
    assert not Visitor.objects.filter(visitor_id=visitor_id).exists()
    rows = Visitor.objects.count()
    standin_with_new_data = "100127238:1001186427,100999999:100888888"
    state = visitor.view(CONSENT_PAGE + "?" + standin_with_new_data, expect_post=False)
    assert state["consentRequired"] == {"runExperiences": False}
    visitor.page.wait_for_timeout(300)
    assert len([post for post in visitor.posts if post.method == "POST"]) == 1
    assert Visitor.objects.count() == rows
    assert "convert_vid" not in visitor.cookies()


@pytest.fixture
def shop_test_chromium(chromium) -> Iterator[Any]:
    """Chromium resolving *.shop.test to 127.0.0.1: real subdomains for domain cookies.
    (Launched through the module's Playwright: a second sync Playwright cannot start.)"""
    from tests.browser import CHROMIUM_ARGS

    browser = chromium.browser_type.launch(
        executable_path=CHROMIUM,
        args=[*CHROMIUM_ARGS, "--host-resolver-rules=MAP *.shop.test 127.0.0.1"],
    )
    try:
        yield browser
    finally:
        browser.close()


def test_changing_cookie_domain_keeps_each_visitors_id(
    shop_test_chromium, live_server, standin, convert_settings
) -> None:
    port = live_server.url.rsplit(":", 1)[1]
    www, blog = f"http://www.shop.test:{port}", f"http://blog.shop.test:{port}"
    context = shop_test_chromium.new_context(user_agent=VISITOR_USER_AGENT)
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        # Before: host-only cookies on www.
        with page.expect_response(lambda r: r.url.endswith(CONTEXT_PATH)):
            page.goto(www + "/pages/")
        [before] = [c for c in context.cookies() if c["name"] == "convert_vid"]
        assert (before["name"], before["domain"]) == ("convert_vid", "www.shop.test")

        # COOKIE_DOMAIN changes: the same id, now one cookie for the whole domain.
        convert_settings(COOKIE_DOMAIN="shop.test")
        standin()
        page.goto(www + "/pages/")
        page.wait_for_function("window.__convertStandin")
        [after] = [c for c in context.cookies() if c["name"] == "convert_vid"]
        assert after["value"] == before["value"]
        assert after["domain"] == ".shop.test"
        assert page.evaluate("window.__convertStandin.identifiedAs") == before["value"]

        # A sibling subdomain identifies the visitor with that id too.
        page.goto(blog + "/pages/")
        page.wait_for_function("window.__convertStandin")
        assert page.evaluate("window.__convertStandin.identifiedAs") == before["value"]
        assert [c["value"] for c in context.cookies() if c["name"] == "convert_vid"] == [
            before["value"]
        ]
    finally:
        context.close()


OLD_ID = "0ddc0ffee0ddc0ffee0ddc0ffee0ddc0"


def test_an_httponly_cookie_from_an_older_version_keeps_its_id(
    device, standin, live_server
) -> None:
    """The snippet cannot read an HttpOnly cookie: its first post is refused, the answer
    re-issues the cookie readable, and from the next page on the visitor keeps the id."""
    visitor = device()
    visitor.context.add_cookies(
        [
            {
                "name": "convert_vid",
                "value": OLD_ID,
                "url": live_server.url,
                "httpOnly": True,
            }
        ]
    )
    visitor.view(expect_post=True, status=403)
    assert not Visitor.objects.exists()
    state = visitor.view(expect_post=True)
    assert assert_identified_before_bucketing(state) == OLD_ID
    assert Visitor.objects.get(visitor_id=OLD_ID).bucketing_data()


def test_logged_in_user_keeps_their_id_behind_the_per_site_cache(device, standin) -> None:
    """The cached page is the same for everyone; the login answer (private, never cached)
    gives the user's browser their stored id, which the snippet then identifies."""
    user = get_user_model().objects.create_user("ann", password="pw")
    Visitor.objects.create(visitor_id="anns-stored-id", user=user)
    with django_server(SITE_CACHE) as base:
        stranger, ann = device(base), device(base)
        stranger_id = assert_identified_before_bucketing(stranger.view(expect_post=True))
        ann_anonymous = assert_identified_before_bucketing(ann.view(expect_post=True))
        assert ann.log_in("ann") == "anns-stored-id"
        assert ann.cookie() == "anns-stored-id"
        state = ann.view(expect_post=True)
        assert assert_identified_before_bucketing(state) == "anns-stored-id"
        assert pages.RENDERED["/pages/"] == 1  # every view came from the cache
        # Her anonymous visit was merged into her visitor; the stranger is untouched.
        assert set(Visitor.objects.values_list("visitor_id", flat=True)) == {
            "anns-stored-id",
            stranger_id,
        }
        assert ann_anonymous != stranger_id
        for response in _django_cache_responses():
            assert not response.cookies
            for visitor_id in ("anns-stored-id", stranger_id, ann_anonymous):
                assert visitor_id.encode() not in response.content
        # Hang up before the server stops (see test_cached_page_three_visitors_...).
        stranger.close()
        ann.close()
