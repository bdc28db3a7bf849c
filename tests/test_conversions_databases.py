"""Orders in a second database (a router puts the shop apart from django_convert): check
says so, and the order's save never fails because of the outbox."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

import pytest
from django.db import connections, transaction
from django.test import override_settings

from django_convert.checks import check_conversion_rules
from django_convert.conversions import record_conversions, routing
from django_convert.conversions.sweep import sweep
from django_convert.models import Conversion
from tests.fixtures_conversions import ORDER_RULE, make_visitor
from tests.testapp.models import Order

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "shop"])

GUEST_RULE = {**ORDER_RULE, "visitor": "visitor_id", "products_count": None}


@pytest.fixture
def shop_database(convert_settings: Any) -> Any:
    make_visitor("v-guest")
    convert_settings(CONVERSIONS=[GUEST_RULE])
    routing._announced.clear()
    with override_settings(TEST_SHOP_DATABASE="shop"):
        yield


def outbox_tables(alias: str) -> bool:
    return Conversion._meta.db_table in connections[alias].introspection.table_names()


def ids(messages: list[Any]) -> list[str]:
    return [message.id for message in messages]


def test_the_setup_is_what_the_tests_claim(shop_database: None) -> None:
    assert outbox_tables("default")
    assert not outbox_tables("shop")
    assert Order.objects.db_manager().db == "shop"


def test_check_names_the_weaker_guarantee(shop_database: None) -> None:
    [warning] = check_conversion_rules()
    assert warning.id == "django_convert.W110"
    assert "testapp.Order is written to database 'shop'" in warning.msg
    assert "outbox to 'default'" in warning.msg


def test_check_refuses_an_outbox_where_it_is_not_migrated(convert_settings: Any) -> None:
    convert_settings(CONVERSIONS=[GUEST_RULE])
    with override_settings(TEST_OUTBOX_DATABASE="shop"):
        assert set(ids(check_conversion_rules())) == {
            "django_convert.E110",
            "django_convert.W110",  # the shop's models stay on "default"
        }


def test_one_database_has_no_message(convert_settings: Any) -> None:
    convert_settings(CONVERSIONS=[GUEST_RULE])
    assert check_conversion_rules() == []


def test_paid_order_in_the_shop_database_records_after_commit(
    shop_database: None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="django_convert"):
        with transaction.atomic(using="shop"):
            order = Order.objects.create(number="N1", visitor_id="v-guest", total=30)
            order.status = "paid"
            order.save()  # would fail with "no such table" if written to "shop"
            assert not Conversion.objects.exists()  # not yet: after the shop commits
        conversion = Conversion.objects.using("default").get()
        Order.objects.create(number="N2", visitor_id="v-guest", status="paid")
    assert (conversion.transaction_id, conversion.amount) == ("N1", Decimal("30"))
    assert conversion.visitor_id == "v-guest"
    assert Order.objects.using("shop").count() == 2
    assert Conversion.objects.count() == 2  # N2: autocommit, recorded at once
    # Said once per process, not per save.
    assert caplog.text.count("conversions are recorded there after 'shop' commits") == 1


def test_rolled_back_order_records_nothing(shop_database: None) -> None:
    def declined() -> None:
        with transaction.atomic(using="shop"):
            Order.objects.create(number="N1", visitor_id="v-guest", status="paid")
            raise RuntimeError("card declined")

    with pytest.raises(RuntimeError):
        declined()
    assert not Conversion.objects.exists()


def test_outbox_failure_never_fails_the_order(
    shop_database: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from django_convert.conversions import record as api

    def broken(**kwargs: Any) -> Any:
        raise connections["default"].Database.OperationalError("database is locked")

    monkeypatch.setattr(api, "record_conversion", broken)
    with caplog.at_level(logging.ERROR, logger="django_convert"):
        with transaction.atomic(using="shop"):
            Order.objects.create(number="N1", visitor_id="v-guest", status="paid")
        Order.objects.create(number="N2", visitor_id="v-guest", status="paid")  # autocommit
    assert Order.objects.using("shop").count() == 2
    assert caplog.text.count("was committed but its conversion") == 2
    assert "convert_sweep records it" in caplog.text


def test_sweep_and_bulk_paths_work_across_databases(shop_database: None) -> None:
    Order.objects.create(number="N1", visitor_id="v-guest")
    Order.objects.create(number="N2", visitor_id="v-guest")
    Order.objects.update(status="paid")
    [report] = sweep()
    assert (report.recorded, report.sql_anti_join) == (1 + 1, False)  # checked in Python
    assert sorted(Conversion.objects.values_list("transaction_id", flat=True)) == ["N1", "N2"]
    Order.objects.create(number="N3", visitor_id="v-guest")
    Order.objects.filter(number="N3").update(status="paid")
    record_conversions(Order.objects.filter(number="N3"))
    assert Conversion.objects.count() == 3


def test_record_conversions_reads_where_rows_were_written(convert_settings: Any) -> None:
    """With a replica router, the rows an update() just changed are read from the primary:
    the replica ("shop" here, empty) has not caught up yet."""
    make_visitor("v-guest")
    convert_settings(CONVERSIONS=[GUEST_RULE])
    Order.objects.create(number="N1", visitor_id="v-guest")
    Order.objects.update(status="paid")
    with override_settings(TEST_READ_DATABASE="shop"):
        assert not Order.objects.exists()  # the lagging replica
        assert len(record_conversions(Order.objects.all())) == 1
        assert len(sweep()) == 1
    assert Conversion.objects.get().transaction_id == "N1"
