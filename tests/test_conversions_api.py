"""track_conversion: validation, the visitor snapshot, idempotency, transactions, queries."""

from __future__ import annotations

import logging
import re
import threading
from decimal import Decimal
from typing import Any

import pytest
from django.db import DataError, connection, transaction
from django.test.utils import CaptureQueriesContext

from django_convert import deadlocks, track_conversion
from django_convert.conversions import record as record_module
from django_convert.conversions import sql as sql_module
from django_convert.deadlocks import is_deadlock
from django_convert.exceptions import ConversionError, InvalidVisitorId
from django_convert.models import Bucketing, Conversion, Visitor
from django_convert.signals import conversion_recorded
from tests.fixtures_conversions import BUCKETING, GOAL, SEGMENTS, make_visitor
from tests.races import after_a_rollback, in_threads

pytestmark = pytest.mark.django_db


@pytest.fixture
def visitor() -> Visitor:
    return make_visitor()


@pytest.fixture
def recorded() -> Any:
    """The conversions ``conversion_recorded`` was sent for."""
    seen: list[Conversion] = []

    def receiver(sender: Any, conversion: Conversion, **kwargs: Any) -> None:
        seen.append(conversion)

    conversion_recorded.connect(receiver)
    yield seen
    conversion_recorded.disconnect(receiver)


def test_contract_example_records_the_snapshot(visitor: Visitor) -> None:
    conversion = track_conversion(
        visitor_id=visitor.visitor_id,
        goal_id="100037225",
        amount=Decimal("149.99"),
        products_count=3,
        transaction_id="ORDER-12345",
        custom_dimensions={1: "gold"},
    )
    assert conversion is not None
    stored = Conversion.objects.get()
    assert stored.pk == conversion.pk
    assert stored.visitor_id == visitor.visitor_id
    assert stored.bucketing == BUCKETING
    assert stored.segments == SEGMENTS
    assert stored.status == Conversion.Status.PENDING
    assert stored.origin == "track_conversion"
    assert stored.goal_data() == [
        {"key": "amount", "value": Decimal("149.99")},
        {"key": "productsCount", "value": 3},
        {"key": "transactionId", "value": "ORDER-12345"},
        {"key": "customDimension1", "value": "gold"},
    ]


def test_snapshot_does_not_follow_later_changes(visitor: Visitor) -> None:
    track_conversion(visitor_id=visitor.visitor_id, goal_id=GOAL, transaction_id="T1")
    visitor.bucketings.update(variation_id="999")
    visitor.browser = "FF"
    visitor.save()
    stored = Conversion.objects.get()
    assert stored.bucketing == BUCKETING
    assert stored.segments["browser"] == "CH"


def test_same_goal_and_transaction_returns_the_existing_row(visitor: Visitor) -> None:
    first = track_conversion(visitor_id=visitor.visitor_id, goal_id=GOAL, transaction_id="T1")
    second = track_conversion(
        visitor_id=visitor.visitor_id, goal_id=GOAL, transaction_id="T1", amount=5
    )
    assert first is not None
    assert second is not None
    assert second.pk == first.pk
    assert second.amount is None  # the first recording wins
    assert Conversion.objects.count() == 1
    track_conversion(visitor_id=visitor.visitor_id, goal_id="200", transaction_id="T1")
    assert Conversion.objects.count() == 2


def test_without_transaction_id_every_call_records(visitor: Visitor) -> None:
    first = track_conversion(visitor_id=visitor.visitor_id, goal_id=GOAL)
    second = track_conversion(visitor_id=visitor.visitor_id, goal_id=GOAL)
    assert first is not None
    assert second is not None
    assert first.transaction_id != second.transaction_id
    assert re.fullmatch(r"local:[0-9a-f]{32}", first.transaction_id)
    assert first.transaction_id_is_local
    assert second.transaction_id_is_local
    assert Conversion.objects.count() == 2
    # A local key is never sent: a conversion without goal data carries no goalData, and
    # with goal data the transactionId is left out of it.
    assert first.goal_data() == []
    priced = track_conversion(visitor_id=visitor.visitor_id, goal_id=GOAL, amount=Decimal("9.5"))
    assert priced is not None
    assert priced.goal_data() == [{"key": "amount", "value": Decimal("9.5000")}]


def test_goal_id_may_be_an_int(visitor: Visitor) -> None:
    conversion = track_conversion(visitor_id=visitor.visitor_id, goal_id=100037225)
    assert conversion is not None
    assert Conversion.objects.get().goal_id == "100037225"


