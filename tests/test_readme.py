"""The README's Python examples run as written (the forwarding example has its own test,
tests/test_ingest_readme.py)."""

from __future__ import annotations

import re
import textwrap
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import django
import pytest
from django.contrib.auth import get_user_model
from django.db.utils import ConnectionHandler

from django_convert.conversions import unregister_rule
from django_convert.ingest.serializers import SegmentsSerializer
from django_convert.models import Conversion, Visitor
from tests.testapp.models import Order

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()
# Blocks may be indented under a list item; dedent them as a reader would copy them.
PYTHON_BLOCKS = [
    textwrap.dedent(block)
    for _indent, block in re.findall(r"^( *)```python\n(.*?)^\1```", README, re.DOTALL | re.M)
]


def block_containing(text: str) -> str:
    [block] = [block for block in PYTHON_BLOCKS if text in block]
    return block


def test_every_python_example_is_valid_python() -> None:
    assert len(PYTHON_BLOCKS) >= 6
    for block in PYTHON_BLOCKS:
        compile(block, "README.md", "exec")


@pytest.mark.django_db
def test_track_conversion_example(caplog) -> None:
    Visitor.objects.create(visitor_id="visitor-abc123")
    user = get_user_model().objects.create_user("no-visitor-yet")
    namespace: dict[str, Any] = {
        "request": SimpleNamespace(convert_visitor_id="visitor-abc123"),
        "subscription": SimpleNamespace(user=user, pk=7),
    }
    exec(compile(block_containing("track_conversion("), "README.md", "exec"), namespace)
    conversion = Conversion.objects.get()
    assert (conversion.goal_id, conversion.transaction_id) == ("100037225", "ORDER-12345")
    assert conversion.amount == Decimal("149.99")
    assert conversion.custom_dimensions == {"1": "gold", "2": ["a", "b"]}
    # The second call's user has no stored visitor: nothing recorded, a warning logged.
    assert "no-visitor-yet" in caplog.text or "visitor" in caplog.text.lower()


@pytest.mark.django_db
def test_code_rule_example_records_only_the_pending_to_paid_change() -> None:
    # The example's model label is swapped for the test app's Order, nothing else.
    code = block_containing("class OrderPaid").replace('"shop.Order"', '"testapp.Order"')
    namespace: dict[str, Any] = {"__name__": "readme_code_rule"}
    exec(compile(code, "README.md", "exec"), namespace)
    try:
        user = get_user_model().objects.create_user("ann")
        Visitor.objects.create(visitor_id="v-ann", user=user)
        order = Order.objects.create(number="N1", status="paid", user=user, total=Decimal(5))
        assert not Conversion.objects.exists()  # created paid: no pending -> paid change
        order.status = "pending"
        order.save()
        order.status = "paid"
        order.save()
        conversion = Conversion.objects.get()
        assert (conversion.visitor_id, conversion.transaction_id) == ("v-ann", "N1")
    finally:
        unregister_rule(namespace["OrderPaid"])


@pytest.mark.parametrize("value", ["0", "1", 0, 1])
def test_troubleshooting_claim_visitor_type_numbers_are_refused(value) -> None:
    assert not SegmentsSerializer(data={"visitorType": value}).is_valid()


def test_troubleshooting_claim_devices_must_be_an_array() -> None:
    assert not SegmentsSerializer(data={"devices": "DESK"}).is_valid()


@pytest.mark.django_db  # pytest-django guards every connection, this one included
@pytest.mark.skipif(django.VERSION < (5, 1), reason="OPTIONS init_command is Django 5.1+")
def test_sqlite_wal_settings_example(tmp_path: Path) -> None:
    namespace: dict[str, Any] = {"BASE_DIR": tmp_path}
    exec(compile(block_containing("journal_mode=WAL"), "README.md", "exec"), namespace)
    wrapper = ConnectionHandler(namespace["DATABASES"])["default"]  # fills in defaults
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
            cursor.execute("PRAGMA synchronous")
            assert cursor.fetchone()[0] == 1  # NORMAL
    finally:
        wrapper.close()
    assert (tmp_path / "db.sqlite3").exists()
