"""Delete old visitor data and delivered conversions (retention)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import Q
from django.utils import timezone

from django_convert.conf import get_setting
from django_convert.deadlocks import run_retrying_deadlocks
from django_convert.models import Bucketing, Conversion, DroppedPost, Visitor


class Command(BaseCommand):
    help = (
        "Delete visitors and bucketing not seen for N days, conversions delivered more than "
        "N days ago, and older notes of dropped posts. Pending and failed conversions are kept."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Age in days (default: DJANGO_CONVERT['RETENTION_DAYS']).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be deleted; delete nothing."
        )

    def handle(self, *args: Any, days: int | None, dry_run: bool, **options: Any) -> None:
        days = get_setting("RETENTION_DAYS") if days is None else days
        if not isinstance(days, int) or days < 1:
            raise CommandError(f"--days must be a positive whole number, not {days!r}.")
        cutoff = timezone.now() - timedelta(days=days)
        querysets = {
            # A stale visitor's bucketing goes too, so count and delete it explicitly first.
            "bucketing rows": Bucketing.objects.filter(
                Q(last_seen__lt=cutoff) | Q(visitor__last_seen__lt=cutoff)
            ),
            "visitors": Visitor.objects.filter(last_seen__lt=cutoff),
            "delivered conversions": Conversion.objects.filter(
                status=Conversion.Status.SENT, sent_at__lt=cutoff
            ),
            "dropped-post notes": DroppedPost.objects.filter(first_seen__lt=cutoff),
        }

        def purge() -> dict[str, int]:
            with transaction.atomic():
                return {
                    name: queryset.count() if dry_run else queryset.delete()[0]
                    for name, queryset in querysets.items()
                }

        # Its own transaction: run again if the database breaks a deadlock with the ingest.
        counts = run_retrying_deadlocks(purge, using=DEFAULT_DB_ALIAS, what="convert_purge")
        verb = "Would delete" if dry_run else "Deleted"
        self.stdout.write(
            f"{verb} "
            + ", ".join(f"{count} {name}" for name, count in counts.items())
            + f" (not seen or delivered for {days} days)."
        )
