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
from datetime import datetime, timedelta
from typing import Any

from django.db import DatabaseError, connections, router, transaction
from django.db.models import OuterRef, Subquery

from django_convert.conf import get_setting
from django_convert.forwarding.adopt import adopt_browser_ids
from django_convert.forwarding.config import Destination, configured
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
        validated by the ingest serializer. A row without its destination's id is held
        ``BROWSER_ID_WAIT`` seconds (``next_attempt_at``) so that a later post can supply
        it (``adopt_ids``); then it is sent without.
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
            due={name: first_due(d, destination_ids, now) for name, d in destinations.items()},
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
            next_attempt_at=first_due(destinations[name], ids, now),
            created_at=now,
        )
        for name in sorted(destinations)
        for experience_id, variation_id, experience_name, variation_name in sorted(first)
    ]
    ForwardedEvent.objects.using(using).bulk_create(rows, ignore_conflicts=True)
    transaction.on_commit(_wake_worker, using=using)
    return len(rows)


def first_due(
    destination: Destination, destination_ids: Mapping[str, str] | None, now: datetime
) -> datetime:
    """When a new impression for ``destination`` is first due: ``now`` when the post
    carries the destination's browser id (or ``BROWSER_ID_WAIT`` is 0), else ``now`` plus
    ``BROWSER_ID_WAIT`` seconds, for the visitor's next page to supply it."""
    if (destination_ids or {}).get(destination.name) or not destination.browser_id_wait:
        return now
    return now + timedelta(seconds=destination.browser_id_wait)


def adopt_ids(
    *, visitor_id: str, destination_ids: Mapping[str, str] | None, now: datetime, using: str
) -> int:
    """Call inside the ingest's transaction: the visitor's unclaimed rows without a browser
    id take this post's (``forwarding.adopt``) and are due at once; returns how many. No
    query unless the post carries ids and a destination is configured."""
    if not destination_ids:
        return 0
    destinations = configured()
    if not destinations:
        return 0
    adopted = adopt_browser_ids(
        visitor_id=visitor_id,
        destination_ids=destination_ids,
        destinations=destinations,
        now=now,
        using=using,
    )
    if adopted:
        transaction.on_commit(_wake_worker, using=using)
    return adopted


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
