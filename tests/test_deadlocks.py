"""Deadlocks: recognised on each database, and run again only where the transaction is ours."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest
from django.db import DatabaseError, IntegrityError, OperationalError, connection, transaction

from django_convert import deadlocks
from django_convert.deadlocks import is_deadlock, run_retrying_deadlocks
from django_convert.models import Visitor


@pytest.fixture
def row_locks() -> None:
    if connection.vendor == "sqlite":
        pytest.skip(
            "SQLite locks the whole database, never single rows: two transactions cannot "
            "form a lock cycle, so there is no deadlock to detect"
        )


@pytest.mark.concurrent_db
@pytest.mark.django_db(transaction=True)
def test_the_databases_own_deadlock_error_is_recognised(row_locks: None) -> None:
    # The textbook cycle: each transaction locks one row, then wants the other's.
    first, second = Visitor.objects.create(visitor_id="a"), Visitor.objects.create(visitor_id="b")
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def lock(mine: Visitor, theirs: Visitor) -> None:
        try:
            with transaction.atomic():
                Visitor.objects.select_for_update().get(pk=mine.pk)
                barrier.wait(timeout=10)
                Visitor.objects.select_for_update().get(pk=theirs.pk)
        except DatabaseError as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=lock, args=(first, second)),
        threading.Thread(target=lock, args=(second, first)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    [error] = errors  # the database rolled back exactly one of them
    assert isinstance(error, OperationalError)
    assert is_deadlock(error)


@pytest.mark.django_db
def test_other_database_errors_are_not_deadlocks() -> None:
    Visitor.objects.create(visitor_id="a")
    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        Visitor.objects.create(visitor_id="a")
    assert not is_deadlock(raised.value)
    assert not is_deadlock(ValueError("1213"))


def deadlock() -> OperationalError:
    """What Django raises for InnoDB's deadlock: the driver's (code, message) args."""
    return OperationalError(1213, "Deadlock found when trying to get lock; try restarting")


class Flaky:
    """Work that loses ``deadlocks`` deadlocks, then succeeds."""

    def __init__(self, deadlocks: int) -> None:
        self.left = deadlocks
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.left:
            self.left -= 1
            raise deadlock()
        return "done"


@pytest.mark.django_db(transaction=True)
def test_a_deadlock_in_autocommit_is_run_again(caplog: pytest.LogCaptureFixture) -> None:
    work = Flaky(deadlocks=2)
    with caplog.at_level(logging.INFO, logger="django_convert"):
        assert run_retrying_deadlocks(work, using="default", what="Test work") == "done"
    assert work.calls == 3
    assert [record.getMessage().split(" (")[0] for record in caplog.records] == [
        "Test work was rolled back by the database to break a deadlock"
    ] * 2


@pytest.mark.django_db(transaction=True)
def test_three_deadlocks_in_a_row_reach_the_caller() -> None:
    work = Flaky(deadlocks=deadlocks.DEADLOCK_ATTEMPTS)
    with pytest.raises(OperationalError) as raised:
        run_retrying_deadlocks(work, using="default", what="Test work")
    assert is_deadlock(raised.value)
    assert work.calls == deadlocks.DEADLOCK_ATTEMPTS


@pytest.mark.django_db(transaction=True)
def test_other_errors_are_not_run_again() -> None:
    calls: list[Any] = []

    def work() -> None:
        calls.append(1)
        raise IntegrityError("duplicate")

    with pytest.raises(IntegrityError):
        run_retrying_deadlocks(work, using="default", what="Test work")
    assert len(calls) == 1


@pytest.mark.django_db(transaction=True)
def test_a_deadlock_inside_the_callers_transaction_is_not_run_again() -> None:
    # The database has already rolled back the caller's own writes: running only our part
    # again would commit it without them.
    work = Flaky(deadlocks=1)
    with pytest.raises(OperationalError), transaction.atomic():
        run_retrying_deadlocks(work, using="default", what="Test work")
    assert work.calls == 1
