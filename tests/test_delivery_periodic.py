"""Periodic jobs run by every delivery loop (delivery/periodic.py), and the manual mode
saying once that nobody in this process sends."""

from __future__ import annotations

import time
from io import StringIO

import pytest
from django.core.management import call_command

from django_convert.delivery import dispatch, periodic
from django_convert.delivery.periodic import Job, run_due_jobs, seconds_until_next_job

CALLS: list[str] = []


def job_ok() -> str:
    CALLS.append("ok")
    return "done"


def job_broken() -> None:
    raise RuntimeError("sweep exploded")


@pytest.fixture
def jobs(monkeypatch: pytest.MonkeyPatch, convert_settings) -> list[Job]:
    CALLS.clear()
    convert_settings(POLL_SECONDS=0.2, LEASE_SECONDS=120)  # any numeric setting as interval
    registered: list[Job] = []
    monkeypatch.setattr(periodic, "JOBS", registered)
    return registered


def test_no_jobs_no_work(jobs) -> None:
    assert run_due_jobs() == {}
    assert seconds_until_next_job() is None


def test_a_job_runs_once_per_interval_in_a_process(jobs) -> None:
    jobs.append(Job("ok", f"{__name__}.job_ok", "POLL_SECONDS"))
    assert run_due_jobs() == {"ok": "done"}
    assert run_due_jobs() == {}  # not due again yet
    assert 0 < (seconds_until_next_job() or 0) <= 0.2
    time.sleep(0.25)
    assert run_due_jobs() == {"ok": "done"}
    assert run_due_jobs(force=True) == {"ok": "done"}
    assert CALLS == ["ok", "ok", "ok"]


def test_a_failing_job_is_logged_and_does_not_stop_the_others(jobs, caplog) -> None:
    jobs.append(Job("broken", f"{__name__}.job_broken", "LEASE_SECONDS"))
    jobs.append(Job("ok", f"{__name__}.job_ok", "LEASE_SECONDS"))
    assert run_due_jobs() == {"broken": None, "ok": "done"}
    [record] = [r for r in caplog.records if "Periodic job 'broken' failed" in r.getMessage()]
    assert record.levelname == "ERROR"
    assert "sweep exploded" in caplog.text


@pytest.mark.django_db
def test_convert_deliver_once_runs_the_jobs(jobs) -> None:
    jobs.append(Job("ok", f"{__name__}.job_ok", "LEASE_SECONDS"))
    call_command("convert_deliver", stdout=StringIO())
    assert CALLS == ["ok"]


@pytest.mark.django_db(transaction=True)
def test_the_background_worker_runs_the_jobs_on_their_interval(
    jobs, fresh_worker, convert_settings
) -> None:
    convert_settings(DELIVERY="background", POLL_SECONDS=0.2)
    jobs.append(Job("ok", f"{__name__}.job_ok", "POLL_SECONDS"))
    fresh_worker.ensure_started()
    deadline = time.monotonic() + 5
    while len(CALLS) < 3:  # every 0.2 s, with nothing else to do
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_manual_mode_says_once_that_nothing_here_sends(monkeypatch, caplog) -> None:
    monkeypatch.setattr(dispatch, "_manual_said", False)
    dispatch.dispatch_manual([1])
    dispatch.dispatch_manual([2])
    [record] = [r for r in caplog.records if '"manual"' in r.getMessage()]
    assert record.levelname == "WARNING"
    assert "convert_deliver" in record.getMessage()


def test_an_interval_of_zero_turns_a_job_off(jobs, convert_settings) -> None:
    convert_settings(SWEEP_INTERVAL=0)
    jobs.append(Job("off", f"{__name__}.job_ok", "SWEEP_INTERVAL"))
    assert run_due_jobs(force=True) == {}
    assert seconds_until_next_job() is None
    assert CALLS == []


def test_every_loop_runs_the_config_sync_and_the_sweep() -> None:
    assert [job.name for job in periodic.JOBS] == ["config_sync", "sweep"]


@pytest.mark.django_db
def test_convert_deliver_records_what_update_bypassed_and_sends_it(
    convert_settings, convert_server, monkeypatch
) -> None:
    """A 'mark as paid' done with QuerySet.update() reaches Convert with no cron of its
    own: a delivery run sweeps it in, then sends it."""
    from django_convert.models import Conversion
    from tests.fixtures_conversions import GOAL, ORDER_RULE, make_visitor
    from tests.testapp.models import Order

    for job in periodic.JOBS:
        monkeypatch.setattr(job, "last_run", None)
    make_visitor("v-guest")
    convert_settings(CONVERSIONS=[{**ORDER_RULE, "visitor": "visitor_id"}])
    Order.objects.create(number="N1", visitor_id="v-guest")
    Order.objects.filter(number="N1").update(status="paid")
    assert not Conversion.objects.exists()
    call_command("convert_deliver", stdout=StringIO())  # a cron run: sweep, then send
    assert Conversion.objects.get().status == "sent"
    assert [c["goalId"] for c in convert_server.accepted_conversions()] == [GOAL]
