"""Claim due conversions with a lease, so that no two workers ever send the same row.

A claimed row is ``sending`` with a fresh ``lease_token`` and ``next_attempt_at`` set to
when the lease expires. If its worker dies, the row is due again after the lease
(``ConversionQuerySet.due``) and nothing is lost. Outcomes are written only while the
row still holds the worker's token (see ``outcome.py``).

Every read and write of the outbox in delivery goes to one database: the one the router
gives for writing ``Conversion`` (:func:`outbox_alias`). Reading a claim back from a
replica that has not caught up would find nothing, and the rows would sit in
``sending`` until their lease ran out, again and again.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from django.db import connections, router, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from django_convert.conf import get_setting
from django_convert.deadlocks import run_retrying_deadlocks
from django_convert.models import Conversion

logger = logging.getLogger("django_convert")


def outbox_alias() -> str:
    """The database alias delivery reads and writes the outbox on (the router's write db)."""
    return router.db_for_write(Conversion) or "default"


def outbox() -> QuerySet[Conversion]:
    """``Conversion.objects`` on :func:`outbox_alias` (never a read replica)."""
    return Conversion.objects.using(outbox_alias())


@dataclass
class Claim:
    token: uuid.UUID
    lease_expires: datetime
    rows: list[Conversion] = field(default_factory=list)


def claim_due(
    limit: int, *, due_at: datetime | None = None, ids: Collection[int] | None = None
) -> Claim:
    """Claim up to ``limit`` rows due at ``due_at`` (default now), oldest due first.

    Run again if the database broke a deadlock by rolling the claim back (only when the
    caller has no transaction open: see :mod:`django_convert.deadlocks`).
    """
    return run_retrying_deadlocks(
        partial(_claim_due, limit, due_at, ids), using=outbox_alias(), what="Claiming due rows"
    )


def _claim_due(limit: int, due_at: datetime | None, ids: Collection[int] | None) -> Claim:
    now = timezone.now()
    claim = Claim(
        token=uuid.uuid4(), lease_expires=now + timedelta(seconds=get_setting("LEASE_SECONDS"))
    )
    alias = outbox_alias()
    connection = connections[alias]
    due = Conversion.objects.using(alias).due(due_at or now)
    if ids is not None:
        due = due.filter(pk__in=ids)
    due = due.order_by("next_attempt_at", "pk")
    changes = {
        "status": Conversion.Status.SENDING,
        "lease_token": claim.token,
        "next_attempt_at": claim.lease_expires,
        "attempts": F("attempts") + 1,
    }
    features = connection.features
    if features.allow_sliced_subqueries_with_in:
        # One UPDATE ... WHERE pk IN (SELECT ... LIMIT n): claiming is a single statement.
        # PostgreSQL: FOR UPDATE SKIP LOCKED in the subquery skips rows another worker is
        # claiming instead of waiting for them. SQLite: a write statement holds the write
        # lock from its start, so two claims never see the same row as due.
        candidates = due.values("pk")
        if features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        with transaction.atomic(using=alias):
            count = (
                Conversion.objects.using(alias).filter(pk__in=candidates[:limit]).update(**changes)
            )
    elif features.has_select_for_update_skip_locked:
        # MariaDB 10.6+ / MySQL 8 (no LIMIT in an IN subquery): lock the candidates with
        # SKIP LOCKED, then update them, in one short transaction. A row another worker is
        # claiming is skipped, not waited for, and the locks keep the rows due until the
        # UPDATE. Ordered as the (status, next_attempt_at) index is: InnoDB keeps a lock on
        # every matching row it reads, and ORDER BY next_attempt_at alone would read (and
        # lock) all due rows to sort them; in index order it stops at the limit.
        with transaction.atomic(using=alias):
            locked = due.order_by("status", "next_attempt_at", "pk").select_for_update(
                skip_locked=True
            )
            pks = list(locked.values_list("pk", flat=True)[:limit])
            count = (
                Conversion.objects.using(alias).filter(pk__in=pks).update(**changes) if pks else 0
            )
    else:
        # Neither: pick candidates, then one conditional UPDATE that re-checks "still due",
        # so a row claimed in between is left alone (that worker gets a smaller batch).
        pks = list(due.values_list("pk", flat=True)[:limit])
        count = (
            Conversion.objects.using(alias).filter(pk__in=pks).due(due_at or now).update(**changes)
        )
    if count:
        claim.rows = list(
            Conversion.objects.using(alias).filter(lease_token=claim.token).order_by("pk")
        )
        if len(claim.rows) < count:  # cannot happen on one database; say so if it does
            logger.error(
                "Claimed %d conversion(s) on database %r but read back only %d; the rest stay "
                "'sending' until their lease (LEASE_SECONDS) runs out. Check DATABASE_ROUTERS.",
                count,
                alias,
                len(claim.rows),
            )
    return claim
