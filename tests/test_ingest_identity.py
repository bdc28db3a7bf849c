"""The ingest endpoint and identity: the listener's anti-CSRF header, consent, ENABLED,
crawlers, the cookie it refreshes, the throttle's client address and cache keys (with a
real memcached), and 64 KiB hostile values."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import override_settings
from django.urls import reverse

from django_convert.identity.pii import clean_visitor_id, looks_like_pii
from django_convert.ingest.throttling import client_address
from django_convert.models import Visitor
from tests.fixtures_ingest import VISITOR_ID, IngestClient, example_payload, stored

pytestmark = pytest.mark.django_db
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0"
KIB_64 = 64 * 1024


def listener_post(client: IngestClient, payload: Any = None, **extra: Any) -> Any:
    """A post as the listener sends it: JSON, its header, the page's Origin, no token."""
    extra.setdefault("HTTP_X_CONVERT_LISTENER", "1")
    extra.setdefault("HTTP_ORIGIN", "http://testserver")
    extra.setdefault("HTTP_USER_AGENT", BROWSER)
    return client.ingest(payload or example_payload(), csrf=False, **extra)


def test_listener_header_with_same_origin_needs_no_csrf_token(ingest_client) -> None:
    response = listener_post(ingest_client)
    assert response.status_code == 204
    assert Visitor.objects.get(visitor_id=VISITOR_ID).bucketing_data()
    # The answer is no-store and refreshes the cookie as a server-set one (readable).
    assert "no-store" in response["Cache-Control"]
    cookie = response.cookies["convert_vid"]
    assert (cookie.value, cookie["httponly"]) == (VISITOR_ID, "")


@pytest.mark.parametrize(
    "origin", ["https://evil.example", "http://testserver.evil.example", "null"]
)
def test_listener_header_from_another_origin_is_403(ingest_client, origin) -> None:
    response = listener_post(ingest_client, HTTP_ORIGIN=origin)
    assert response.status_code == 403
    assert "Origin" in response.json()["detail"]
    assert stored() == ([], [])


@override_settings(CSRF_TRUSTED_ORIGINS=["https://shop.example"])
def test_listener_header_from_a_trusted_origin_is_accepted(ingest_client) -> None:
    assert listener_post(ingest_client, HTTP_ORIGIN="https://shop.example").status_code == 204


def test_listener_header_without_origin_falls_back_to_the_csrf_token(ingest_client) -> None:
    response = ingest_client.ingest(
        example_payload(), csrf=False, HTTP_X_CONVERT_LISTENER="1", HTTP_USER_AGENT=BROWSER
    )
    assert response.status_code == 403
    assert stored() == ([], [])


def test_no_consent_is_403_and_stores_nothing(ingest_client, convert_settings, caplog) -> None:
    convert_settings(CONSENT={"REQUIRED": True})
    response = listener_post(ingest_client)
    assert response.status_code == 403
    assert "CONSENT" in caplog.text  # the page and the server disagree: say so
    assert "consent" in response.json()["detail"]
    assert "convert_vid" not in response.cookies
    assert stored() == ([], [])
    ingest_client.cookies["convert_consent"] = "1"
    assert listener_post(ingest_client).status_code == 204


def test_disabled_answers_204_and_writes_nothing(ingest_client, convert_settings) -> None:
    convert_settings(ENABLED=False)
    response = listener_post(ingest_client)
    assert response.status_code == 204
    assert not response.cookies
    assert stored() == ([], [])


@pytest.mark.parametrize(
    "user_agent",
    [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; "
        "+http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36",
        "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "HeadlessChrome/120.0.0.0 Safari/537.36",
    ],
)
def test_crawler_posts_are_204_and_store_nothing(ingest_client, user_agent) -> None:
    response = listener_post(ingest_client, HTTP_USER_AGENT=user_agent)
    assert response.status_code == 204
    assert not response.cookies
    assert stored() == ([], [])


def test_crawler_is_ignored_before_csrf_and_throttle(ingest_client, convert_settings) -> None:
    convert_settings(INGEST_THROTTLE_RATE="1/minute")
    googlebot = "Googlebot/2.1 (+http://www.google.com/bot.html)"
    for _ in range(3):
        response = ingest_client.ingest(example_payload(), csrf=False, HTTP_USER_AGENT=googlebot)
        assert response.status_code == 204
    assert stored() == ([], [])


def test_a_post_for_another_id_reissues_the_cookies_own_id(ingest_client) -> None:
    """An HttpOnly cookie from an older version: the snippet could not read it."""
    response = listener_post(ingest_client, example_payload(visitor_id="made-by-the-snippet"))
    assert response.status_code == 403
    assert response.cookies["convert_vid"].value == VISITOR_ID
    assert response.cookies["convert_vid"]["httponly"] == ""
    assert stored() == ([], [])