def test_by_user(django_user_model: Any) -> None:
    user = django_user_model.objects.create_user("ann")
    make_visitor("v-ann", user=user)
    conversion = track_conversion(user=user, goal_id=GOAL, transaction_id="T1")
    assert conversion is not None
    assert conversion.visitor_id == "v-ann"
    assert conversion.bucketing == BUCKETING


def test_user_must_be_a_user(visitor: Visitor) -> None:
    with pytest.raises(ConversionError, match="user must be a User, not Visitor"):
        track_conversion(user=visitor, goal_id=GOAL)
    assert not Conversion.objects.exists()


def test_origin_says_what_recorded_it(visitor: Visitor) -> None:
    conversion = track_conversion(
        visitor_id=visitor.visitor_id, goal_id=GOAL, origin="stripe webhook evt_123"
    )
    assert conversion is not None
    assert Conversion.objects.get().origin == "stripe webhook evt_123"


def test_user_without_visitor_records_nothing_and_warns(
    django_user_model: Any, caplog: pytest.LogCaptureFixture
) -> None:
    user = django_user_model.objects.create_user("ann")
    with caplog.at_level(logging.WARNING, logger="django_convert"):
        assert track_conversion(user=user, goal_id=GOAL, transaction_id="T1") is None
    assert not Conversion.objects.exists()
    [message] = [r for r in caplog.records if r.name == "django_convert"]
    assert message.levelno == logging.WARNING
    assert f"user {user.pk} has no Convert visitor" in message.getMessage()


def test_visitor_with_nothing_stored_still_converts() -> None:
    conversion = track_conversion(visitor_id="v-new", goal_id=GOAL, transaction_id="T1")
    assert conversion is not None
    stored = Conversion.objects.get()
    assert (stored.visitor_id, stored.bucketing, stored.segments) == ("v-new", {}, {})


@pytest.mark.parametrize(
    "stored",
    [
        {},
        {"browser": "CH", "country": "DE"},
        {"devices": ["DESK"], "campaign": "spring", "custom_segments": ["100299"]},
        {
            "browser": "FF",
            "devices": ["MOB", "IPH"],
            "source": "search",
            "visitor_type": "returning",
            "country": "FR",
            "campaign": "c",
            "custom_segments": ["1", "2"],
        },
    ],
)
@pytest.mark.parametrize("statements", ["one", "two"])
def test_snapshot_is_what_the_visitor_model_says(
    django_user_model: Any,
    stored: dict[str, Any],
    statements: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Built inside the INSERT (PostgreSQL, SQLite) or by a SELECT first (databases
    # without INSERT ... SELECT ... RETURNING): the same shape either way.
    if statements == "two":
        monkeypatch.setattr(record_module, "snapshots_in_sql", lambda using: False)
    user = django_user_model.objects.create_user("snap")
    visitor = Visitor.objects.create(visitor_id="v-snap", user=user, **stored)
    if stored:
        Bucketing.objects.create(visitor=visitor, experience_id="1", variation_id="11")
    for conversion in (
        track_conversion(user=user, goal_id=GOAL, transaction_id="T1"),
        track_conversion(visitor_id="v-snap", goal_id=GOAL, transaction_id="T2"),
    ):
        assert conversion is not None
        for row in (conversion, Conversion.objects.get(pk=conversion.pk)):
            assert row.visitor_id == "v-snap"
            assert row.segments == visitor.segments()
            assert row.bucketing == visitor.bucketing_data()


def test_returned_row_is_the_stored_row(visitor: Visitor) -> None:
    # The row comes back from the INSERT without a reload: every field must match.
    conversion = track_conversion(
        visitor_id=visitor.visitor_id,
        goal_id=GOAL,
        amount=Decimal("24.9"),
        products_count=2,
        transaction_id="T1",
        custom_dimensions={1: "gold", 2: ["a", "b"]},
    )
    assert conversion is not None
    assert not conversion._state.adding
    stored = Conversion.objects.get()
    for field in Conversion._meta.concrete_fields:
        assert getattr(conversion, field.attname) == getattr(stored, field.attname), field.name
    assert conversion.next_attempt_at == conversion.created_at
    assert (conversion.status, conversion.attempts) == (Conversion.Status.PENDING, 0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"visitor_id": "v1", "user": object()}, "exactly one of"),
        ({"visitor_id": "v1", "goal_id": None}, "needs a goal_id"),
    ],
)
def test_bad_call_shape(kwargs: dict[str, Any], message: str) -> None:
    kwargs.setdefault("goal_id", GOAL)
    with pytest.raises(ConversionError, match=message):
        track_conversion(**kwargs)


