"""Run the source guide's troubleshooting checklist on a conversion, or on the project."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_convert.printable import printable
from django_convert.reports.doctor import (
    GUIDE_URL,
    Diagnosis,
    diagnose_conversion,
    find_conversions,
)
from django_convert.reports.doctor_project import diagnose_project

SYMBOLS = {"pass": "PASS", "fail": "FAIL", "warn": "WARN"}


class Command(BaseCommand):
    help = (
        "Diagnose why a conversion may not show in Convert's reports (section 9 of the "
        "integration guide): give a conversion id or a transaction id. Without one, check "
        "the project: config age, the rules' goals, delivery health. Exits 1 on a failure."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("reference", nargs="?", help="Conversion id or transaction id.")

    def handle(self, *args: Any, reference: str | None, **options: Any) -> None:
        if reference is None:
            diagnoses = [diagnose_project()]
        else:
            conversions = find_conversions(reference)
            if not conversions:
                raise CommandError(
                    f"No conversion with id or transaction id {printable(repr(reference))}."
                )
            diagnoses = [diagnose_conversion(conversion) for conversion in conversions]
        self.print_guide()
        for diagnosis in diagnoses:
            self.print(diagnosis)
        failed = sum(len(d.failed()) for d in diagnoses)
        if failed:
            raise CommandError(f"{failed} check(s) failed.", returncode=1)
        self.stdout.write(self.style.SUCCESS("All checks passed."))

    def print_guide(self) -> None:
        self.stdout.write(f"The checklist: section 9 of Convert's integration guide, {GUIDE_URL}")

    def print(self, diagnosis: Diagnosis) -> None:
        # Names, ids and Convert's answers come from outside: escaped for the terminal.
        self.stdout.write(self.style.MIGRATE_HEADING(printable(diagnosis.subject)))
        for item in diagnosis.items:
            style = {"pass": self.style.SUCCESS, "fail": self.style.ERROR}.get(
                item.status, self.style.WARNING
            )
            self.stdout.write(f"  {style(SYMBOLS[item.status])}  {printable(item.title)}")
            self.stdout.write(f"        {printable(item.detail)}")
            if item.fix and item.status != "pass":
                self.stdout.write(f"        → {printable(item.fix)}")
                for number, note in enumerate(item.notes, 1):
                    self.stdout.write(f"          {number}. {printable(note)}")
