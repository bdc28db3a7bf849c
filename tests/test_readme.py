"""The README's and the docs' Python examples run as written.

tests/test_docs.py compiles every example and runs the complete ones; the examples here
need a database or objects set up first, so they are found by their text wherever they
live: README.md or a docs page. (The forwarding example has its own test,
tests/test_ingest_docs.py.)
"""

from __future__ import annotations

import re
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
from tests.docblocks import (
    ROOT,
    Block,
    all_blocks,
    blocks_containing,
    markdown_blocks,
)
from tests.testapp.models import Order


def examples_containing(text: str) -> list[Block]:
    """The distinct examples containing ``text`` (a section being folded into its page may
    be in both places for a while)."""
    blocks = list({block.code: block for block in blocks_containing(text)}.values())
    assert blocks, f"no Python example in README.md or docs/ contains {text!r}"
    return blocks


def test_every_python_example_is_valid_python() -> None:
    blocks = all_blocks()
    assert len(blocks) >= 6
    for block in blocks:
        compile(block.code, block.name, "exec")


def test_readme_is_a_front_page_whose_links_resolve() -> None:
    """At most about 150 lines; the rest is in docs/, and every relative link finds its file."""
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 150
    targets = re.findall(r"\]\((?!https?://)([^)#]+)(?:#[^)]*)?\)", readme)
    assert "docs/index.rst" in targets
    assert [target for target in targets if not (ROOT / target).exists()] == []


def test_readme_examples_are_the_install_steps() -> None:
    """What stays in the README is the five-minute install, and it runs (tests/test_docs.py)."""
    readme = markdown_blocks(ROOT / "README.md")
    assert [block.runnable for block in readme] == [True, True, True]
    assert any("ConvertVisitorMiddleware" in block.code for block in readme)


@pytest.mark.django_db
def test_track_conversion_example(caplog) -> None:
    Visitor.objects.create(visitor_id="visitor-abc123")
    user = get_user_model().objects.create_user("no-visitor-yet")
    namespace: dict[str, Any] = {
        "request": SimpleNamespace(convert_visitor_id="visitor-abc123"),
        "subscription": SimpleNamespace(user=user, pk=7),
    }
    [block] = examples_containing('custom_dimensions={1: "gold", 2: ["a", "b"]}')
    exec(compile(block.code, block.name, "exec"), namespace)
    conversion = Conversion.objects.get()
    assert (conversion.goal_id, conversion.transaction_id) == ("100037225", "ORDER-12345")
    assert conversion.amount == Decimal("149.99")
    assert conversion.custom_dimensions == {"1": "gold", "2": ["a", "b"]}
    # The second call's user has no stored visitor: nothing recorded, a warning logged.
    assert "no-visitor-yet" in caplog.text or "visitor" in caplog.text.lower()


@pytest.mark.django_db
def test_code_rule_example_records_only_the_pending_to_paid_change() -> None:
    # The example's model label is swapped for the test app's Order, and its visitor path
    # for the test app's user field (the test app's orders have no convert_visitor_id).
    [block] = examples_containing("class OrderPaid")
    code = block.code.replace('"shop.Order"', '"testapp.Order"').replace(
        '"convert_visitor_id"', '"user"'
    )
    assert '"testapp.Order"' in code
    assert 'visitor = "user"' in code
    namespace: dict[str, Any] = {"__name__": "readme_code_rule"}
    exec(compile(code, block.name, "exec"), namespace)
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
    blocks = examples_containing("journal_mode=WAL")
    assert blocks
    for block in blocks:  # every page's SQLite settings really turn WAL on
        check_wal_block(block, tmp_path)


def check_wal_block(block: Any, tmp_path: Path) -> None:
    # As in a settings module in tmp_path (some examples derive BASE_DIR from __file__).
    namespace: dict[str, Any] = {"BASE_DIR": tmp_path, "__file__": str(tmp_path / "settings.py")}
    exec(compile(block.code, block.name, "exec"), namespace)
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
