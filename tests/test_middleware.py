"""ConvertVisitorMiddleware: ids from the cookie, no Set-Cookie/Vary for anonymous
responses, the cookie for logged-in users on private responses, WSGI and ASGI."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator

import pytest
from asgiref.sync import iscoroutinefunction, sync_to_async
from django.contrib.auth.models import AnonymousUser
from django.db import connections
from django.http import HttpResponse
from django.test import AsyncClient, Client
from django.utils.functional import SimpleLazyObject

from django_convert.identity.proof import visitor_key
from django_convert.middleware import ConvertVisitorMiddleware
from django_convert.models import Visitor

pytestmark = pytest.mark.django_db
HEX_128 = re.compile(r"[0-9a-f]{32}")
MAX_AGE = 60 * 60 * 24 * 395


@pytest.fixture(autouse=True)
def _close_the_async_threads_connections() -> Iterator[None]:
    """Under asyncio.run, the middleware's sync_to_async calls query from asgiref's one
    sync thread, and Django's test clients never close connections after a response: close
    that thread's, or PostgreSQL refuses to drop the test database ("being accessed by
    other users")."""
    yield
    asyncio.run(sync_to_async(connections.close_all)())


def echo_id(request) -> HttpResponse:
    return HttpResponse(str(request.convert_visitor_id))


def run(request, view=echo_id) -> HttpResponse:
    return ConvertVisitorMiddleware(view)(request)


def test_returning_visitor_keeps_the_id_and_gets_no_cookie_and_no_vary(make_request) -> None:
    response = run(make_request(cookie="returning-1"))
    assert response.content == b"returning-1"
    assert "convert_vid" not in response.cookies
    assert not response.has_header("Vary")
    assert not response.has_header("Cache-Control")


def test_cookie_less_request_costs_nothing(make_request) -> None:
    """A crawler, or a first hit: no id, no row, no Set-Cookie, nothing that stops caching."""
    response = run(make_request())
    assert response.content == b"None"
    assert not response.cookies
    assert not response.has_header("Vary")
    assert Visitor.objects.count() == 0


@pytest.mark.parametrize("cookie", ["ann@example.com", "a b", "x" * 65536])
def test_unusable_cookie_is_no_id_and_the_server_does_not_replace_it(make_request, cookie) -> None:
    response = run(make_request(cookie=cookie))
    assert response.content == b"None"
    assert not response.cookies  # the snippet replaces it in the browser


def test_anonymous_request_never_loads_the_session(make_request) -> None:
    """Touching the session makes SessionMiddleware add Vary: Cookie to every response."""
    request = make_request(cookie="returning-1")
    loaded = []
    request.user = SimpleLazyObject(lambda: loaded.append(1) or AnonymousUser())
    run(request)
    assert loaded == []


def test_logged_in_user_gets_their_id_in_the_cookie_on_a_private_response(
    make_request, user
) -> None:
    Visitor.objects.create(visitor_id="users-id", user=user)
    response = run(make_request(cookie="anon-1", user=user))
    assert response.content == b"users-id"
    cookie = response.cookies["convert_vid"]
    assert cookie.value == "users-id"
    assert cookie["httponly"] == ""  # the snippet reads it
    assert (cookie["samesite"], cookie["max-age"], cookie["path"]) == ("Lax", MAX_AGE, "/")
    assert "private" in response["Cache-Control"]


def test_logged_in_user_whose_cookie_is_right_gets_no_cookie(make_request, user) -> None:
    Visitor.objects.create(visitor_id="users-id", user=user)
    response = run(
        make_request(cookie="users-id", user=user, convert_vid_key=visitor_key("users-id"))
    )
    assert not response.cookies
    assert not response.has_header("Cache-Control")


def test_logged_in_user_without_the_ids_key_gets_it(make_request, user) -> None:
    """The session proves the user's id: the browser gets its key (HttpOnly), so it can
    still post for that id after logging out."""
    Visitor.objects.create(visitor_id="users-id", user=user)
    response = run(make_request(cookie="users-id", user=user))
    assert response.cookies["convert_vid"].value == "users-id"
    key = response.cookies["convert_vid_key"]
    assert (key.value, key["httponly"]) == (visitor_key("users-id"), True)
    assert "private" in response["Cache-Control"]


def test_cookie_flags_are_configurable(make_request, convert_settings, user) -> None:
    convert_settings(
        COOKIE_NAME="vid",
        COOKIE_MAX_AGE=3600,
        COOKIE_SAMESITE="Strict",
        COOKIE_SECURE=True,
        COOKIE_DOMAIN=".example.com",
        COOKIE_PATH="/shop/",
    )
    cookie = run(make_request(user=user)).cookies["vid"]
    assert (cookie["max-age"], cookie["samesite"], cookie["secure"]) == (3600, "Strict", True)
    assert (cookie["domain"], cookie["path"]) == (".example.com", "/shop/")


@pytest.mark.parametrize(
    ("secure", "setting", "expected"), [(True, None, True), (False, None, ""), (True, False, "")]
)
def test_secure_flag(make_request, convert_settings, user, secure, setting, expected) -> None:
    convert_settings(COOKIE_SECURE=setting)
    assert run(make_request(user=user, secure=secure)).cookies["convert_vid"]["secure"] == expected


