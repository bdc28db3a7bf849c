"""Where the background thread cannot run (W030/W031, the start-up warning), and the worker
every web process starts from its first request."""

from __future__ import annotations

import sys
import types
from importlib import metadata

import pytest
from django.core.checks import run_checks
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_started

from django_convert.delivery import environment, worker
from django_convert.delivery.environment import check_threads, thread_problem, warn_at_startup
from django_convert.delivery.worker import start_on_request
from tests.fixtures_convert import make_conversions


@pytest.fixture
def fake_uwsgi(monkeypatch: pytest.MonkeyPatch):
    """The module uWSGI embeds in its Python processes, with ``has_threads`` as given."""

    def install(has_threads: int) -> None:
        module = types.ModuleType("uwsgi")
        module.has_threads = has_threads  # type: ignore[attr-defined]
        module.opt = {}  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, "uwsgi", module)

    return install


def ids(messages) -> list[str]:
    return [m.id for m in messages if m.id.startswith("django_convert.W03")]


@pytest.mark.django_db  # run_checks() includes the checks that read the synced config
def test_uwsgi_without_threads_is_a_warning_saying_what_to_do(fake_uwsgi, convert_settings) -> None:
    convert_settings(DELIVERY="background")
    fake_uwsgi(0)
    assert "uWSGI without Python threads" in (thread_problem() or "")
    [message] = check_threads()
    assert message.id == "django_convert.W030"
    assert "enable-threads" in message.hint
    assert '"celery" or "task"' in message.hint
    assert "django_convert.W030" in ids(run_checks())


def test_uwsgi_with_threads_is_fine(fake_uwsgi, convert_settings, monkeypatch) -> None:
    convert_settings(DELIVERY="background")
    monkeypatch.setattr(environment, "installed_uwsgi_without_default_threads", lambda: None)
    fake_uwsgi(1)
    assert thread_problem() is None
    assert check_threads() == []


def test_other_delivery_modes_need_no_thread(fake_uwsgi, convert_settings) -> None:
    fake_uwsgi(0)
    for mode in ("manual", "task", "celery"):
        convert_settings(DELIVERY=mode)
        assert check_threads() == []


def test_aws_lambda_freezes_threads(convert_settings, monkeypatch) -> None:
    convert_settings(DELIVERY="immediate")  # its retries are sent by the worker thread
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "shop")
    [message] = check_threads()
    assert message.id == "django_convert.W030"
    assert "AWS Lambda" in message.msg


def test_an_installed_uwsgi_with_threads_off_by_default(convert_settings, monkeypatch) -> None:
    convert_settings(DELIVERY="background")
    monkeypatch.setattr(metadata, "version", lambda name: "2.0.21")
    [message] = check_threads()
    assert message.id == "django_convert.W031"
    assert "uWSGI 2.0.21" in message.msg
    monkeypatch.setattr(metadata, "version", lambda name: "2.0.28")
    assert check_threads() == []


def test_startup_warning(fake_uwsgi, convert_settings, caplog) -> None:
    convert_settings(DELIVERY="background")
    fake_uwsgi(0)
    warn_at_startup()
    [record] = [r for r in caplog.records if "without Python threads" in r.getMessage()]
    assert record.levelname == "WARNING"
    assert "enable-threads" in record.getMessage()
    caplog.clear()
    convert_settings(DELIVERY="manual")
    warn_at_startup()
    assert caplog.records == []


# The worker every web process runs ------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_page_view_starts_the_worker_which_sends_rows_left_by_others(
    client, convert_server, convert_settings, fresh_worker
) -> None:
    convert_settings(DELIVERY="background", POLL_SECONDS=0.5)
    client.get("/pages/plain/")
    assert not fresh_worker.alive  # not by the test client (see start_on_request)
    start_on_request(sender=WSGIHandler, environ={})  # a real server's request
    assert fresh_worker.alive  # started by the request, with nothing recorded here
    make_conversions(2)  # written by another process; nobody wakes this worker
    import time

    deadline = time.monotonic() + 5
    while len(convert_server.accepted_transaction_ids()) < 2:
        assert time.monotonic() < deadline, "not picked up within POLL_SECONDS"
        time.sleep(0.05)


@pytest.mark.django_db
def test_manual_mode_starts_no_worker(convert_settings, fresh_worker) -> None:
    convert_settings(DELIVERY="manual")
    start_on_request(sender=WSGIHandler, environ={})
    assert not fresh_worker.alive


def test_every_request_of_a_real_server_reaches_the_receiver() -> None:
    uids = [key[0] for key, *_ in request_started.receivers]
    assert "django_convert.delivery.worker" in uids


def test_a_process_forked_without_at_fork_hooks_gets_a_fresh_worker(
    fresh_worker, monkeypatch
) -> None:
    # uWSGI forks its workers in C: Python's os.register_at_fork hooks do not run there.
    monkeypatch.setattr(fresh_worker, "pid", -1)
    assert worker.get_worker() is not fresh_worker
    assert worker.get_worker() is worker.get_worker()


@pytest.mark.django_db(transaction=True)
def test_a_misconfigured_worker_says_so_once_not_every_round(
    convert_settings, fresh_worker, caplog
) -> None:
    # Every web process runs the thread from its first request: a missing setting must
    # be one ERROR per process, not a traceback every few seconds in every process.
    convert_settings(DELIVERY="background", POLL_SECONDS=0.1, ACCOUNT_ID=None, SDK_KEY=None)
    fresh_worker.ensure_started()
    import time

    time.sleep(1.0)  # several rounds
    errors = [
        r for r in caplog.records if "Background delivery of conversions failed" in r.getMessage()
    ]
    assert len(errors) == 1
    assert errors[0].levelname == "ERROR"
    assert "account_id" in errors[0].getMessage()
    assert fresh_worker.alive


def test_a_disabled_app_needs_no_thread(fake_uwsgi, convert_settings) -> None:
    convert_settings(DELIVERY="background", ENABLED=False)
    fake_uwsgi(0)
    assert check_threads() == []
