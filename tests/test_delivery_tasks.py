"""DELIVERY="task": Django's Tasks framework (django.tasks on Django 6, the django-tasks
backport before), with a real django-tasks-db worker delivering to the local stand-in."""

from __future__ import annotations

import sys
import time

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from django_convert.models import Conversion
from tests.fixtures_convert import make_conversions
from tests.fixtures_dispatch import TASK_QUEUE, needs_db_backend, needs_tasks_framework

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("tests.delivery_urls")]


def checkout(client, order: str = "ORDER-1") -> float:
    started = time.monotonic()
    response = client.post("/checkout/", {"order": order})
    assert response.status_code == 200
    return time.monotonic() - started


def row(order: str = "ORDER-1") -> Conversion:
    return Conversion.objects.get(transaction_id=order)


def queued_tasks() -> list:
    from django_tasks_db.models import DBTaskResult

    return list(DBTaskResult.objects.order_by("enqueued_at"))


@needs_db_backend
def test_checkout_enqueues_a_task_that_a_db_worker_delivers(
    client, convert_server, convert_settings, db_worker
) -> None:
    convert_settings(DELIVERY="task", TASK_QUEUE=TASK_QUEUE)
    convert_server.latency = 1.0
    assert checkout(client) < 0.5  # enqueueing is one INSERT; Convert is not waited for
    assert (row().status, row().attempts) == ("pending", 0)
    [queued] = queued_tasks()
    assert queued.task_path == "django_convert.delivery.tasks.deliver_conversions_task"
    assert queued.queue_name == TASK_QUEUE
    assert queued.args_kwargs == {"args": [[row().pk]], "kwargs": {}}

    done = db_worker(convert_server)
    assert done.returncode == 0, done.stderr
    assert row().status == "sent"
    assert convert_server.accepted_transaction_ids() == ["ORDER-1"]
    [finished] = queued_tasks()
    assert finished.status == "SUCCESSFUL"
    assert finished.return_value == {
        "sent": 1,
        "retried": 0,
        "failed": 0,
        "released": 0,
        "requests": 1,
    }


@needs_db_backend
def test_a_task_run_twice_sends_nothing_twice_and_sweeps_what_is_due(
    convert_server, convert_settings, db_worker
) -> None:
    from django_convert.delivery.tasks import enqueue_delivery

    convert_settings(DELIVERY="task", TASK_QUEUE=TASK_QUEUE)
    mine = [c.pk for c in make_conversions(3)]
    make_conversions(2, start=3)  # due, but no task of their own (e.g. backed off earlier)
    enqueue_delivery(mine)
    enqueue_delivery(mine)  # a duplicate: the same conversions again

    done = db_worker(convert_server)
    assert done.returncode == 0, done.stderr
    first, second = queued_tasks()
    assert (first.status, second.status) == ("SUCCESSFUL", "SUCCESSFUL")
    assert first.return_value["sent"] == 5  # its own three, then the two others due
    assert second.return_value["sent"] == 0
    assert sorted(convert_server.accepted_transaction_ids()) == [f"ORDER-{n}" for n in range(5)]
    assert set(Conversion.objects.values_list("status", "attempts")) == {("sent", 1)}


@needs_tasks_framework
def test_any_backend_works_the_immediate_backend_sends_in_the_request(
    client, convert_server, convert_settings
) -> None:
    from django_convert.delivery.tasks import tasks_api

    backend = f"{tasks_api().__name__}.backends.immediate.ImmediateBackend"
    convert_settings(DELIVERY="task", TASK_QUEUE=TASK_QUEUE)
    with override_settings(TASKS={"default": {"BACKEND": backend, "QUEUES": [TASK_QUEUE]}}):
        checkout(client)
    assert row().status == "sent"
    assert convert_server.accepted_transaction_ids() == ["ORDER-1"]


@needs_tasks_framework
def test_a_task_that_cannot_be_enqueued_does_not_break_the_request(
    client, convert_server, convert_settings, caplog
) -> None:
    convert_settings(DELIVERY="task", TASK_QUEUE="no-such-queue")  # refused by the backend
    checkout(client)
    assert "Could not enqueue a Django Tasks delivery of conversion(s)" in caplog.text
    assert "no-such-queue" in caplog.text
    assert (row().status, row().attempts) == ("pending", 0)  # still in the outbox
    assert convert_server.received == []


def test_without_the_tasks_framework_the_error_says_what_to_install(
    client, convert_settings, caplog, monkeypatch
) -> None:
    for module in ("django.tasks", "django_tasks"):
        monkeypatch.setitem(sys.modules, module, None)  # import fails as if not installed
    monkeypatch.delitem(sys.modules, "django_convert.delivery.tasks", raising=False)
    convert_settings(DELIVERY="task")
    checkout(client)
    assert "pip install 'django-convert[tasks]'" in caplog.text
    assert row().status == "pending"
    with pytest.raises(ImproperlyConfigured, match="Tasks framework"):
        import django_convert.delivery.tasks  # noqa: F401
