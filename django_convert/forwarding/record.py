"""Write forwarded events in the ingest transaction: one impression per (destination,
visitor, experience), the moment the visitor is first seen in a variation.

``ingest.exposures`` decides in SQL whether an exposure is the visitor's first in its
experience (``is_first``), under the visitor's row lock. Right after it, in the same
transaction, the exposures this ingest made first (``is_first`` and ``first_seen`` equal
to this ingest's moment) are read back with their synced names (one query), and one row
per configured destination is inserted for each (one statement), ignoring conflicts on
(destination, dedupe key): a report seen again, or two racing reports, add nothing. No
destination configured: no query at all.

Consent is the ingest's: it stores nothing for a browser without consent (the view
refuses it before ``store_context``), so nothing is forwarded for it either; withdrawing
consent deletes the visitor and its pending forwarded rows (``identity.erasure``).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from django.db import DatabaseError, connections, router, transaction
from django.db.models import OuterRef, Subquery

from django_convert.conf import get_setting
from django_convert.forwarding.config import configured
from django_convert.forwarding.insert import insert_impressions, speaks_insert_select
from django_convert.models import Experience, Exposure, ForwardedEvent, Goal, Variation

logger = logging.getLogger("django_convert")


def impression_key(visitor_id: str, experience_id: str) -> str:
    """The dedupe key of an impression: one per visitor and experience."""
    return f"{visitor_id}:{experience_id}"


def record_impressions(
    *,
    visitor_pk: int,
    visitor_id: str,
    experience_ids: Collection[str],
    now: datetime,
    destination_ids: Mapping[str, str] | None,
    using: str,
) -> int:
    """Insert the impressions of the experiences this ingest saw first; returns how many
    rows were inserted (0 when no destination is configured). One statement where the
    database takes ``INSERT ... SELECT`` with a conflict clause (``forwarding.insert``),
    else a select and a bulk insert.

    Call inside the ingest's transaction, after ``record_exposures(..., now, using)``.

    :param destination_ids: the listener's ``destinationIds`` (``{"ga4": client id, ...}``),
        validated by the ingest serializer; missing ones are sent without.
    """
    destinations = configured()
    if not destinations or not experience_ids:
        return 0
    if speaks_insert_select(connections[using]):
        inserted = insert_impressions(
            visitor_pk=visitor_pk,
            visitor_id=visitor_id,
            experience_ids=sorted(experience_ids),
            destinations=sorted(destinations),
            destination_ids=destination_ids or {},
            now=now,
            using=using,
        )
        if inserted:
            transaction.on_commit(_wake_worker, using=using)
        return inserted
    # One query: the exposures this ingest made first, with their synced names.
    names = Experience.objects.using(using).filter(pk=OuterRef("experience_id"))
    variation_names = Variation.objects.using(using).filter(pk=OuterRef("variation_id"))
    first = list(
        Exposure.objects.using(using)
        .filter(
            visitor_id=visitor_pk,
            experience_id__in=list(experience_ids),
            is_first=True,
            first_seen=now,
        )
        .annotate(
            experience_name=Subquery(names.values("name")[:1]),
            variation_name=Subquery(variation_names.values("name")[:1]),
        )
        .values_list("experience_id", "variation_id", "experience_name", "variation_name")
    )
    if not first:
        return 0
    ids = destination_ids or {}
    rows = [
        ForwardedEvent(
            destination=name,
            kind=ForwardedEvent.Kind.IMPRESSION,
            dedupe_key=impression_key(visitor_id, experience_id),
            visitor_id=visitor_id,
            destination_id=ids.get(name, ""),
            experience_id=experience_id,
            experience_name=experience_name or "",
            variation_id=variation_id,
            variation_name=variation_name or "",
            occurred_at=now,
            next_attempt_at=now,
            created_at=now,
        )
        for name in sorted(destinations)
        for experience_id, variation_id, experience_name, variation_name in sorted(first)
    ]
    ForwardedEvent.objects.using(using).bulk_create(rows, ignore_conflicts=True)
    transaction.on_commit(_wake_worker, using=using)
    return len(rows)


def _wake_worker() -> None:
    """After commit, in the modes whose web processes run the background worker: deliver
    now rather than at the next poll. Other modes deliver them with their next
    ``deliver_due`` (``convert_deliver``, the Celery or periodic task)."""
    from django_convert.delivery.worker import POLLING_MODES, get_worker

    if get_setting("DELIVERY") not in POLLING_MODES:
        return
    try:
        get_worker().wake()
    except Exception:  # "can't start new thread": never fail the request for it
        logger.exception(
            "Could not wake the background delivery thread; the forwarded events wait for "
            "its next poll or convert_deliver."
        )


def on_conversion_recorded(sender: Any, conversion: Any, **kwargs: Any) -> None:
    """``conversion_recorded`` receiver: one conversion event per destination configured
    with ``CONVERSIONS: True``, with its goal name and revenue (``CURRENCY``).

    Sent after the conversion's commit, so this is a second, short transaction: a process
    that dies between the two loses the forwarded copy (never the conversion itself).
    Conversions written without the signal (``bulk``, the sweep) are not forwarded. The
    destination's browser id is taken from the visitor's latest impression for it.
    """
    destinations = [name for name, d in configured().items() if d.conversions]
    if not destinations:
        return
    using = router.db_for_write(ForwardedEvent) or "default"
    try:
        goal_name = (
            Goal.objects.using(using).filter(pk=conversion.goal_id).values_list("name", flat=True)
        ).first() or ""
        known_ids = dict(
            ForwardedEvent.objects.using(using)
            .filter(
                visitor_id=conversion.visitor_id,
                destination__in=destinations,
                kind=ForwardedEvent.Kind.IMPRESSION,
            )
            .exclude(destination_id="")
            .order_by("created_at")
            .values_list("destination", "destination_id")
        )
        currency = str(get_setting("CURRENCY") or "")[:3]
        ForwardedEvent.objects.using(using).bulk_create(
            [
                ForwardedEvent(
                    destination=name,
                    kind=ForwardedEvent.Kind.CONVERSION,
                    dedupe_key=f"conversion:{conversion.pk}",
                    visitor_id=conversion.visitor_id,
                    destination_id=known_ids.get(name, ""),
                    goal_id=conversion.goal_id,
                    goal_name=goal_name,
                    amount=conversion.amount,
                    currency=currency if conversion.amount is not None else "",
                    occurred_at=conversion.created_at,
                )
                for name in destinations
            ],
            ignore_conflicts=True,
        )
    except DatabaseError:
        logger.exception(
            "Could not record conversion %s for forwarding to %s: it is not forwarded.",
            conversion.pk,
            ", ".join(destinations),
        )
        return
    _wake_worker()
