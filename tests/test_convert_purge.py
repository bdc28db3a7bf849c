from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from django_convert.models import Bucketing, Conversion, Visitor

pytestmark = pytest.mark.django_db


def purge(*args: str) -> str:
    out = StringIO()
    call_command("convert_purge", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def data() -> None:
    old = timezone.now() - timedelta(days=40)
    stale = Visitor.objects.create(visitor_id="stale", last_seen=old)
    Bucketing.objects.create(visitor=stale, experience_id="1", variation_id="1", last_seen=old)
    fresh = Visitor.objects.create(visitor_id="fresh")
    Bucketing.objects.create(visitor=fresh, experience_id="1", variation_id="1", last_seen=old)
    Bucketing.objects.create(visitor=fresh, experience_id="2", variation_id="1")
    Conversion.objects.create(
        goal_id="1", transaction_id="old-sent", visitor_id="x", status="sent", sent_at=old
    )
    Conversion.objects.create(
        goal_id="1",
        transaction_id="new-sent",
        visitor_id="x",
        status="sent",
        sent_at=timezone.now(),
    )
    Conversion.objects.create(
        goal_id="1", transaction_id="old-failed", visitor_id="x", status="failed", created_at=old
    )
    Conversion.objects.create(
        goal_id="1", transaction_id="old-pending", visitor_id="x", created_at=old
    )


def test_purge_deletes_only_old_data(data) -> None:
    output = purge("--days", "30")
    assert output.strip() == (
        "Deleted 1 visitors, 2 bucketing rows, 0 exposures, 0 merged ids, "
        "1 delivered conversions, 0 sweep notes (not seen or delivered for 30 days)."
    )
    assert list(Visitor.objects.values_list("visitor_id", flat=True)) == ["fresh"]
    assert list(Bucketing.objects.values_list("experience_id", flat=True)) == ["2"]
    assert set(Conversion.objects.values_list("transaction_id", flat=True)) == {
        "new-sent",
        "old-failed",
        "old-pending",
    }


def test_dry_run_deletes_nothing(data) -> None:
    assert purge("--days", "30", "--dry-run").startswith(
        "Would delete 1 visitors, 2 bucketing rows"
    )
    assert Visitor.objects.count() == 2


def test_default_days_from_settings(data, convert_settings) -> None:
    convert_settings(RETENTION_DAYS=60)
    assert purge().startswith("Deleted 0 visitors, 0 bucketing rows, 0 exposures")


def test_bad_days_is_a_clear_error(data) -> None:
    with pytest.raises(CommandError, match="positive whole number"):
        purge("--days", "0")
    assert Visitor.objects.count() == 2


def stale_visitors(count: int, *, days: int = 40) -> None:
    from django_convert.models import Exposure, MergedId

    old = timezone.now() - timedelta(days=days)
    visitors = Visitor.objects.bulk_create(
        Visitor(visitor_id=f"old-{n}", last_seen=old) for n in range(count)
    )
    for model in (Bucketing, Exposure):
        model.objects.bulk_create(
            model(visitor=v, experience_id="1", variation_id="2", last_seen=old) for v in visitors
        )
    MergedId.objects.bulk_create(MergedId(visitor=v, merged_id=f"guest-{v.pk}") for v in visitors)


def test_purges_in_batches_with_a_progress_line_and_loads_no_row(monkeypatch) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from django_convert.management.commands import convert_purge
    from django_convert.models import Exposure, MergedId

    stale_visitors(95)
    Visitor.objects.create(visitor_id="fresh")
    monkeypatch.setattr(convert_purge, "PROGRESS_SECONDS", 0.0)
    assert purge("--days", "30", "--dry-run").startswith(
        "Would delete 95 visitors, 95 bucketing rows, 95 exposures, 95 merged ids"
    )
    with CaptureQueriesContext(connection) as queries:
        output = purge("--days", "30", "--batch-size", "10", "--pause", "0")
    assert output.splitlines()[-1].startswith(
        "Deleted 95 visitors, 95 bucketing rows, 95 exposures, 95 merged ids"
    )
    assert "convert_purge: visitors: 95 deleted, 100% of the table walked" in output
    assert list(Visitor.objects.values_list("visitor_id", flat=True)) == ["fresh"]
    assert not (Bucketing.objects.exists())
    assert not (Exposure.objects.exists())
    assert not (MergedId.objects.exists())
    sql = [q["sql"].replace("`", '"') for q in queries]
    # Ten batches of visitors, each its own transaction; no statement reads rows back.
    visitor_deletes = [s for s in sql if s.startswith('DELETE FROM "django_convert_visitor"')]
    assert len(visitor_deletes) in (10, 11)
    assert not [s for s in sql if s.startswith("SELECT") and "MIN(" not in s.upper()]


def test_a_relation_django_must_handle_falls_back_to_its_delete(monkeypatch) -> None:
    """A shop's own model pointing at Visitor with SET_NULL: Django's collector runs."""
    from django.db.models.signals import pre_delete

    seen: list[str] = []

    def receiver(sender, instance, **kwargs):  # a delete signal the shop listens to
        seen.append(instance.visitor_id)

    pre_delete.connect(receiver, sender=Visitor)
    try:
        stale_visitors(3)
        output = purge("--days", "30", "--batch-size", "2", "--pause", "0")
    finally:
        pre_delete.disconnect(receiver, sender=Visitor)
    assert output.startswith("Deleted 3 visitors, 3 bucketing rows, 3 exposures, 3 merged ids")
    assert sorted(seen) == ["old-0", "old-1", "old-2"]


def test_bad_batch_size_and_pause_are_clear_errors() -> None:
    with pytest.raises(CommandError, match="--batch-size"):
        purge("--batch-size", "0")
    with pytest.raises(CommandError, match="--pause"):
        purge("--pause", "-1")
