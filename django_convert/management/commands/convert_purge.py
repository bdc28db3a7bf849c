"""Delete old visitor data and delivered conversions (retention), in bounded batches."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from django_convert.conf import get_setting
from django_convert.models.retention import PurgeProgress, count_stale, purge
from django_convert.models.tenants import in_each_schema

PROGRESS_SECONDS = 5.0  # at most one progress line this often


class Command(BaseCommand):
    help = (
        "Delete visitors, bucketing and exposures not seen for N days, and conversions "
        "delivered more than N days ago, in batches of their own transaction. Pending, "
        "sending and failed conversions are kept."
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
        parser.add_argument(
            "--batch-size",
            type=int,
            default=1000,
            help="Ids per batch, each its own transaction (default 1000).",
        )
        parser.add_argument(
            "--pause",
            type=float,
            default=None,
            help="Seconds between batches (default: 0.12 on SQLite, so that waiting "
            "checkouts get its write lock; 0 elsewhere).",
        )

    def handle(
        self,
        *args: Any,
        days: int | None,
        dry_run: bool,
        batch_size: int,
        pause: float | None,
        **options: Any,
    ) -> None:
        days = get_setting("RETENTION_DAYS") if days is None else days
        if not isinstance(days, int) or days < 1:
            raise CommandError(f"--days must be a positive whole number, not {days!r}.")
        if batch_size < 1:
            raise CommandError(f"--batch-size must be a positive whole number, not {batch_size}.")
        if pause is not None and pause < 0:
            raise CommandError(f"--pause must not be negative, not {pause:g}.")
        cutoff = timezone.now() - timedelta(days=days)
        self._last_progress = time.monotonic()

        def run() -> dict[str, int]:
            if dry_run:
                return count_stale(cutoff)
            return purge(cutoff, batch_size=batch_size, pause=pause, progress=self.progress)

        visits = in_each_schema(run)  # django-tenants: every tenant schema's tables
        counts = run() if visits is None else _summed(counts for _, counts in visits)
        verb = "Would delete" if dry_run else "Deleted"
        self.stdout.write(
            f"{verb} "
            + ", ".join(f"{count} {name}" for name, count in counts.items())
            + f" (not seen or delivered for {days} days)."
        )

    def progress(self, state: PurgeProgress) -> None:
        """A progress line at most every PROGRESS_SECONDS (a long purge is not silent)."""
        now = time.monotonic()
        if now - self._last_progress >= PROGRESS_SECONDS:
            self.stdout.write(f"convert_purge: {state}")
            self.stdout.flush()
            self._last_progress = now


def _summed(each: Any) -> dict[str, int]:
    total: dict[str, int] = {}
    for counts in each:
        for name, count in counts.items():
            total[name] = total.get(name, 0) + count
    return total