def test_no_visitor_at_all_records_nothing_and_says_why(caplog) -> None:
    """get_visitor_id(request) is None before consent: the checkout goes on, loudly."""
    with caplog.at_level("WARNING", logger="django_convert"):
        assert track_conversion(visitor_id=None, goal_id=GOAL, transaction_id="T9") is None
    assert not Conversion.objects.exists()
    assert "recorded nothing: no visitor id" in caplog.text
    assert "T9" in caplog.text


@pytest.mark.parametrize("visitor_id", ["ann@example.com", "+49 170 1234567", "", "a b", "x" * 129])
def test_pii_or_malformed_visitor_id_is_refused(visitor_id: str) -> None:
    with pytest.raises(InvalidVisitorId):
        track_conversion(visitor_id=visitor_id, goal_id=GOAL)
    assert not Conversion.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"goal_id": "goal-1"}, "goal_id must be a digit string"),
        ({"goal_id": "1" * 33}, "goal_id must be a digit string"),
        ({"goal_id": True}, "goal_id must be a digit string"),
        ({"amount": Decimal("-1")}, "must not be negative"),
        ({"amount": Decimal("NaN")}, "finite"),
        ({"amount": float("inf")}, "finite"),
        ({"amount": "paid"}, "amount 'paid' is not a number"),
        ({"amount": "1e5"}, "is not a number such as '49.90'"),
        ({"amount": "49,90"}, "is not a number such as '49.90'"),
        ({"amount": "-1.00"}, "must not be negative"),
        ({"amount": object()}, "amount must be a Decimal, int, float, numeric string"),
        ({"amount": Decimal("1e14")}, "too large"),
        ({"products_count": -1}, "products_count must be between"),
        ({"products_count": 2.0}, "products_count must be an int"),
        ({"products_count": True}, "products_count must be an int"),
        ({"products_count": "three"}, "products_count must be an int"),
        ({"products_count": "-1"}, "products_count must be an int"),
        ({"transaction_id": ""}, "transaction_id must be 1 to 255"),
        ({"transaction_id": "x" * 256}, "transaction_id must be 1 to 255"),
        ({"transaction_id": 1.5}, "transaction_id must be a string"),
        ({"custom_dimensions": {1: "x" * 33}}, "33 characters long; Convert allows at most 32"),
        ({"custom_dimensions": {2: ["ok", "y" * 33]}}, "customDimension2 value"),
        ({"custom_dimensions": {6: "x"}}, "keys are 1 to 5"),
        ({"custom_dimensions": {0: "x"}}, "keys are 1 to 5"),
        ({"custom_dimensions": {"one": "x"}}, "keys are 1 to 5"),
        ({"custom_dimensions": {1: 5}}, "must be a string or a list of strings"),
        ({"custom_dimensions": {1: ["a", 5]}}, "values must be strings"),
        ({"custom_dimensions": ["gold"]}, "must be a dict"),
    ],
)
def test_bad_values_raise_and_write_nothing(
    visitor: Visitor, kwargs: dict[str, Any], message: str
) -> None:
    call = {"visitor_id": visitor.visitor_id, "goal_id": GOAL, **kwargs}
    with CaptureQueriesContext(connection) as queries, pytest.raises(ConversionError) as raised:
        track_conversion(**call)
    assert message in str(raised.value)
    assert len(queries) == 0  # refused before touching the database
    assert not Conversion.objects.exists()


def test_values_are_normalised(visitor: Visitor) -> None:
    conversion = track_conversion(
        visitor_id=visitor.visitor_id,
        goal_id=GOAL,
        amount=149.99,
        products_count=0,
        transaction_id=12345,
        custom_dimensions={"2": ["a", "b"], 1: "x" * 32, 3: None, 4: ("c",)},
    )
    assert conversion is not None
    stored = Conversion.objects.get()
    assert stored.amount == Decimal("149.99")
    assert stored.products_count == 0
    assert stored.transaction_id == "12345"
    assert stored.custom_dimensions == {"1": "x" * 32, "2": ["a", "b"], "4": ["c"]}


