"""Record the conversions that no save recorded (QuerySet.update(), bulk writes, raw SQL)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_convert.conf import get_setting
from django_convert.conversions.sweep import sweep
from django_convert.printable import printable


class Command(BaseCommand):
    help = (
        "For each conversion rule, record the rows of the last N days that match its "
        "'when' and have no conversion yet. Idempotent: safe to run from cron, often."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=float,
            default=None,
            help="Window in days (default: DJANGO_CONVERT['SWEEP_DAYS']).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be recorded; write nothing."
        )

    def handle(self, *args: Any, days: float | None, dry_run: bool, **options: Any) -> None:
        days = get_setting("SWEEP_DAYS") if days is None else days
        if isinstance(days, bool) or not isinstance(days, int | float) or days <= 0:
            raise CommandError(f"--days must be a positive number, not {days!r}.")
        reports = sweep(days, dry_run=dry_run)
        if not reports:
            self.stdout.write("No conversion rules are active: nothing to sweep.")
        for report in reports:
            name = printable(f"{report.rule} ({report.model})")
            if report.skipped:
                self.stderr.write(
                    self.style.WARNING(f"{name}: NOT swept: {printable(report.skipped)}.")
                )
            elif dry_run:
                self.stdout.write(
                    f"{name}: would record {report.missing} conversion(s) "
                    f"(last {days:g} days by {report.since_field})."
                )
            else:
                line = (
                    f"{name}: recorded {report.recorded} conversion(s) "
                    f"(last {days:g} days by {report.since_field})"
                )
                if report.noted:
                    line += (
                        f"; {report.noted} without a visitor noted once (logged; later "
                        "sweeps leave them out)"
                    )
                if report.not_recorded:
                    line += f"; {report.not_recorded} matching row(s) record nothing (logged)"
                self.stdout.write(line + ".")
