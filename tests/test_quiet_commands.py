"""Quiet by default: an informational check is printed by ``manage.py check`` only, not
before every command (cron mail); ``convert_sync`` says its error once; runserver shows no
uWSGI warning (W031) about a server it is not."""

from __future__ import annotations

import logging
from io import StringIO

import pytest
from django.contrib.staticfiles.management.commands.runserver import Command as Runserver
from django.core.management import CommandError, call_command

from django_convert.delivery import environment
from django_convert.invocation import running_command
from django_convert.models import ConfigSync
from django_convert.project.sync import sync_project_config

pytestmark = pytest.mark.django_db


def test_info_check_only_from_manage_py_check() -> None:
    assert not ConfigSync.objects.exists()
    out, err = StringIO(), StringIO()
    call_command("check", stdout=out, stderr=err)
    assert "django_convert.I202" in out.getvalue() + err.getvalue()
    # Any other command runs the checks first, and prints what they return to stderr.
    out, err = StringIO(), StringIO()
    call_command("showmigrations", "django_convert", skip_checks=False, stdout=out, stderr=err)
    assert "I202" not in out.getvalue() + err.getvalue()
    assert "0007_conversion_source_object" in out.getvalue()


def test_running_command_names_the_innermost_command(monkeypatch) -> None:
    assert running_command() is None  # a test, not a command
    seen: list[str | None] = []
    monkeypatch.setattr(Runserver, "handle", lambda self, *a, **o: seen.append(running_command()))
    call_command("runserver")
    assert seen == ["runserver"]


def test_convert_sync_says_its_error_once(convert_settings, caplog) -> None:
    convert_settings(CONFIG_URL="http://127.0.0.1:9")  # nothing listens on port 9
    caplog.set_level(logging.DEBUG, logger="django_convert")
    with pytest.raises(CommandError) as raised:
        call_command("convert_sync", stdout=StringIO())
    assert "Could not sync the project config from http://127.0.0.1:9" in str(raised.value)
    assert not [r for r in caplog.records if "not synced" in r.getMessage()]
    # Workers and "Sync now" have nobody else to say it: they still log it.
    sync_project_config(trigger="interval")
    [record] = [r for r in caplog.records if "not synced" in r.getMessage()]
    assert record.levelno == logging.WARNING


def test_w031_is_for_check_not_for_runserver(convert_settings, monkeypatch) -> None:
    convert_settings(DELIVERY="background")
    monkeypatch.setattr(environment, "installed_uwsgi_without_default_threads", lambda: "2.0.26")
    out, err = StringIO(), StringIO()
    call_command("check", stdout=out, stderr=err)
    assert "django_convert.W031" in err.getvalue()
    # runserver runs the checks itself (in its serving thread) before serving.
    server = Runserver(stdout=StringIO(), stderr=StringIO())
    out, err = StringIO(), StringIO()
    server.stdout._out, server.stderr._out = out, err
    server.check(display_num_errors=True)
    assert "W031" not in out.getvalue() + err.getvalue()
    assert "System check identified" in out.getvalue()
