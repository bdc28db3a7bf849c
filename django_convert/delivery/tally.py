"""Hourly counts of delivery events (``DeliveryTally``), for delivery health.

Events: ``retry:<reason>`` (conversions sent back to wait, by why), ``resent``
(conversions delivered after an attempt whose outcome is unknown: Convert may have
counted them twice), ``expired`` (given up after RETRY_DAYS). Written only on those
paths, never for an ordinary delivery, and best effort: a failed count never stops
delivery.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from contextlib import nullcontext
from datetime import datetime, timedelta

from django.db import DatabaseError, IntegrityError, connections, transaction
from django.db.models import F, Sum
from django.utils import timezone

from django_convert.delivery.claim import outbox_alias
from django_convert.models import DeliveryTally

logger = logging.getLogger("django_convert")

KEEP_DAYS = 30  # tallies older than this are deleted when a new hour starts
OUTBOX = "convert"


def count(events: Mapping[str, int], *, outbox: str = OUTBOX) -> None:
    """Add ``events`` ({event: conversions}) to the current hour's tallies."""
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    alias = outbox_alias()
    tallies = DeliveryTally.objects.using(alias)
    try:
        for event, n in events.items():
            if n <= 0:
                continue
            mine = tallies.filter(outbox=outbox, hour=hour, event=event[:48])
            if mine.update(conversions=F("conversions") + n):
                continue
            try:
                # In autocommit: no transaction of ours to hold (a savepoint only inside
                # the caller's own transaction, which a failed INSERT must not break).
                with transaction.atomic(using=alias) if _in_atomic(alias) else nullcontext():
                    tallies.create(outbox=outbox, hour=hour, event=event[:48], conversions=n)
            except IntegrityError:  # another worker created it just now
                mine.update(conversions=F("conversions") + n)
                continue
            _prune(alias, hour - timedelta(days=KEEP_DAYS))
    except DatabaseError as error:
        logger.info("Delivery counts %s not stored (%s); delivery goes on.", dict(events), error)


def _prune(alias: str, before: datetime) -> None:
    """One DELETE in autocommit (QuerySet.delete() would open a transaction for it)."""
    connection = connections[alias]
    table = connection.ops.quote_name(DeliveryTally._meta.db_table)
    column = connection.ops.quote_name("hour")
    value = DeliveryTally._meta.get_field("hour").get_db_prep_value(before, connection)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {column} < %s", [value])  # noqa: S608


def _in_atomic(alias: str) -> bool:
    return connections[alias].in_atomic_block


def since(start: datetime, *, outbox: str = OUTBOX) -> dict[str, int]:
    """{event: conversions} counted from the hour of ``start`` on."""
    hour = start.replace(minute=0, second=0, microsecond=0)
    rows = (
        DeliveryTally.objects.using(outbox_alias())
        .filter(outbox=outbox, hour__gte=hour)
        .values("event")
        .annotate(n=Sum("conversions"))
    )
    return {row["event"]: int(row["n"]) for row in rows}
