from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from django_convert.conf import DEFAULTS, get_setting, require_setting, unknown_settings


def test_defaults_apply_when_not_configured() -> None:
    with override_settings(DJANGO_CONVERT={}):
        assert get_setting("TRACKING_URL") == DEFAULTS["TRACKING_URL"]
        assert get_setting("DELIVERY") == "background"


def test_read_at_call_time(convert_settings) -> None:
    assert get_setting("ACCOUNT_ID") == "10012345"
    convert_settings(ACCOUNT_ID="999")
    assert get_setting("ACCOUNT_ID") == "999"


def test_missing_setting_attribute_uses_defaults() -> None:
    with override_settings():
        from django.conf import settings

        del settings.DJANGO_CONVERT
        assert get_setting("ENABLED") is True


def test_unknown_name_is_an_error() -> None:
    with pytest.raises(ImproperlyConfigured, match="TRACKNG_URL"):
        get_setting("TRACKNG_URL")


def test_settings_must_be_a_dict() -> None:
    with (
        override_settings(DJANGO_CONVERT=["ACCOUNT_ID"]),
        pytest.raises(ImproperlyConfigured, match="must be a dict"),
    ):
        get_setting("ACCOUNT_ID")


def test_require_setting_names_what_to_set(convert_settings) -> None:
    convert_settings(SDK_KEY=None)
    with pytest.raises(ImproperlyConfigured, match=r"DJANGO_CONVERT\['SDK_KEY'\]"):
        require_setting("SDK_KEY")


def test_unknown_settings_lists_typos(convert_settings) -> None:
    convert_settings(ACOUNT_ID="1")
    assert unknown_settings() == ["ACOUNT_ID"]


def test_user_agent_default_is_not_dropped_by_convert() -> None:
    assert DEFAULTS["USER_AGENT"].startswith("ConvertAgent/")
