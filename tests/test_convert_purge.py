from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from django_convert.models import Bucketing, Conversion, DroppedPost, Visitor

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
    DroppedPost.objects.create(visitor_id="crawled", reason="crawler", first_seen=old)
    DroppedPost.objects.create(visitor_id="crawled-today", reason="crawler")


def test_purge_deletes_only_old_data(data) -> None:
    output = purge("--days", "30")
    assert output.strip() == (
        "Deleted 2 bucketing rows, 1 visitors, 1 delivered conversions, 1 dropped-post notes "
        "(not seen or delivered for 30 days)."
    )
    assert list(DroppedPost.objects.values_list("visitor_id", flat=True)) == ["crawled-today"]
    assert list(Visitor.objects.values_list("visitor_id", flat=True)) == ["fresh"]
    assert list(Bucketing.objects.values_list("experience_id", flat=True)) == ["2"]
    assert set(Conversion.objects.values_list("transaction_id", flat=True)) == {
        "new-sent",
        "old-failed",
        "old-pending",
    }


def test_dry_run_deletes_nothing(data) -> None:
    assert purge("--days", "30", "--dry-run").startswith(
        "Would delete 2 bucketing rows, 1 visitors"
    )
    assert Visitor.objects.count() == 2


def test_default_days_from_settings(data, convert_settings) -> None:
    convert_settings(RETENTION_DAYS=60)
    assert purge().startswith("Deleted 0 bucketing rows, 0 visitors, 0 delivered")


def test_bad_days_is_a_clear_error(data) -> None:
    with pytest.raises(CommandError, match="positive whole number"):
        purge("--days", "0")
    assert Visitor.objects.count() == 2