def test_amount_is_rounded_to_four_places(visitor: Visitor) -> None:
    track_conversion(visitor_id=visitor.visitor_id, goal_id=GOAL, amount=Decimal("1.23455"))
    assert Conversion.objects.get().amount == Decimal("1.2346")


def test_disabled_records_nothing(visitor: Visitor, convert_settings: Any) -> None:
    convert_settings(ENABLED=False)
    assert track_conversion(visitor_id=visitor.visitor_id, goal_id=GOAL) is None
    assert not Conversion.objects.exists()


def test_disabled_says_so_once_not_a_warning_per_checkout(
    convert_settings: Any, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With ENABLED False (development, CI) get_visitor_id() is None on every checkout: one
    INFO line per process, not a WARNING each time (the switch is the shop's own)."""
    from django_convert.conversions import api

    monkeypatch.setattr(api, "_said_disabled", False)
    convert_settings(ENABLED=False)
    with caplog.at_level(logging.DEBUG, logger="django_convert"):
        for n in range(3):
            assert track_conversion(visitor_id=None, goal_id=GOAL, transaction_id=f"T{n}") is None
    said = [(r.levelno, r.getMessage()) for r in caplog.records]
    assert said == [(logging.INFO, "ENABLED is False: track_conversion() records nothing in "
                     "this process.")]  # fmt: skip


def test_signal_after_commit_only_for_new_rows(
    visitor: Visitor, recorded: list[Conversion], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = track_conversion(visitor_id=visitor.visitor_id, goal_id=GOAL, transaction_id="T")
        assert recorded == []  # not before commit
    assert len(callbacks) == 1
    assert recorded == [first]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        track_conversion(visitor_id=visitor.visitor_id, goal_id=GOAL, transaction_id="T")
    assert callbacks == []
    assert recorded == [first]


def test_rolled_back_transaction_keeps_no_conversion(visitor: Visitor) -> None:
    def checkout() -> None:
        with transaction.atomic():
            track_conversion(visitor_id=visitor.visitor_id, goal_id=GOAL, transaction_id="T1")
            raise RuntimeError("payment declined")

    with pytest.raises(RuntimeError):
        checkout()
    assert not Conversion.objects.exists()


def test_duplicate_does_not_break_the_callers_transaction(visitor: Visitor) -> None:
    with transaction.atomic():
        track_conversion(visitor_id=visitor.visitor_id, goal_id=GOAL, transaction_id="T1")
        track_conversion(visitor_id=visitor.visitor_id, goal_id=GOAL, transaction_id="T1")
        # On PostgreSQL a failed INSERT outside a savepoint would abort this transaction.
        Visitor.objects.create(visitor_id="v-after")
    assert Conversion.objects.count() == 1
    assert Visitor.objects.filter(visitor_id="v-after").exists()


def skips_duplicates_in_sql(sql: str) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING (PostgreSQL, SQLite) or INSERT IGNORE (MariaDB)."""
    return "ON CONFLICT" in sql or sql.startswith("INSERT IGNORE")


def test_queries_inside_a_transaction(visitor: Visitor) -> None:
    # INSERT ... ON CONFLICT DO NOTHING: no savepoint is needed, since a duplicate is
    # not an error.
    with CaptureQueriesContext(connection) as queries:
        track_conversion(visitor_id=visitor.visitor_id, goal_id=GOAL, transaction_id="T1")
    assert [query["sql"].split()[0].upper() for query in queries] == ["INSERT"]
    assert skips_duplicates_in_sql(queries[-1]["sql"])


@pytest.mark.django_db(transaction=True)
def test_queries_under_autocommit() -> None:
    visitor = make_visitor()
    with CaptureQueriesContext(connection) as queries:
        track_conversion(visitor_id=visitor.visitor_id, goal_id=GOAL, transaction_id="T1")
    assert [query["sql"].split()[0].upper() for query in queries] == ["INSERT"]
    with CaptureQueriesContext(connection) as queries:
        again = track_conversion(visitor_id=visitor.visitor_id, goal_id=GOAL, transaction_id="T1")
    assert again is not None
    assert [query["sql"].split()[0].upper() for query in queries] == ["INSERT", "SELECT"]
    assert Conversion.objects.count() == 1


@pytest.fixture
def without_on_conflict(monkeypatch: pytest.MonkeyPatch) -> None:
    """Act like a database without INSERT ... ON CONFLICT (the savepoint fallback)."""
    monkeypatch.setattr(sql_module, "skips_duplicates", lambda using: False)
    monkeypatch.setattr(record_module, "skips_duplicates", lambda using: False)
    monkeypatch.setattr(sql_module, "_INSERT_SQL", {})
    monkeypatch.setattr(sql_module, "_ONE_STATEMENT", {})


def test_fallback_catches_the_duplicate_in_a_savepoint(
    visitor: Visitor, without_on_conflict: None
) -> None:
    with transaction.atomic():
        first = track_conversion(visitor_id=visitor.visitor_id, goal_id=GOAL, transaction_id="T1")
        with CaptureQueriesContext(connection) as queries:
            second = track_conversion(
                visitor_id=visitor.visitor_id, goal_id=GOAL, transaction_id="T1"
            )
        Visitor.objects.create(visitor_id="v-after")  # the transaction is still usable
    assert first is not None
    assert second is not None
    assert second.pk == first.pk
    verbs = [str(query["sql"]).split()[0].upper() for query in queries]
    # mysqlclient leaves the text of a statement that raised unknown: Django logs "None".
    assert verbs[:2] + verbs[3:] == ["SELECT", "SAVEPOINT", "ROLLBACK", "RELEASE", "SELECT"]
    if connection.vendor != "mysql":
        assert verbs[2] == "INSERT"
        assert not skips_duplicates_in_sql(queries[2]["sql"])
    assert Conversion.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_fallback_under_autocommit(without_on_conflict: None) -> None:
    make_visitor()
    first = track_conversion(visitor_id="v-7f3a9c", goal_id=GOAL, transaction_id="T1")
    second = track_conversion(visitor_id="v-7f3a9c", goal_id=GOAL, transaction_id="T1")
    assert first is not None
    assert second is not None
    assert first.pk == second.pk
    assert Conversion.objects.count() == 1


@pytest.mark.concurrent_db
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fallback", [False, True], ids=["on-conflict", "savepoint"])
def test_concurrent_calls_record_one_conversion(
    concurrent_db: None, fallback: bool, request: pytest.FixtureRequest
) -> None:
    if fallback:
        request.getfixturevalue("without_on_conflict")
    make_visitor()
    threads_count = 8
    results: list[int] = []

    def worker(barrier: threading.Barrier) -> None:
        with transaction.atomic():
            barrier.wait(timeout=10)
            conversion = track_conversion(
                visitor_id="v-7f3a9c", goal_id=GOAL, transaction_id="RACE-1"
            )
            assert conversion is not None
            results.append(conversion.pk)

    in_threads(worker, threads_count, timeout=30)
    assert len(results) == threads_count
    assert len(set(results)) == 1
    assert Conversion.objects.count() == 1


@pytest.fixture(params=["one statement", "snapshot then insert"])
def recording_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both recording paths: INSERT ... SELECT, and a snapshot SELECT then INSERT ... VALUES."""
    if request.param == "snapshot then insert":
        monkeypatch.setattr(record_module, "snapshots_in_sql", lambda using: False)
    return str(request.param)


@pytest.mark.concurrent_db
@pytest.mark.django_db(transaction=True)
def test_waiting_recorders_survive_the_first_one_rolling_back(recording_path: str) -> None:
    # Three recorders (autocommit) wait for a transaction that inserted the same goal and
    # transaction and then rolls back: on InnoDB, INSERT ... VALUES waiters then deadlock,
    # and the statement is run again (django_convert.deadlocks). One row, no error.
    make_visitor()

    def record(_index: int = 0) -> int:
        conversion = track_conversion(visitor_id="v-7f3a9c", goal_id=GOAL, transaction_id="RB-1")
        assert conversion is not None
        return int(conversion.pk)

    results = after_a_rollback(record, record)

    assert not [result for result in results if isinstance(result, BaseException)], results
    assert len(set(results)) == 1
    assert list(Conversion.objects.values_list("pk", flat=True)) == results[:1]


@pytest.mark.concurrent_db
@pytest.mark.django_db(transaction=True)
def test_the_innodb_deadlock_is_real_without_running_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The test above with one attempt, on the path InnoDB deadlocks: it tests that path."""
    if connection.vendor != "mysql":
        pytest.skip(
            f"{connection.vendor} has no such deadlock: a waiting inserter waits for the "
            "first transaction itself, then inserts or finds the row"
        )
    monkeypatch.setattr(record_module, "snapshots_in_sql", lambda using: False)
    monkeypatch.setattr(deadlocks, "DEADLOCK_ATTEMPTS", 1)
    make_visitor()

    def record(_index: int = 0) -> Any:
        return track_conversion(visitor_id="v-7f3a9c", goal_id=GOAL, transaction_id="RB-1")

    results = after_a_rollback(record, record)

    lost = [result for result in results if isinstance(result, BaseException)]
    assert lost
    assert all(is_deadlock(error) for error in lost), lost
    assert Conversion.objects.count() == 1


@pytest.mark.concurrent_db
@pytest.mark.django_db(transaction=True)
def test_concurrent_calls_at_innodb_repeatable_read(recording_path: str) -> None:
    # REPEATABLE READ reads the snapshot taken at a transaction's first read, from before
    # the row that made its INSERT a duplicate: the row is read with a locking read.
    if connection.vendor != "mysql":
        pytest.skip(
            f"{connection.vendor}: PostgreSQL at REPEATABLE READ fails such a transaction with "
            "a serialization error by design (the caller runs it again); SQLite has no levels"
        )
    make_visitor()
    threads_count = 6
    results: list[int] = []

    def worker(barrier: threading.Barrier) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        with transaction.atomic():
            assert not Conversion.objects.exists()  # the snapshot: no conversion yet
            barrier.wait(timeout=10)
            conversion = track_conversion(
                visitor_id="v-7f3a9c", goal_id=GOAL, transaction_id="RR-1"
            )
            assert conversion is not None
            results.append(conversion.pk)

    in_threads(worker, threads_count, timeout=30)  # closing each connection resets its level
    assert len(results) == threads_count
    assert len(set(results)) == 1
    assert Conversion.objects.count() == 1


def test_a_value_too_long_for_its_column_is_an_error_not_a_changed_row() -> None:
    # Values are validated first; straight to the statement, MariaDB's INSERT IGNORE would
    # truncate with a warning where PostgreSQL fails: the warning is raised as DataError.
    if connection.vendor == "sqlite":
        pytest.skip("SQLite does not enforce VARCHAR lengths: it stores the value unchanged")
    conversion = Conversion(goal_id=GOAL, transaction_id="T" * 300, visitor_id="v-7f3a9c")
    with pytest.raises(DataError), transaction.atomic():
        sql_module.insert_conversion(conversion, "default")
    assert not Conversion.objects.exists()


def test_a_character_the_connection_cannot_carry_is_an_error_not_question_marks(
    visitor: Visitor, recording_path: str
) -> None:
    # Over a utf8mb3 connection (Django's MySQL default charset), INSERT IGNORE would store
    # "order-?" with a warning (1366) where a plain INSERT fails: it is raised as DataError.
    if connection.vendor != "mysql":
        pytest.skip(f"{connection.vendor} has no connection charset without 4-byte characters")
    with connection.cursor() as cursor:
        cursor.execute("SET NAMES utf8")
    try:
        with pytest.raises(DataError, match="1366"), transaction.atomic():
            track_conversion(visitor_id=visitor.visitor_id, goal_id=GOAL, transaction_id="order-😀")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET NAMES utf8mb4")
    assert not Conversion.objects.exists()


def test_a_transaction_id_reused_by_another_order_is_not_silent(
    visitor: Visitor, caplog: pytest.LogCaptureFixture
) -> None:
    """The same conversion again (a retried webhook) is quietly one row; another visitor's
    or another amount's order under the same transaction id records nothing either, but
    says so (a quick start with a fixed "ORDER-12345" recorded 1 of 20 orders in silence)."""
    other = make_visitor("visitor-other")
    with caplog.at_level(logging.DEBUG, logger="django_convert"):
        track_conversion(visitor_id=visitor.visitor_id, goal_id=GOAL, transaction_id="T1")
        track_conversion(visitor_id=visitor.visitor_id, goal_id=GOAL, transaction_id="T1")
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    with caplog.at_level(logging.WARNING, logger="django_convert"):
        caplog.clear()
        track_conversion(visitor_id=other.visitor_id, goal_id=GOAL, transaction_id="T1")
        track_conversion(
            visitor_id=visitor.visitor_id, goal_id=GOAL, transaction_id="T1", amount="9.50"
        )
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert "T1 not recorded" in warnings[0]
    assert "for another visitor" in warnings[0]
    assert "for another amount" in warnings[1]
    assert Conversion.objects.count() == 1
