from __future__ import annotations

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from django_convert import checks

AUTH = "django.contrib.auth.middleware.AuthenticationMiddleware"


def ids(messages) -> list[str]:
    return [message.id for message in messages]


def test_configured_project_passes() -> None:
    assert checks.check_ids() == []
    assert checks.check_installed() == []
    assert checks.check_settings() == []


def test_missing_account_id_says_what_to_set(convert_settings) -> None:
    convert_settings(ACCOUNT_ID=None)
    [error] = checks.check_ids()
    assert error.id == "django_convert.E001"
    assert "ACCOUNT_ID" in error.msg
    assert "ACCOUNT_ID" in error.hint


@pytest.mark.django_db  # Django 6's check command also runs database checks
def test_missing_ids_fail_manage_py_check(convert_settings) -> None:
    convert_settings(ACCOUNT_ID=None, PROJECT_ID="")
    with pytest.raises(SystemCheckError) as raised:
        call_command("check", stdout=StringIO(), stderr=StringIO())
    assert "django_convert.E001" in str(raised.value)


def test_sdk_key_replaces_account_and_project(convert_settings) -> None:
    convert_settings(ACCOUNT_ID=None, PROJECT_ID=None, SDK_KEY="10012345/10056789")
    assert checks.check_ids() == []


@pytest.mark.parametrize("value", ["abc", "1001-2", "100 12", 12.5, "1" * 33])
def test_malformed_id(convert_settings, value) -> None:
    convert_settings(PROJECT_ID=value)
    assert ids(checks.check_ids()) == ["django_convert.E002"]


def test_integer_ids_are_accepted(convert_settings) -> None:
    convert_settings(ACCOUNT_ID=10012345)
    assert checks.check_ids() == []


def test_rest_framework_missing() -> None:
    apps = [app for app in settings.INSTALLED_APPS if app != "rest_framework"]
    with override_settings(INSTALLED_APPS=apps):
        assert "django_convert.E003" in ids(checks.check_installed())


def test_middleware_missing() -> None:
    middleware = [m for m in settings.MIDDLEWARE if m != checks.MIDDLEWARE_PATH]
    with override_settings(MIDDLEWARE=middleware):
        assert ids(checks.check_installed()) == ["django_convert.E004"]


def test_middleware_before_authentication() -> None:
    middleware = [m for m in settings.MIDDLEWARE if m != checks.MIDDLEWARE_PATH]
    middleware.insert(middleware.index(AUTH), checks.MIDDLEWARE_PATH)
    with override_settings(MIDDLEWARE=middleware):
        assert ids(checks.check_installed()) == ["django_convert.E005"]


def test_unknown_delivery_mode(convert_settings) -> None:
    convert_settings(DELIVERY="kafka")
    assert ids(checks.check_settings()) == ["django_convert.E006"]


def test_unknown_setting_key_warns(convert_settings) -> None:
    convert_settings(TRACKNG_URL="x")
    [warning] = checks.check_settings()
    assert warning.id == "django_convert.W001"
    assert "TRACKNG_URL" in warning.msg
