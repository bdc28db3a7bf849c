"""Syncing the project config from the stand-in into the models; failures keep the old copy."""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from django_convert.models import ConfigSync, Experience, Goal, Variation
from django_convert.project.sync import (
    reset_config_clients,
    sync_if_stale,
    sync_project_config,
)
from django_convert.testing.project_config import sample_config

pytestmark = pytest.mark.django_db


def snapshot() -> dict[str, object]:
    return {
        "experiences": sorted(Experience.objects.values_list("id", "name", "status", "in_config")),
        "variations": sorted(
            Variation.objects.values_list(
                "id", "experience_id", "name", "traffic_allocation", "in_config"
            )
        ),
        "goals": sorted(Goal.objects.values_list("id", "name", "type", "in_config")),
        "links": sorted(Experience.goals.through.objects.values_list("experience_id", "goal_id")),
    }


def test_sync_stores_experiences_variations_and_goals(config_server) -> None:
    attempt = sync_project_config(trigger="test")
    assert attempt.ok, attempt.error
    assert (attempt.experiences, attempt.variations, attempt.goals) == (3, 7, 3)
    assert attempt.url.endswith("/api/v1/config/10012345/10056789")
    checkout = Experience.objects.get(pk="100127238")
    assert (checkout.name, checkout.key, checkout.status, checkout.type) == (
        "Checkout button colour",
        "checkout-button-colour",
        "active",
        "a/b",
    )
    assert sorted(checkout.goals.values_list("pk", flat=True)) == ["100037225", "100037226"]
    assert list(checkout.variations.values_list("name", "traffic_allocation", "status")) == [
        ("A: blue button", Decimal(50), "running"),
        ("B: green button", Decimal(50), "running"),
    ]
    assert (attempt.warnings, attempt.environment, attempt.other_environments) == ([], "", {})
    assert Goal.objects.get(pk="100037225").type == "revenue"
    archived = Experience.objects.get(pk="100127100")
    assert (archived.status, archived.name, archived.in_config) == ("archived", "", True)


def test_resync_updates_and_marks_what_disappeared(config_server) -> None:
    sync_project_config()
    data = sample_config()
    data["experiences"][0]["name"] = "Checkout button, round 2"
    data["experiences"][0]["status"] = "paused"
    data["experiences"][0]["goals"] = ["100037225"]
    data["experiences"][0]["variations"][1]["traffic_allocation"] = 12.5
    del data["experiences"][2]  # the draft is gone
    data["goals"] = data["goals"][:2]
    config_server.config.serve(data)
    assert sync_project_config().ok
    checkout = Experience.objects.get(pk="100127238")
    assert (checkout.name, checkout.status) == ("Checkout button, round 2", "paused")
    assert list(checkout.goals.values_list("pk", flat=True)) == ["100037225"]
    assert Variation.objects.get(pk="1001186428").traffic_allocation == Decimal("12.5")
    gone = Experience.objects.get(pk="100127240")
    assert (gone.name, gone.in_config) == ("Homepage hero", False)  # names kept for history
    assert not Variation.objects.get(pk="1001186500").in_config
    assert not Goal.objects.get(pk="100037227").in_config


@pytest.mark.parametrize(
    "fault",
    [
        lambda s: s.config.fail(503),
        lambda s: s.config.fail(401),
        lambda s: s.config.garble(),
        lambda s: s.config.serve({"account_id": "1", "project": {"id": "2"}, "goals": 5}),
        lambda s: (s.stop(), reset_config_clients()),
    ],
    ids=["5xx", "401", "not json", "bad shape", "down"],
)
def test_failed_sync_keeps_the_last_good_copy(config_server, fault, caplog) -> None:
    assert sync_project_config().ok
    before = snapshot()
    fault(config_server)
    with caplog.at_level(logging.WARNING, logger="django_convert"):
        attempt = sync_project_config()
    assert not attempt.ok
    assert attempt.error
    assert attempt.finished_at is not None
    assert snapshot() == before
    assert "last good copy is kept" in caplog.text
    assert ConfigSync.objects.filter(ok=True).count() == 1


def test_a_failure_midway_through_storing_writes_nothing(config_server, monkeypatch) -> None:
    assert sync_project_config().ok
    before = snapshot()
    data = sample_config()
    data["experiences"][0]["name"] = "Renamed"
    config_server.config.serve(data)
    original = Variation.objects.bulk_create

    def explode(*args, **kwargs):
        original(*args, **kwargs)
        raise RuntimeError("disk full")

    monkeypatch.setattr(Variation.objects, "bulk_create", explode)
    with pytest.raises(RuntimeError):
        sync_project_config()
    assert snapshot() == before  # one transaction: the renamed experience rolled back


def test_missing_settings_are_recorded_not_raised(config_server, convert_settings) -> None:
    convert_settings(ACCOUNT_ID=None, PROJECT_ID=None)
    attempt = sync_project_config()
    assert not attempt.ok
    assert "sdk_key" in attempt.error


def test_sync_if_stale_follows_interval_and_retry_delay(config_server, convert_settings) -> None:
    convert_settings(CONFIG_SYNC_INTERVAL=3600, CONFIG_SYNC_RETRY_DELAY=300)
    first = sync_if_stale()
    assert first is not None and first.ok  # noqa: PT018
    assert sync_if_stale() is None  # fresh
    ConfigSync.objects.update(started_at=timezone.now() - timedelta(hours=2))
    config_server.config.fail(503)
    failed = sync_if_stale()
    assert failed is not None and not failed.ok  # noqa: PT018
    assert sync_if_stale() is None  # retry delay not over
    ConfigSync.objects.filter(pk=failed.pk).update(
        started_at=timezone.now() - timedelta(seconds=301)
    )
    retried = sync_if_stale()
    assert retried is not None and retried.ok  # noqa: PT018
    convert_settings(CONFIG_SYNC_INTERVAL=0)
    ConfigSync.objects.update(started_at=timezone.now() - timedelta(days=2))
    assert sync_if_stale() is None  # turned off