# The throttle's client address.


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, None, "10.0.0.9"),
        (0, "1.2.3.4", "10.0.0.9"),  # nobody vouches for the header
        (1, "1.2.3.4", "1.2.3.4"),
        (1, "6.6.6.6, 1.2.3.4", "1.2.3.4"),  # the client prepended a lie
        (2, "6.6.6.6, 1.2.3.4, 10.0.0.2", "1.2.3.4"),
        (3, "1.2.3.4", "1.2.3.4"),  # fewer hops than proxies: the leftmost
        (1, " , ", "10.0.0.9"),
        (1, "x" * KIB_64, "x" * 2048),
    ],
)
def test_client_address(convert_settings, rf, proxies, forwarded, expected) -> None:
    convert_settings(INGEST_NUM_PROXIES=proxies)
    meta = {"REMOTE_ADDR": "10.0.0.9"}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_address(rf.post("/", **meta)) == expected


def test_changing_x_forwarded_for_does_not_escape_the_throttle(ingest_client, convert_settings):
    convert_settings(INGEST_THROTTLE_RATE="3/minute")
    statuses = [
        listener_post(ingest_client, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
        for n in range(5)
    ]
    assert statuses == [204, 204, 204, 429, 429]


def test_without_the_header_each_address_has_its_own_limit(ingest_client, convert_settings):
    convert_settings(INGEST_THROTTLE_RATE="2/minute")
    first = [listener_post(ingest_client, REMOTE_ADDR="198.51.100.1").status_code for _ in "abc"]
    other = listener_post(ingest_client, REMOTE_ADDR="198.51.100.2").status_code
    assert (first, other) == ([204, 204, 429], 204)


def test_behind_one_proxy_each_forwarded_client_has_its_own_limit(ingest_client, convert_settings):
    convert_settings(INGEST_THROTTLE_RATE="1/minute", INGEST_NUM_PROXIES=1)
    a = [listener_post(ingest_client, HTTP_X_FORWARDED_FOR="192.0.2.1").status_code for _ in "ab"]
    b = listener_post(ingest_client, HTTP_X_FORWARDED_FOR="192.0.2.2").status_code
    assert (a, b) == ([204, 429], 204)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def memcached() -> Iterator[str]:
    binary = shutil.which("memcached")
    if binary is None:
        pytest.skip("memcached is not installed (apt-get install memcached)")
    pytest.importorskip("pymemcache")
    port = _free_port()
    server = subprocess.Popen(
        [binary, "-l", "127.0.0.1", "-p", str(port), "-U", "0", "-u", "root", "-m", "16"]
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                server.kill()
                raise
            time.sleep(0.05)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_throttle_with_real_memcached_and_a_huge_forwarded_header(
    memcached, convert_settings, clear_throttle
) -> None:
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
            "LOCATION": memcached,
        }
    }
    convert_settings(INGEST_THROTTLE_RATE="2/minute", INGEST_NUM_PROXIES=1)
    with override_settings(CACHES=caches):
        client = IngestClient()
        statuses = [
            listener_post(client, HTTP_X_FORWARDED_FOR="7" * 4000).status_code for _ in "abc"
        ]
    assert statuses == [204, 204, 429]  # no 500 for a key over memcached's 250 characters


# Hostile input: 64 KiB values.


@pytest.mark.parametrize(
    "value",
    [
        "a@" + "a" * KIB_64,
        "1." * (KIB_64 // 2),
        "(" * KIB_64 + "1234567",
        "+" * KIB_64 + "1",
        ("1" + "-" * 10_000) * 6 + "a",
        "a" * KIB_64,
    ],
)
def test_64_kib_visitor_ids_are_refused_by_their_length(value) -> None:
    with pytest.raises(Exception, match="at most 128"):
        clean_visitor_id(value)
    looks_like_pii(value)  # linear, whatever the input (figures: bench_identity)


def test_64_kib_cookie_is_no_id(client) -> None:
    client.cookies["convert_vid"] = "a@" + "a" * KIB_64
    assert client.get("/pages/visitor-id/").content == b"None"


def test_64_kib_posted_visitor_id_is_400(ingest_client, convert_settings) -> None:
    convert_settings(INGEST_MAX_BODY_BYTES=256 * 1024)
    response = listener_post(ingest_client, example_payload(visitor_id="a@" + "a" * KIB_64))
    assert response.status_code == 400
    assert "at most 128" in str(response.json())
    assert stored() == ([], [])


def test_url_is_the_contract_name() -> None:
    assert reverse("django_convert:context") == "/convert/context/"


# System checks E021-E023.


def _ids(messages: list) -> list[str]:
    return [message.id for message in messages]


@pytest.mark.parametrize(
    ("consent", "expected"),
    [
        ({}, []),
        ({"REQUIRED": True}, []),
        ("yes", ["django_convert.E021"]),
        ({"REQURED": True}, ["django_convert.E021"]),
        ({"RESOLVER": "no.such.module.resolver"}, ["django_convert.E022"]),
        ({"RESOLVER": "tests.fixtures_identity.not_callable"}, ["django_convert.E022"]),
    ],
)
def test_consent_checks(convert_settings, consent, expected) -> None:
    from django_convert.identity.checks import check_consent

    convert_settings(CONSENT=consent)
    assert _ids(check_consent()) == expected


@pytest.mark.parametrize(("value", "ok"), [(0, True), (2, True), (-1, False), ("1", False)])
def test_num_proxies_check(convert_settings, value, ok) -> None:
    from django_convert.identity.checks import check_num_proxies

    convert_settings(INGEST_NUM_PROXIES=value)
    assert _ids(check_num_proxies()) == ([] if ok else ["django_convert.E023"])
