"""Consent is decided once, in identity.consent: the default and Cookiebot resolvers."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.core.exceptions import ImproperlyConfigured

from django_convert.identity.consent import cookiebot_consent, has_consent

# Cookiebot's CookieConsent cookie, as its documentation shows it.
COOKIEBOT = (
    "{stamp:'abc==',necessary:true,preferences:false,statistics:%s,marketing:false,"
    "method:'explicit',ver:1}"
)


def test_without_required_consent_every_request_has_it(make_request) -> None:
    assert has_consent(make_request())


def test_required_consent_reads_the_cookie_the_snippet_writes(make_request, convert_settings):
    convert_settings(CONSENT={"REQUIRED": True})
    assert not has_consent(make_request())
    assert not has_consent(make_request(convert_consent="0"))
    assert has_consent(make_request(convert_consent="1"))
    convert_settings(CONSENT={"REQUIRED": True, "COOKIE_NAME": "ok"})
    assert has_consent(make_request(ok="1"))


def test_the_resolver_is_asked_once_per_request(make_request, convert_settings) -> None:
    convert_settings(CONSENT={"REQUIRED": True, "RESOLVER": "tests.test_identity_consent.counting"})
    request = make_request()
    CALLS.clear()
    assert has_consent(request)
    assert has_consent(request)
    assert [request] == CALLS


CALLS: list[object] = []


def counting(request: object) -> bool:
    CALLS.append(request)
    return True


@pytest.mark.parametrize(
    ("cookie", "expected"),
    [
        (None, False),
        (quote(COOKIEBOT % "true"), True),
        (quote(COOKIEBOT % "false"), False),
        (COOKIEBOT % "true", True),
        ("-1", True),  # Cookiebot: no consent needed in the visitor's region
        ("statistics:true" + "x" * 5000, False),  # over-long: not Cookiebot's
    ],
)
def test_cookiebot_resolver(make_request, cookie, expected) -> None:
    request = make_request() if cookie is None else make_request(CookieConsent=cookie)
    assert cookiebot_consent(request) is expected


def test_a_consent_setting_that_is_not_a_dict_is_a_clear_error(make_request, convert_settings):
    convert_settings(CONSENT=True)
    with pytest.raises(ImproperlyConfigured, match="CONSENT"):
        has_consent(make_request())
