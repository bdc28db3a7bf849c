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
from datetime import datetime, timedelta

from django.db import DatabaseError, IntegrityError, transaction
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
                with transaction.atomic(using=alias):
                    tallies.create(outbox=outbox, hour=hour, event=event[:48], conversions=n)
            except IntegrityError:  # another worker created it just now
                mine.update(conversions=F("conversions") + n)
                continue
            tallies.filter(hour__lt=hour - timedelta(days=KEEP_DAYS)).delete()
    except DatabaseError as error:
        logger.info("Delivery counts %s not stored (%s); delivery goes on.", dict(events), error)


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
