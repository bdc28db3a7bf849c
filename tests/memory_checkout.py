"""Checkouts on Django's in-memory SQLite test database while the background delivery
thread sends their conversions: run by tests/test_delivery_memory_sqlite.py in a process
of its own (the in-memory database is private to a process). Prints one JSON line."""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from decimal import Decimal

import django

os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings_memory"
django.setup()

from django.db import connection, transaction  # noqa: E402

from django_convert.models import Conversion  # noqa: E402
from tests.testapp.models import Order  # noqa: E402

ORDERS = int(sys.argv[1]) if len(sys.argv) > 1 else 300


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


lines = Lines()
logging.getLogger("django_convert").addHandler(lines)
connection.creation.create_test_db(verbosity=0)
assert connection.is_in_memory_db()
errors = []
for n in range(ORDERS):
    try:
        with transaction.atomic():
            Order.objects.create(
                number=f"M-{n}", status="paid", total=Decimal("30.00"), visitor_id="v-guest-7f3a9c"
            )
    except Exception as exc:  # the checkout itself failed
        errors.append(repr(exc))
    if n % 25 == 0:
        time.sleep(0.05)  # let the delivery thread's rounds interleave with checkouts
deadline = time.monotonic() + 60
while Conversion.objects.exclude(status="sent").exists() and time.monotonic() < deadline:
    time.sleep(0.1)
print(
    json.dumps(
        {
            "orders": Order.objects.count(),
            "recorded": Conversion.objects.count(),
            "sent": Conversion.objects.filter(status="sent").count(),
            "checkout_errors": errors[:5],
            "warnings": lines.lines[:10],
        }
    )
)
