"""System checks against the synced project config: W200, W201, I202, W203, W204."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from django_convert.conversions.rules import ConversionRule, register_rule, unregister_rule
from django_convert.models import ConfigSync, Experience
from django_convert.project.checks import check_project_config
from django_convert.project.sync import sync_project_config

pytestmark = pytest.mark.django_db

RULE = {"model": "auth.User", "goal_id": "100037225", "visitor": "pk"}


def ids(messages) -> list[str]:
    return sorted(message.id for message in messages)


def test_no_synced_copy_is_one_info_hint(convert_settings) -> None:
    convert_settings(CONVERSIONS=[RULE, {**RULE, "goal_id": "999"}])
    messages = check_project_config()
    assert ids(messages) == ["django_convert.I202"]
    assert "convert_sync" in messages[0].hint


def test_rule_goals_of_the_project_on_an_active_experience_pass(synced, convert_settings) -> None:
    convert_settings(CONVERSIONS=[RULE])
    assert check_project_config() == []


def test_rule_goal_not_in_the_project_warns(synced, convert_settings) -> None:
    convert_settings(CONVERSIONS=[RULE, {**RULE, "goal_id": "999"}])
    [message] = check_project_config()
    assert message.id == "django_convert.W200"
    assert "CONVERSIONS'][1]" in message.msg and "999" in message.msg  # noqa: PT018


def test_rule_goal_on_no_active_experience_warns(synced, convert_settings) -> None:
    # 100037227 "Newsletter signup" is only attached to the draft "Homepage hero".
    convert_settings(CONVERSIONS=[{**RULE, "goal_id": "100037227"}])
    [message] = check_project_config()
    assert message.id == "django_convert.W201"
    assert "Newsletter signup (100037227)" in message.msg
    # Pausing every experience that tracks the purchase goal makes it warn too.
    convert_settings(CONVERSIONS=[RULE])
    Experience.objects.filter(pk__in=["100127238", "100127239"]).update(status="paused")
    assert ids(check_project_config()) == ["django_convert.W201"]


def test_code_rules_are_checked_too(synced, convert_settings) -> None:
    class UnknownGoal(ConversionRule):
        model = "auth.User"
        goal_id = "4242"
        visitor = "pk"

    rule = register_rule(UnknownGoal())
    try:
        [message] = check_project_config()
    finally:
        unregister_rule(rule)
    assert message.id == "django_convert.W200"
    assert "UnknownGoal" in message.msg


def test_failed_last_sync_warns_and_checks_use_the_good_copy(synced, convert_settings) -> None:
    convert_settings(CONVERSIONS=[{**RULE, "goal_id": "999"}])
    synced.config.fail(503)
    assert not sync_project_config().ok
    messages = check_project_config()
    assert ids(messages) == ["django_convert.W200", "django_convert.W203"]
    assert "the checks use the copy from" in next(m.msg for m in messages if m.id.endswith("3"))


def test_failed_first_sync_warns_without_the_info(config_server) -> None:
    config_server.config.fail(404)
    sync_project_config()
    assert ids(check_project_config()) == ["django_convert.W203"]


def test_stale_copy_warns(synced, convert_settings) -> None:
    convert_settings(CONFIG_SYNC_INTERVAL=3600)
    assert check_project_config() == []
    ConfigSync.objects.update(started_at=timezone.now() - timedelta(hours=3))
    assert ids(check_project_config()) == ["django_convert.W204"]
    convert_settings(CONFIG_SYNC_INTERVAL=0)  # syncing on an interval is off: no nagging
    assert check_project_config() == []


def test_checks_never_use_the_network(synced, convert_settings) -> None:
    convert_settings(CONVERSIONS=[RULE])
    requests_before = len(synced.config.requests)
    synced.stop()
    assert check_project_config() == []
    assert len(synced.config.requests) == requests_before


def test_manage_py_check_shows_the_warning(synced, convert_settings) -> None:
    convert_settings(CONVERSIONS=[{**RULE, "goal_id": "999"}])
    out = StringIO()
    call_command("check", stdout=out, stderr=out)
    assert "django_convert.W200" in out.getvalue()
