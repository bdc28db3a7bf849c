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
def test_exposure_history_is_backfilled_from_bucketing() -> None:
    """0005 turns every existing Bucketing row into the visitor's first exposure."""
    from datetime import timedelta

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django.utils import timezone

    before, after = (
        [("django_convert", "0004_report_indexes")],
        [("django_convert", "0005_exposure_history")],
    )
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    seen = timezone.now() - timedelta(days=3)
    visitor = old.get_model("django_convert", "Visitor").objects.create(visitor_id="v-old")
    old.get_model("django_convert", "Bucketing").objects.create(
        visitor=visitor, experience_id="1", variation_id="2", first_seen=seen, last_seen=seen
    )
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    new = executor.loader.project_state(after).apps
    exposure = new.get_model("django_convert", "Exposure").objects.get()
    assert (exposure.visitor_id, exposure.experience_id, exposure.variation_id) == (
        visitor.pk,
        "1",
        "2",
    )
    assert (exposure.first_seen, exposure.last_seen, exposure.is_first) == (seen, seen, True)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())  # back to the latest for the suite