def test_public_response_of_a_logged_in_user_becomes_private(make_request, user) -> None:
    def public(request) -> HttpResponse:
        response = HttpResponse()
        response["Cache-Control"] = "public, max-age=600"
        return response

    response = run(make_request(user=user), public)
    assert "public" not in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_id_switched_during_the_view_is_what_the_cookie_gets(make_request, user) -> None:
    def switch(request) -> HttpResponse:
        request.convert_visitor_id = "users-id"
        return HttpResponse()

    assert run(make_request(cookie="anon-1", user=user), switch).cookies["convert_vid"].value == (
        "users-id"
    )


def test_disabled_means_no_id_no_cookie_and_no_row(make_request, convert_settings, user) -> None:
    convert_settings(ENABLED=False)
    response = run(make_request(cookie="anon-1", user=user))
    assert response.content == b"None"
    assert not response.cookies
    assert Visitor.objects.count() == 0


def test_no_consent_means_no_id_no_cookie_and_no_row(make_request, convert_settings, user) -> None:
    convert_settings(CONSENT={"REQUIRED": True})
    response = run(make_request(cookie="anon-1", user=user))
    assert response.content == b"None"
    assert not response.cookies
    assert Visitor.objects.count() == 0
    # With the consent cookie the snippet writes, the same request is identified.
    response = run(make_request(cookie="anon-1", user=user, convert_consent="1"))
    assert response.content == b"anon-1"


def test_ids_through_the_stack(client: Client) -> None:
    assert client.get("/pages/visitor-id/").content == b"None"
    client.cookies["convert_vid"] = "abc123"
    response = client.get("/pages/visitor-id/")
    assert response.content == b"abc123"
    assert not response.cookies
    assert not response.has_header("Vary")


def test_get_visitor_id_helper(make_request) -> None:
    from django_convert import get_visitor_id

    request = make_request(cookie="abc123")
    assert get_visitor_id(request) is None
    run(request)
    assert get_visitor_id(request) == "abc123"


def test_middleware_is_sync_and_async_capable() -> None:
    assert ConvertVisitorMiddleware.sync_capable
    assert ConvertVisitorMiddleware.async_capable

    async def view(request) -> HttpResponse:
        return HttpResponse(str(request.convert_visitor_id))

    middleware = ConvertVisitorMiddleware(view)
    assert iscoroutinefunction(middleware)
    assert not iscoroutinefunction(ConvertVisitorMiddleware(echo_id))


async def asgi_get(path: str, cookie: str = "") -> tuple[int, dict[str, list[str]], bytes]:
    """One GET through django.core.handlers.asgi.ASGIHandler, as an ASGI server calls it."""
    from django.core.handlers.asgi import ASGIHandler

    headers = [(b"host", b"testserver")]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    received = False

    async def receive() -> dict:
        nonlocal received
        if received:
            await asyncio.sleep(3600)  # the client never disconnects mid-response
        received = True
        return {"type": "http.request", "body": b"", "more_body": False}

    messages: list[dict] = []

    async def send(message: dict) -> None:
        messages.append(message)

    await ASGIHandler()(scope, receive, send)
    start = messages[0]
    response_headers: dict[str, list[str]] = {}
    for name, value in start["headers"]:
        response_headers.setdefault(name.decode().lower(), []).append(value.decode())
    body = b"".join(m.get("body", b"") for m in messages[1:])
    return start["status"], response_headers, body


@pytest.mark.django_db(transaction=True)
def test_requests_through_djangos_asgi_handler(user) -> None:
    Visitor.objects.create(visitor_id="users-id", user=user)
    status, headers, body = asyncio.run(asgi_get("/pages/visitor-id/"))
    assert (status, body) == (200, b"None")
    assert "set-cookie" not in headers
    assert "vary" not in headers
    status, headers, body = asyncio.run(asgi_get("/pages/visitor-id/", "convert_vid=abc123"))
    assert (status, body) == (200, b"abc123")
    assert "set-cookie" not in headers

    client = Client()
    client.force_login(user)
    session = client.cookies["sessionid"].value
    status, headers, body = asyncio.run(
        asgi_get("/pages/visitor-id/", f"sessionid={session}; convert_vid=anon-1")
    )
    assert body == b"users-id"
    assert any(c.startswith("convert_vid=users-id;") for c in headers["set-cookie"])
    assert "private" in headers["cache-control"][0]


@pytest.mark.django_db(transaction=True)
def test_logged_in_user_through_djangos_asgi_handler(user) -> None:
    Visitor.objects.create(visitor_id="users-id", user=user)
    client = Client()
    client.force_login(user)
    session_cookie = client.cookies["sessionid"].value

    async def scenario() -> tuple[bytes, str]:
        async_client = AsyncClient()
        async_client.cookies["sessionid"] = session_cookie
        async_client.cookies["convert_vid"] = "anon-1"
        response = await async_client.get("/pages/visitor-id/")
        return response.content, response.cookies["convert_vid"].value

    assert asyncio.run(scenario()) == (b"users-id", "users-id")
