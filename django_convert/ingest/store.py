"""Store one ingest: the visitor, its segments and one bucketing row per experience.

Three statements whatever the number of experiences, in one transaction (the third
records the exposure history, ``ingest.exposures``), and safe when
several requests for the same new visitor arrive at once: both writes are upserts
(``INSERT ... ON CONFLICT DO UPDATE``, ``ON DUPLICATE KEY UPDATE`` on MariaDB), so the
database serialises them on the visitor's row instead of failing on the unique
constraints. Where InnoDB still reports a deadlock (its unique-key locks can form a cycle
when a transaction that inserted the row rolls back), the transaction runs again: it is
this module's own (the ingest view opts out of ``ATOMIC_REQUESTS``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import partial
from typing import Any

from django.db import IntegrityError, router, transaction
from django.db.models import Exists
from django.utils import timezone

from django_convert.conf import get_setting
from django_convert.deadlocks import run_retrying_deadlocks
from django_convert.forwarding.record import adopt_ids, record_impressions
from django_convert.ingest import outcomes
from django_convert.ingest.bounds import known_only, within_limit
from django_convert.ingest.exposures import record_exposures
from django_convert.ingest.upsert import upsert
from django_convert.models import SEGMENT_FIELDS, Bucketing, Visitor


def store_context(
    *,
    visitor_id: str,
    experiences: Sequence[Mapping[str, str]],
    segments: Mapping[str, Any],
    user: Any = None,
    now: datetime | None = None,
    key_issued: bool = False,
    new: bool = False,
    destination_ids: Mapping[str, str] | None = None,
) -> Visitor:
    """Upsert the visitor and its bucketing; return the visitor (its pk set).

    Only the segments present in ``segments`` are written, so a partial report does not
    erase what is known. A changed variation updates its Bucketing row and keeps
    ``first_seen``; the exposure history gains a row for it (and keeps the old one).
    Experiences the synced config does not know, and new ones beyond
    ``INGEST_MAX_EXPERIENCES`` for this visitor, are dropped (ingest.bounds; counted in
    ingest.outcomes). ``key_issued`` marks the row as proven (identity.proof); ``new`` says
    the caller found no row for the visitor, so none of its experiences are stored yet.
    ``destination_ids`` (the listener's ``destinationIds``) go on the impressions
    forwarded to the analytics tools configured in ``FORWARD`` (``forwarding.record``),
    written in the same transaction for the experiences first seen here.
    The returned instance holds what this call wrote, not fields it left alone (such as
    an earlier ``first_seen``): ``refresh_from_db()`` it to read the whole stored row.
    """
    now = now or timezone.now()
    values = {SEGMENT_FIELDS[key]: value for key, value in segments.items()}
    if key_issued:
        values["key_issued"] = True
    db = router.db_for_write(Visitor)
    experiences, unknown = known_only(experiences, db)
    if unknown:
        outcomes.record(outcomes.UNKNOWN_EXPERIENCE, unknown)
    return run_retrying_deadlocks(
        partial(_store, visitor_id, experiences, values, user, now, db, new, destination_ids),
        using=db,
        what=f"Storing the bucketing of visitor {visitor_id}",
    )


def _store(
    visitor_id: str,
    experiences: Sequence[Mapping[str, str]],
    values: dict[str, Any],
    user: Any,
    now: datetime,
    db: str,
    new: bool,
    destination_ids: Mapping[str, str] | None = None,
) -> Visitor:
    visitor = Visitor(visitor_id=visitor_id, first_seen=now, last_seen=now, **values)
    with transaction.atomic(using=db):
        upsert(
            [visitor],
            unique_fields=["visitor_id"],
            update_fields=["last_seen", *values],
            using=db,
        )
        if not visitor.pk:
            # Django < 5.0 on a database other than PostgreSQL/SQLite: no id returned.
            visitor.pk = (
                Visitor.objects.using(db).values_list("pk", flat=True).get(visitor_id=visitor_id)
            )
        if user is not None:
            _link_user(visitor, user, db)
        if destination_ids:
            # Earlier impressions still waiting for these ids take them (one UPDATE).
            adopt_ids(visitor_id=visitor_id, destination_ids=destination_ids, now=now, using=db)
        if experiences:
            limit = int(get_setting("INGEST_MAX_EXPERIENCES"))
            experiences, over = within_limit(visitor.pk, experiences, limit, db, new)
            if over:
                outcomes.record(outcomes.EXPERIENCE_LIMIT, over)
        if experiences:
            # Sorted, so concurrent upserts of several rows lock them in the same order.
            upsert(
                [
                    Bucketing(
                        visitor_id=visitor.pk,
                        experience_id=experience["experienceId"],
                        variation_id=experience["variationId"],
                        first_seen=now,
                        last_seen=now,
                    )
                    for experience in sorted(experiences, key=lambda e: e["experienceId"])
                ],
                unique_fields=["visitor", "experience_id"],
                update_fields=["variation_id", "last_seen"],
                using=db,
            )
            record_exposures(visitor.pk, experiences, now, db)
            record_impressions(
                visitor_pk=visitor.pk,
                visitor_id=visitor_id,
                experience_ids=[e["experienceId"] for e in experiences],
                now=now,
                destination_ids=destination_ids,
                using=db,
            )
    return visitor


def _link_user(visitor: Visitor, user: Any, db: str) -> None:
    """Link an unlinked visitor to ``user`` unless the user already has a visitor.

    A user keeps the visitor they have (identity stitching decides which id a user uses);
    a visitor linked to someone else is not taken over. The savepoint keeps a lost race on
    the one-to-one constraint from aborting the ingest.
    """
    try:
        with transaction.atomic(using=db):
            linked = (
                Visitor.objects.using(db)
                .filter(pk=visitor.pk, user__isnull=True)
                .filter(~Exists(Visitor.objects.using(db).filter(user=user)))
                .update(user=user)
            )
    except IntegrityError:
        return
    if linked:
        visitor.user = user
