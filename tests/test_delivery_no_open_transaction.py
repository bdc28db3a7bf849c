"""No transaction or row lock outlives the work that took it: every statement delivery
runs is committed by the database when it ends (autocommit), so a thread frozen between
two statements (uWSGI without Python threads stops the delivery thread when a request
ends) or killed holds nothing. Checked on the driver's own connection after each of
delivery's statements: the claim, the outcome, the release, the worker's next-due query.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from django_convert.delivery import deliver_due
from django_convert.delivery.worker import seconds_until_next_due
from tests.fixtures_convert import make_conversions

pytestmark = pytest.mark.django_db(transaction=True)


def in_transaction() -> bool:
    raw = connection.connection
    if connection.vendor == "postgresql":
        from psycopg.pq import TransactionStatus

        return raw.info.transaction_status != TransactionStatus.IDLE
    if connection.vendor == "sqlite":
        return bool(raw.in_transaction)
    cursor = raw.cursor()  # MariaDB/MySQL: the session variable, on the driver directly
    cursor.execute("SELECT @@in_transaction")
    return bool(cursor.fetchone()[0])


@pytest.mark.parametrize("answer", ["accept", "fail", "stop"])
def test_no_statement_of_delivery_leaves_a_transaction_open(convert_server, answer) -> None:
    make_conversions(250, visitors=5)
    if answer == "fail":
        convert_server.fail(503)
    statements: list[str] = []
    open_after: list[str] = []

    def watch(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        result = execute(sql, params, many, context)
        statements.append(sql)
        if in_transaction():
            open_after.append(sql)
        return result

    asked: list[bool] = []

    def stop_after_the_first_batch() -> bool:  # the batch claimed ahead is released
        asked.append(True)
        return len(asked) > 2

    with connection.execute_wrapper(watch):
        deliver_due(should_stop=stop_after_the_first_batch if answer == "stop" else None)
        seconds_until_next_due()
    assert len(statements) >= 3
    assert open_after == []