def test_sync_if_stale_leaves_a_running_sync_alone(config_server) -> None:
    ConfigSync.objects.create(trigger="other worker")
    assert sync_if_stale() is None
    assert config_server.config.requests == []


def test_convert_sync_command(config_server) -> None:
    out = StringIO()
    call_command("convert_sync", stdout=out)
    assert "Synced 3 experiences, 7 variations and 3 goals" in out.getvalue()
    call_command("convert_sync", "--if-stale", stdout=out)
    assert "fresh; nothing to do" in out.getvalue()
    config_server.config.fail(500)
    with pytest.raises(CommandError, match="last good copy is kept"):
        call_command("convert_sync")


def test_old_attempts_are_pruned(config_server, monkeypatch) -> None:
    from django_convert.project import sync

    monkeypatch.setattr(sync, "KEEP_ATTEMPTS", 3)
    sync_project_config()
    good = ConfigSync.objects.get()
    config_server.config.fail(503, times=None)
    for _ in range(5):
        sync_project_config()
    config_server.config.heal()
    ConfigSync.objects.filter(pk=good.pk).update(started_at=timezone.now() - timedelta(days=1))
    sync_project_config()
    assert ConfigSync.objects.count() <= 4
    assert ConfigSync.objects.filter(ok=True).exists()


@pytest.mark.django_db(transaction=True)
def test_convert_deliver_loop_syncs_the_config(config_server) -> None:
    import signal
    import subprocess
    import sys
    import time

    from tests.fixtures_convert import worker_env

    env = worker_env(config_server, CONFIG_URL=config_server.config_url)
    worker = subprocess.Popen(
        [sys.executable, "-m", "django", "convert_deliver", "--loop", "--interval", "0.1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not ConfigSync.objects.filter(ok=True).exists():
            assert time.monotonic() < deadline, "the worker did not sync the config"
            assert worker.poll() is None, worker.stderr.read() if worker.stderr else ""
            time.sleep(0.05)
        time.sleep(0.5)  # several more rounds: the copy is fresh, no second fetch
    finally:
        worker.send_signal(signal.SIGTERM)
        _out, err = worker.communicate(timeout=15)
    assert worker.returncode == 0, err
    assert ConfigSync.objects.get().trigger == "interval"  # the periodic job of the loop
    assert len(config_server.config.requests) == 1
    assert Experience.objects.get(pk="100127238").name == "Checkout button colour"


def test_worker_sync_never_raises(monkeypatch, caplog) -> None:
    from django_convert.project import sync

    def broken(**kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(sync, "sync_if_stale", broken)
    monkeypatch.setattr(sync, "_next_worker_check", 0.0)
    with caplog.at_level(logging.ERROR, logger="django_convert"):
        sync.sync_if_stale_in_worker()
    assert "delivery goes on" in caplog.text


def test_worker_asks_the_database_at_most_every_30_seconds(monkeypatch) -> None:
    from django_convert.project import sync

    calls = []
    monkeypatch.setattr(sync, "sync_if_stale", lambda **kw: calls.append(kw))
    monkeypatch.setattr(sync, "_next_worker_check", 0.0)
    for _ in range(5):
        sync.sync_if_stale_in_worker(trigger="loop")
    assert calls == [{"trigger": "loop"}]
    monkeypatch.setattr(sync, "_next_worker_check", 0.0)
    sync.sync_if_stale_in_worker(trigger="loop")
    assert len(calls) == 2


def test_celery_sync_task(config_server) -> None:
    pytest.importorskip("celery")
    from django_convert.delivery.celery import sync_project_config as task

    assert task() is True  # run in this process: the task body, not a broker round trip
    assert ConfigSync.objects.get().trigger == "celery"
    config_server.config.fail(503)
    assert task() is False


def test_names_with_markup_nul_and_length_are_stored_safely(config_server, admin_client) -> None:
    data = sample_config()
    data["experiences"][0]["name"] = "<script>alert(1)</script>\x00" + "x" * 300
    config_server.config.serve(data)
    assert sync_project_config().ok
    name = Experience.objects.get(pk="100127238").name
    assert "\x00" not in name and len(name) == 255  # noqa: PT018
    page = admin_client.get("/admin/django_convert/experience/").content.decode()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_database_error_while_storing_is_recorded(config_server, monkeypatch) -> None:
    from django.db import DatabaseError

    from django_convert.project import sync

    assert sync_project_config().ok
    before = snapshot()

    def refuse(*args, **kwargs):
        raise DatabaseError("incorrect string value")

    monkeypatch.setattr(sync, "store_config", refuse)
    attempt = sync_project_config()
    assert not attempt.ok
    assert "incorrect string value" in attempt.error
    assert attempt.finished_at is not None
    assert snapshot() == before


def test_a_first_failed_sync_says_there_is_no_copy_yet(config_server, caplog) -> None:
    import logging

    from django_convert.project.sync import sync_project_config

    config_server.config.fail(503)
    with caplog.at_level(logging.WARNING, logger="django_convert"):
        assert not sync_project_config().ok
    assert "there is no synced copy yet" in caplog.text
    assert "last good copy" not in caplog.text
