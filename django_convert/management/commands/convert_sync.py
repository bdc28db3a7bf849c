"""Fetch the Convert project's configuration (experience, variation and goal names) now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_convert.printable import printable
from django_convert.project.sync import (
    environment_note,
    sync_if_stale,
    sync_project_config,
    what_is_kept,
)


class Command(BaseCommand):
    help = (
        "Fetch the project's configuration from Convert and store its experiences, "
        "variations and goals. A failure keeps the last good copy and exits non-zero."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-stale",
            action="store_true",
            help="Only when the last good copy is older than CONFIG_SYNC_INTERVAL (for cron).",
        )

    def handle(self, *args: Any, if_stale: bool, **options: Any) -> None:
        # The command reports a failure itself (stderr, exit status): no second copy of it
        # from the library's log record.
        if if_stale:
            attempt = sync_if_stale(trigger="command", log_failure=False)
        else:
            attempt = sync_project_config(log_failure=False)
        if attempt is None:
            self.stdout.write("The project config is fresh; nothing to do.")
            return
        if not attempt.ok:
            raise CommandError(
                f"Could not sync the project config from {printable(attempt.url or 'Convert')}: "
                f"{printable(attempt.error)} ({what_is_kept()})."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Synced {attempt.experiences} experiences, {attempt.variations} variations "
                f"and {attempt.goals} goals{environment_note(attempt)} from "
                f"{printable(attempt.url)}."
            )
        )
        if attempt.warnings:
            self.stdout.write(
                self.style.WARNING(
                    f"{len(attempt.warnings)} item(s) of the config could not be used and "
                    "were skipped; the rest is in use:"
                )
            )
            for warning in attempt.warnings:
                self.stdout.write(f"  {printable(warning)}")
