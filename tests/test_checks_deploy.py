"""Going live with the quick start's stand-ins still on: ``check --deploy`` (E040-E042,
W040-W043) and ``convert_doctor``. Each check: its message, id and hint."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core import checks as django_checks
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError
from django.test import override_settings

from django_convert.models import ConfigSync
from django_convert.reports.deploy_checks import check_deploy, is_local_url
from django_convert.reports.doctor_project import diagnose_project
from django_convert.testing import STANDIN_SCRIPT_URL

pytestmark = pytest.mark.django_db

LIVE = {
    "TRACKING_URL": "https://metrics.convertexperiments.com/v1/track",
    "CONFIG_URL": "https://cdn-4.convertexperiments.com",
    "SCRIPT_URL": "//cdn-4.convertexperiments.com/v1/js/{account_id}-{project_id}.js",
}
# What the quick start's "remove these lines to go live" leaves in a settings file.
QUICK_START = {
    "TRACKING_URL": "http://127.0.0.1:8001/v1/track",
    "CONFIG_URL": "http://127.0.0.1:8001",
}


def deploy_messages(convert_settings: Any, **changes: Any) -> dict[str, Any]:
    convert_settings(**{**LIVE, **changes})
    return {message.id: message for message in check_deploy()}


@override_settings(DEBUG=False)
def test_convert_urls_over_https_pass(convert_settings) -> None:
    assert deploy_messages(convert_settings) == {}


@override_settings(DEBUG=False)
def test_tracking_url_on_a_stand_in(convert_settings) -> None:
    message = deploy_messages(convert_settings, TRACKING_URL=QUICK_START["TRACKING_URL"])[
        "django_convert.E040"
    ]
    assert isinstance(message, django_checks.Error)
    assert message.msg == (
        "DJANGO_CONVERT['TRACKING_URL'] is 'http://127.0.0.1:8001/v1/track', a stand-in on "
        "this machine, and DEBUG is False: conversions are delivered there, never to Convert."
    )
    assert "Remove TRACKING_URL from the production settings" in message.hint
    assert "https://metrics.convertexperiments.com/v1/track" in message.hint


@override_settings(DEBUG=False)
def test_config_url_on_a_stand_in(convert_settings) -> None:
    message = deploy_messages(convert_settings, CONFIG_URL="http://localhost:8001")[
        "django_convert.W040"
    ]
    assert isinstance(message, django_checks.Warning)
    assert "'http://localhost:8001', a stand-in on this machine" in message.msg
    assert "stand-in's sample config" in message.msg
    assert "Remove CONFIG_URL" in message.hint
    assert "convert_sync" in message.hint


@pytest.mark.parametrize(
    ("script", "why"),
    [
        (STANDIN_SCRIPT_URL, "is a static file of this site"),
        (STANDIN_SCRIPT_URL + "?bucketing=100127238:1001186427", "is a static file"),
        ("static:js/convert-copy.js", "is a static file of this site"),
        ("/static/convert_standin/convert-demo.js", "is served from this site's static files"),
        ("http://127.0.0.1:8000/static/x.js", "is on this machine"),
    ],
)
@override_settings(DEBUG=False, STATIC_URL="/static/")
def test_script_url_that_is_a_stand_in(convert_settings, script, why) -> None:
    message = deploy_messages(convert_settings, SCRIPT_URL=script)["django_convert.E041"]
    assert isinstance(message, django_checks.Error)
    assert why in message.msg
    assert "no experiment runs and no visitor is bucketed" in message.msg
    assert "Remove SCRIPT_URL from the production settings" in message.hint
    assert "SILENCED_SYSTEM_CHECKS" in message.hint


@override_settings(DEBUG=True)
def test_stand_ins_are_expected_while_debug_is_true(convert_settings) -> None:
    found = deploy_messages(convert_settings, SCRIPT_URL=STANDIN_SCRIPT_URL, **QUICK_START)
    assert found == {}


@override_settings(DEBUG=False)
def test_plain_http_to_another_host(convert_settings) -> None:
    found = deploy_messages(
        convert_settings,
        TRACKING_URL="http://metrics.convertexperiments.com/v1/track",
        CONFIG_URL="http://cdn-4.convertexperiments.com",
        SCRIPT_URL="http://cdn-4.convertexperiments.com/v1/js/1-2.js",
    )
    assert list(found) == ["django_convert.W041"]  # one id, one message per URL
    messages = [m for m in check_deploy() if m.id == "django_convert.W041"]
    assert len(messages) == 3
    tracking, config, script = messages
    assert tracking.msg == (
        "DJANGO_CONVERT['TRACKING_URL'] is 'http://metrics.convertexperiments.com/v1/track', "
        "not https: conversions (visitor ids, order ids, amounts) travel unencrypted and can "
        "be changed on the way."
    )
    assert tracking.hint == "Use https:// (or, for SCRIPT_URL, //) for TRACKING_URL."
    assert "project config can be changed" in config.msg
    assert "mixed content" in script.msg


@override_settings(DEBUG=True)
def test_a_secret_over_plain_http_is_an_error_even_in_debug(convert_settings) -> None:
    found = deploy_messages(
        convert_settings,
        SDK_KEY="10012345/10056789",
        SDK_SECRET="s3cret",
        TRACKING_URL="http://metrics.example.net/v1/track",
    )
    message = found["django_convert.E042"]
    assert message.msg == (
        "DJANGO_CONVERT['TRACKING_URL'] is 'http://metrics.example.net/v1/track', plain http, "
        "and SDK_SECRET is set: the secret goes out as an 'Authorization: Bearer' header in "
        "clear text on every request."
    )
    assert "Use https:// for TRACKING_URL" in message.hint
    assert "change the secret in Convert" in message.hint
    assert "s3cret" not in message.msg + message.hint


@override_settings(DEBUG=False)
def test_config_synced_from_a_stand_in(convert_settings) -> None:
    ConfigSync.objects.create(ok=True, url="http://127.0.0.1:8001/api/v1/config/1/2")
    message = deploy_messages(convert_settings)["django_convert.W043"]
    assert "it was fetched from http://127.0.0.1:8001/api/v1/config/1/2" in message.msg
    assert "a sample project" in message.msg
    assert "convert_sync" in message.hint
    ConfigSync.objects.create(ok=True, url="https://cdn-4.convertexperiments.com/api/v1/config/1/2")
    assert "django_convert.W043" not in deploy_messages(convert_settings)


@override_settings(DEBUG=False)
def test_the_demos_seeded_config_counts_as_a_stand_in(convert_settings) -> None:
    ConfigSync.objects.create(ok=True, url="(demo)", trigger="demo")
    message = deploy_messages(convert_settings)["django_convert.W043"]
    assert "the demo's seeded sample config" in message.msg


@override_settings(DEBUG=False)
def test_disabled_app_needs_nothing(convert_settings) -> None:
    assert deploy_messages(convert_settings, ENABLED=False, **QUICK_START) == {}


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://127.0.0.1:8001/v1/track", True),
        ("http://127.1.2.3/x", True),
        ("http://localhost/x", True),
        ("http://shop.localhost/x", True),
        ("http://[::1]:8000/x", True),
        ("http://0.0.0.0:8000/x", True),
        ("//127.0.0.1/x.js", True),
        ("https://metrics.convertexperiments.com/v1/track", False),
        ("http://10.0.0.5/v1/track", False),  # another machine (a proxy), not a stand-in
        ("http://[bad/x", False),
        (None, False),
    ],
)
def test_what_counts_as_this_machine(url, local) -> None:
    assert is_local_url(url) is local


@override_settings(DEBUG=False)
def test_manage_py_check_deploy_reports_them_with_their_tags(convert_settings) -> None:
    convert_settings(**{**LIVE, **QUICK_START, "SCRIPT_URL": STANDIN_SCRIPT_URL})
    with pytest.raises(SystemCheckError) as raised:
        call_command("check", "--deploy", "--tag", "deployment")
    output = str(raised.value)
    for check_id in ("E040", "W040", "E041"):
        assert f"django_convert.{check_id}" in output
    # Not without --deploy: development keeps its stand-ins.
    call_command("check", stdout=StringIO(), stderr=StringIO())
    convert_settings(**{**LIVE, "SDK_SECRET": "x", "CONFIG_URL": "http://cdn.example.com"})
    with pytest.raises(SystemCheckError) as raised:
        call_command("check", "--deploy", "--tag", "security")
    assert "django_convert.E042" in str(raised.value)


def doctor_items() -> dict[str, Any]:
    return {item.key: item for item in diagnose_project().items}


@override_settings(DEBUG=False)
def test_doctor_fails_on_the_stand_ins_and_never_says_all_checks_passed(convert_settings) -> None:
    convert_settings(**QUICK_START, SCRIPT_URL=STANDIN_SCRIPT_URL)
    ConfigSync.objects.create(ok=True, url="http://127.0.0.1:8001/api/v1/config/1/2")
    items = doctor_items()
    assert items["config"].status == "fail"  # a stand-in's config is never "fresh"
    assert "a stand-in on this machine" in items["config"].detail
    assert items["go_live:django_convert.E040"].status == "fail"
    assert items["go_live:django_convert.E041"].status == "fail"
    assert items["go_live:django_convert.W040"].status == "warn"
    assert "go_live:django_convert.W043" not in items  # the config item says it
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("convert_doctor", stdout=out)
    assert "All checks passed" not in out.getvalue()
    assert "(django_convert.E040)" in out.getvalue()


@override_settings(DEBUG=True)
def test_doctor_in_development_warns_about_the_stand_ins(convert_settings) -> None:
    convert_settings(**QUICK_START)
    ConfigSync.objects.create(ok=True, url="http://127.0.0.1:8001/api/v1/config/1/2")
    items = doctor_items()
    assert items["config"].status == "warn"
    assert items["go_live"].status == "warn"
    assert "TRACKING_URL, CONFIG_URL point at stand-ins" in items["go_live"].detail
    assert "fine while DEBUG is True" in items["go_live"].detail


@override_settings(DEBUG=False)
def test_doctor_passes_go_live_on_converts_urls(convert_settings) -> None:
    convert_settings(**LIVE)
    ConfigSync.objects.create(ok=True, url="https://cdn-4.convertexperiments.com/api/v1/config/1/2")
    items = doctor_items()
    assert items["config"].status == "pass"
    assert items["go_live"].status == "pass"


def test_a_secret_to_a_local_stand_in_in_production(convert_settings) -> None:
    secret = {"SDK_KEY": "10012345/10056789", "SDK_SECRET": "s3cret", **QUICK_START}
    with override_settings(DEBUG=False):
        found = deploy_messages(convert_settings, **secret)
        assert "django_convert.E042" in found  # the live secret, in clear
        assert "django_convert.E040" in found  # and the stand-in
    with override_settings(DEBUG=True):
        assert "django_convert.E042" not in deploy_messages(convert_settings, **secret)


# The forwarding pages' examples, as a newcomer copies them into production settings.
DOCS_FORWARD = {
    "ga4": {
        "MEASUREMENT_ID": "G-XXXXXXXXXX",
        "API_SECRET": "test-secret",
        "URL": "http://127.0.0.1:8002/mp/collect",
    },
    "segment": {"WRITE_KEY": "test-write-key"},
    "mixpanel": {"PROJECT_TOKEN": "...", "URL": "https://api-eu.mixpanel.com/import"},
}


@override_settings(DEBUG=False)
def test_forwarding_left_on_a_stand_in_or_example_credentials(convert_settings) -> None:
    convert_settings(**LIVE, FORWARD=DOCS_FORWARD)
    found = [(message.id, message.msg) for message in check_deploy()]
    ids = [id_ for id_, _ in found]
    assert ids.count("django_convert.E043") == 1  # ga4's URL; Mixpanel's EU host is fine
    assert ids.count("django_convert.W044") == 4  # G-XXXXXXXXXX, test-secret, test-write-key, ...
    assert (
        "django_convert.E043",
        "DJANGO_CONVERT['FORWARD']['ga4']['URL'] is 'http://127.0.0.1:8002/mp/collect', a "
        "stand-in on this machine, and DEBUG is False: every event for ga4 goes there, never "
        "to ga4.",
    ) in found
    assert any("['segment']['WRITE_KEY'] is 'test-write-key'" in msg for _, msg in found)


@override_settings(DEBUG=False)
def test_real_looking_forwarding_credentials_pass(convert_settings) -> None:
    forward = {
        "ga4": {"MEASUREMENT_ID": "G-4B7K2Q9ZT1", "API_SECRET": "a8Fk2_hQx-Tr0mZ"},
        "segment": {"WRITE_KEY": "q1w2e3r4t5y6u7i8o9p0"},
        "mixpanel": {"PROJECT_TOKEN": "5c2a9f0e7d3b1a4c6e8f0a2b4c6d8e0f"},
    }
    convert_settings(**LIVE, FORWARD=forward)
    assert [message.id for message in check_deploy()] == []


def test_forwarding_stand_ins_are_fine_with_debug(convert_settings) -> None:
    convert_settings(**LIVE, FORWARD=DOCS_FORWARD)
    with override_settings(DEBUG=True):
        assert check_deploy() == []
