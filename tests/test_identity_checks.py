"""The cookie's Secure flag follows the browser-facing scheme, and the checks for what
cannot work: consent adapters (E024, W024), cookie-name prefixes browsers refuse (E025),
a TLS proxy Django was not told about (W021) or an HTTPS-only name on a site that also
answers HTTP (W022, both with --deploy), and resolvers that cannot be stitched (W023)."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from django_convert import checks
from django_convert.identity import checks as identity_checks
from django_convert.identity.cookie import browser_uses_https, set_visitor_cookie


def ids(messages: list[Any]) -> list[str]:
    return [message.id for message in messages]


@pytest.mark.parametrize(
    ("headers", "secure"),
    [
        ({}, False),
        ({"HTTP_ORIGIN": "https://shop.example"}, True),
        ({"HTTP_ORIGIN": "http://shop.example"}, False),
        ({"HTTP_X_FORWARDED_PROTO": "https"}, True),
        ({"HTTP_X_FORWARDED_PROTO": "https, http"}, True),
        ({"HTTP_X_FORWARDED_PROTO": "http"}, False),
        ({"HTTP_FORWARDED": "for=192.0.2.60;proto=https;by=203.0.113.43"}, True),
        ({"wsgi.url_scheme": "https"}, True),
    ],
)
def test_secure_follows_the_browser_facing_scheme(headers, secure) -> None:
    request = RequestFactory().post("/", **headers)
    assert browser_uses_https(request) is secure
    response = HttpResponse()
    set_visitor_cookie(response, request, "0" * 32)
    assert bool(response.cookies["convert_vid"]["secure"]) is secure


def test_cookie_secure_setting_wins(convert_settings) -> None:
    request = RequestFactory().post("/", HTTP_ORIGIN="https://shop.example")
    for setting, secure in ((False, False), (True, True)):
        convert_settings(COOKIE_SECURE=setting)
        response = HttpResponse()
        set_visitor_cookie(response, request, "0" * 32)
        assert bool(response.cookies["convert_vid"]["secure"]) is secure


@pytest.mark.parametrize(
    ("consent", "expected"),
    [
        ({"REQUIRED": True, "PLATFORM": "onetrust"}, []),
        ({"REQUIRED": True, "PLATFORM": "onetrust", "CATEGORY": "C0004"}, []),
        ({"REQUIRED": True, "PLATFORM": "quantcast"}, ["django_convert.E024"]),
        ({"REQUIRED": True, "PLATFORM": "tcf", "CATEGORY": 1}, ["django_convert.E024"]),
        ({"PLATFORM": "didomi"}, ["django_convert.W024"]),
    ],
)
def test_consent_platform_checks(convert_settings, consent, expected) -> None:
    convert_settings(CONSENT=consent)
    assert ids(identity_checks.check_platform()) == expected
    assert ids(identity_checks.check_consent()) == []  # PLATFORM and CATEGORY are keys


@pytest.mark.parametrize(
    ("changes", "problems"),
    [
        ({"COOKIE_NAME": "__Host-vid"}, 0),
        ({"COOKIE_NAME": "__Host-vid", "COOKIE_DOMAIN": ".shop.example"}, 1),
        ({"COOKIE_NAME": "__Host-vid", "COOKIE_PATH": "/shop/"}, 1),
        ({"COOKIE_NAME": "__Host-vid", "COOKIE_SECURE": False}, 1),
        ({"COOKIE_NAME": "__Secure-vid", "COOKIE_SECURE": False}, 1),
        ({"COOKIE_NAME": "__Secure-vid", "COOKIE_DOMAIN": ".shop.example"}, 0),
        ({"CONSENT": {"COOKIE_NAME": "__Host-consent"}, "COOKIE_DOMAIN": ".shop.example"}, 1),
    ],
)
def test_cookie_names_browsers_refuse_are_errors(convert_settings, changes, problems) -> None:
    convert_settings(**changes)
    assert ids(identity_checks.check_cookie_prefixes()) == ["django_convert.E025"] * problems


@pytest.mark.parametrize(
    "proxy_settings",
    [
        {"CSRF_TRUSTED_ORIGINS": ["https://shop.example"]},
        {"USE_X_FORWARDED_HOST": True},
    ],
)
def test_an_undeclared_tls_proxy_warns_on_deploy(proxy_settings) -> None:
    with override_settings(SECURE_PROXY_SSL_HEADER=None, **proxy_settings):
        assert "django_convert.W021" in ids(identity_checks.check_deploy_cookie())
    with override_settings(
        SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"), **proxy_settings
    ):
        assert "django_convert.W021" not in ids(identity_checks.check_deploy_cookie())


def test_a_proxy_that_appends_to_x_forwarded_for_counts(convert_settings) -> None:
    convert_settings(INGEST_NUM_PROXIES=1)
    with override_settings(SECURE_PROXY_SSL_HEADER=None, CSRF_TRUSTED_ORIGINS=[]):
        assert ids(identity_checks.check_deploy_cookie()) == ["django_convert.W021"]


def test_a_prefixed_name_on_a_site_that_answers_http_warns(convert_settings) -> None:
    convert_settings(COOKIE_NAME="__Host-vid")
    with override_settings(SECURE_SSL_REDIRECT=False, CSRF_TRUSTED_ORIGINS=[]):
        assert ids(identity_checks.check_deploy_cookie()) == ["django_convert.W022"]
    with override_settings(SECURE_SSL_REDIRECT=True, CSRF_TRUSTED_ORIGINS=[]):
        assert ids(identity_checks.check_deploy_cookie()) == []


@pytest.mark.django_db  # Django 6's check command also runs database checks
def test_deploy_warnings_show_only_with_deploy(convert_settings) -> None:
    convert_settings(COOKIE_NAME="__Host-vid")
    with override_settings(CSRF_TRUSTED_ORIGINS=["https://shop.example"]):
        plain, deploy = StringIO(), StringIO()
        call_command("check", stdout=plain, stderr=plain)
        # (The test settings fail other go-live checks: report them, do not raise.)
        call_command("check", "--deploy", "--fail-level", "CRITICAL", stdout=deploy, stderr=deploy)
    assert "django_convert.W021" not in plain.getvalue()
    assert "django_convert.W021" in deploy.getvalue()
    assert "django_convert.W022" in deploy.getvalue()


@pytest.mark.parametrize(
    ("resolver", "warned"),
    [
        ("tests.fixtures_identity.constant_resolver", True),
        ("tests.fixtures_identity.none_resolver", False),
        ("django_convert.identity.resolvers.hmac_resolver", False),
        ("django_convert.identity.resolvers.default_resolver", False),
        ("tests.fixtures_identity.anonymous_constant_resolver", True),
    ],
)
def test_a_resolver_that_cannot_be_stitched_warns(convert_settings, resolver, warned) -> None:
    convert_settings(VISITOR_ID_RESOLVER=resolver)
    messages = checks.check_resolver_stitching()
    assert ids(messages) == (["django_convert.W023"] if warned else [])
