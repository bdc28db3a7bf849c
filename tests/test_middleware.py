from __future__ import annotations

import re

import pytest
from django.http import HttpResponse
from django.test import Client

from django_convert.middleware import ConvertVisitorMiddleware

pytestmark = pytest.mark.django_db
HEX_128 = re.compile(r"[0-9a-f]{32}")
MAX_AGE = 60 * 60 * 24 * 395


def echo_id(request) -> HttpResponse:
    return HttpResponse(request.convert_visitor_id)


def run(request, view=echo_id) -> HttpResponse:
    return ConvertVisitorMiddleware(view)(request)


def test_new_visitor_gets_an_id_and_a_cookie_with_sensible_flags(make_request) -> None:
    response = run(make_request())
    visitor_id = response.content.decode()
    assert HEX_128.fullmatch(visitor_id)
    cookie = response.cookies["convert_vid"]
    assert cookie.value == visitor_id
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == MAX_AGE
    assert cookie["path"] == "/"
    assert cookie["httponly"] is True
    assert not cookie["secure"]  # plain HTTP
    assert not cookie["domain"]


def test_cookie_is_secure_on_https(make_request) -> None:
    assert run(make_request(secure=True)).cookies["convert_vid"]["secure"] is True


def test_cookie_flags_are_configurable(make_request, convert_settings) -> None:
    convert_settings(
        COOKIE_NAME="vid",
        COOKIE_MAX_AGE=3600,
        COOKIE_SAMESITE="Strict",
        COOKIE_SECURE=True,
        COOKIE_DOMAIN=".example.com",
        COOKIE_PATH="/shop/",
    )
    cookie = run(make_request()).cookies["vid"]
    assert (cookie["max-age"], cookie["samesite"], cookie["secure"]) == (3600, "Strict", True)
    assert (cookie["domain"], cookie["path"]) == (".example.com", "/shop/")


def test_secure_can_be_forced_off_on_https(make_request, convert_settings) -> None:
    convert_settings(COOKIE_SECURE=False)
    assert not run(make_request(secure=True)).cookies["convert_vid"]["secure"]


def test_returning_visitor_keeps_the_id_and_gets_no_new_cookie(make_request) -> None:
    response = run(make_request(cookie="returning-1"))
    assert response.content == b"returning-1"
    assert "convert_vid" not in response.cookies


def test_refused_cookie_is_replaced(make_request) -> None:
    response = run(make_request(cookie="ann@example.com"))
    visitor_id = response.content.decode()
    assert HEX_128.fullmatch(visitor_id)
    assert response.cookies["convert_vid"].value == visitor_id


def test_responses_vary_on_cookie(make_request) -> None:
    assert "Cookie" in run(make_request(cookie="returning-1"))["Vary"]


def test_id_switched_during_the_view_is_what_the_cookie_gets(make_request) -> None:
    def switch(request) -> HttpResponse:
        request.convert_visitor_id = "users-id"
        return HttpResponse()

    assert run(make_request(cookie="anon-1"), switch).cookies["convert_vid"].value == "users-id"


def test_every_request_has_an_id_through_the_stack(client: Client) -> None:
    first = client.get("/pages/visitor-id/").content.decode()
    assert HEX_128.fullmatch(first)
    assert client.get("/pages/visitor-id/").content.decode() == first


def test_get_visitor_id_helper(make_request) -> None:
    from django_convert import get_visitor_id

    request = make_request()
    assert get_visitor_id(request) is None
    run(request)
    assert get_visitor_id(request) == request.convert_visitor_id
