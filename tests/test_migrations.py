from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command


# makemigrations checks the migration history of every database a router migrates to:
# all three of tests/settings.py (the shop's and the lagging replica's included).
@pytest.mark.django_db(databases=["default", "shop", "replica"])
def test_no_missing_migrations() -> None:
    out = StringIO()
    call_command("makemigrations", "django_convert", "--check", "--dry-run", stdout=out)


@pytest.mark.django_db(transaction=True)
def test_0009_links_existing_conversions_to_their_orders(convert_settings) -> None:
    """The data migration gives existing rows their source where it can be known for sure:
    a default transaction id ("testapp.order:<pk>"), or a settings rule's transaction_id
    field; other rows stay without a link."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from django_convert.models import Conversion
    from tests.fixtures_conversions import ORDER_RULE
    from tests.testapp.models import Order

    before = [("django_convert", "0004_report_indexes")]
    after = [("django_convert", "0009_conversion_source_object")]
    convert_settings(CONVERSIONS=[{**ORDER_RULE, "transaction_id": "number"}])
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(before)
        old = executor.loader.project_state(before).apps.get_model("django_convert", "Conversion")
        first, second = Order.objects.create(number="N-1"), Order.objects.create(number="N-2")
        rows = {
            "default id": f"testapp.order:{first.pk}",
            "rule's field": "N-2",
            "no such order": "N-404",
            "a call": "free-form-id",
        }
        for index, (what, transaction_id) in enumerate(rows.items()):
            origin = "track_conversion" if what == "a call" else "CONVERSIONS[0] testapp.Order"
            old.objects.create(
                goal_id=str(index + 1), transaction_id=transaction_id, visitor_id="v", origin=origin
            )
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        linked = {
            row.transaction_id: (row.source_model, row.source_id)
            for row in Conversion.objects.all()
        }
        assert linked == {
            f"testapp.order:{first.pk}": ("testapp.order", str(first.pk)),
            "N-2": ("testapp.order", str(second.pk)),
            "N-404": ("", ""),
            "free-form-id": ("", ""),
        }
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes("django_convert"))
