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


def _migrate(target: str) -> object:
    """Migrate django_convert to ``target`` on the default database; its historical apps."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate([("django_convert", target)])
    executor.loader.build_graph()
    return executor.loader.project_state([("django_convert", target)]).apps


@pytest.mark.django_db(transaction=True)
def test_0006_converts_stored_allocations_to_percent() -> None:
    from decimal import Decimal

    old = _migrate("0005_exposure_history")
    try:
        Experience = old.get_model("django_convert", "Experience")  # type: ignore[attr-defined]
        Variation = old.get_model("django_convert", "Variation")  # type: ignore[attr-defined]
        stored = {
            # 0-10000 units (a stand-in, or a config in the type comment's units): / 100
            "units": [5000, 5000],
            "thirds": [3334, 3333, 3333],
            # Convert's own percentages, rounded by the old parser: kept
            "percent": [50, 50],
            "rounded": [12, 88],
            "thirds-percent": [33, 33, 33],
            # The old parser stored a missing allocation as 0: none given, equal shares
            "missing": [0, 0],
            # A stopped variation beside a running one: its 0 is kept
            "stopped": [0, 100],
        }
        for number, (name, values) in enumerate(stored.items()):
            experience = Experience.objects.create(id=f"{900 + number}", name=name)
            for index, value in enumerate(values):
                Variation.objects.create(
                    id=f"{900 + number}{index}", experience=experience, traffic_allocation=value
                )
        new = _migrate("0006_traffic_allocation_percent")
        Variation = new.get_model("django_convert", "Variation")  # type: ignore[attr-defined]
        found: dict[str, list[Decimal | None]] = {}
        for variation in Variation.objects.order_by("id").select_related("experience"):
            found.setdefault(variation.experience.name, []).append(variation.traffic_allocation)
        d = Decimal
        assert found == {
            "units": [d(50), d(50)],
            "thirds": [d("33.34"), d("33.33"), d("33.33")],
            "percent": [d(50), d(50)],
            "rounded": [d(12), d(88)],
            "thirds-percent": [d(33), d(33), d(33)],
            "missing": [None, None],
            "stopped": [d(0), d(100)],
        }
        # And back: percent to 0-10000, a missing one to 0.
        back = _migrate("0005_exposure_history")
        Variation = back.get_model("django_convert", "Variation")  # type: ignore[attr-defined]
        assert list(
            Variation.objects.filter(experience__name="units").values_list(
                "traffic_allocation", flat=True
            )
        ) == [5000, 5000]
        assert set(
            Variation.objects.filter(experience__name="missing").values_list(
                "traffic_allocation", flat=True
            )
        ) == {0}
    finally:
        _migrate("0006_traffic_allocation_percent")
        call_command("migrate", "django_convert", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_0007_links_existing_conversions_to_their_orders(convert_settings) -> None:
    """The data migration gives existing rows their source where it can be known for sure:
    a default transaction id ("testapp.order:<pk>"), or a settings rule's transaction_id
    field; other rows stay without a link."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from tests.fixtures_conversions import ORDER_RULE
    from tests.testapp.models import Order

    before = [("django_convert", "0006_traffic_allocation_percent")]
    after = [("django_convert", "0007_conversion_source_object")]
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
        # The historical model: later migrations add columns 0007 does not have yet.
        new = executor.loader.project_state(after).apps.get_model("django_convert", "Conversion")
        linked = {
            row.transaction_id: (row.source_model, row.source_id) for row in new.objects.all()
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


@pytest.mark.django_db(transaction=True)
def test_exposure_segments_are_backfilled_from_the_visitors_current_segments(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """0012 fills the new segment columns of existing exposures from their visitor's row,
    in batches (a batch of 2 here: three batches for five rows, ids not contiguous)."""
    import importlib

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    migration = importlib.import_module("django_convert.migrations.0012_exposure_segments")
    monkeypatch.setattr(migration, "BATCH", 2)
    old = _migrate("0011_forwarding")
    Visitor = old.get_model("django_convert", "Visitor")  # type: ignore[attr-defined]
    Exposure = old.get_model("django_convert", "Exposure")  # type: ignore[attr-defined]
    phone = Visitor.objects.create(
        visitor_id="p", devices=["ALLPH", "IPH"], browser="SF", country="US", source="search",
        visitor_type="new",
    )  # fmt: skip
    bare = Visitor.objects.create(visitor_id="b")
    for n in range(4):
        Exposure.objects.create(visitor=phone, experience_id=str(n), variation_id="1")
    gone = Exposure.objects.create(visitor=bare, experience_id="9", variation_id="1")
    Exposure.objects.filter(experience_id="1").delete()  # a gap in the ids
    new = _migrate("0012_exposure_segments")
    rows = new.get_model("django_convert", "Exposure").objects.order_by("id")  # type: ignore[attr-defined]
    got = [(r.experience_id, r.device, r.browser, r.source, r.country, r.visitor_type)
           for r in rows]  # fmt: skip
    assert got == [("0", "phone", "SF", "search", "US", "new"),
                   ("2", "phone", "SF", "search", "US", "new"),
                   ("3", "phone", "SF", "search", "US", "new"),
                   ("9", "", "", "", "", "")]  # fmt: skip
    assert gone.pk == rows.last().pk
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
