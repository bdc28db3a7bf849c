"""Claim and mark forwarded rows with the conversions' machinery.

The claim is ``delivery.claim``'s one statement per status (``UPDATE ... RETURNING``, SKIP
LOCKED where the database has it), restricted to one destination, on the forwarding
outbox's (destination, status, next_attempt_at) index; each outcome is
``delivery.outcome``'s UPDATE conditioned on the lease token, written through
``delivery.durable.write_durably`` (kept and tried again until the database records it),
so a database blip after the destination answered never sends a row twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.db import router
from django.db.models import F, QuerySet
from django.utils import timezone

from django_convert.conf import get_setting
from django_convert.deadlocks import run_retrying_deadlocks
from django_convert.delivery.claim import TAKEOVER_GRACE, Claim, _claim_status
from django_convert.delivery.durable import write_durably
from django_convert.delivery.outcome import MAX_ERROR_CHARS, _update_held
from django_convert.models import ForwardedEvent

SENDING = ForwardedEvent.Status.SENDING.value
PENDING = ForwardedEvent.Status.PENDING.value
SENT = ForwardedEvent.Status.SENT.value
FAILED = ForwardedEvent.Status.FAILED.value
#: Loaded with a claim: what building the payloads and recording need.
CLAIMED = (
    "id",
    "destination",
    "kind",
    "message_id",
    "visitor_id",
    "destination_id",
    "experience_id",
    "experience_name",
    "variation_id",
    "variation_name",
    "goal_id",
    "goal_name",
    "amount",
    "currency",
    "occurred_at",
    "attempts",
    "unknown_outcomes",
    "failing_since",
)


def forward_alias() -> str:
    """The database the forwarding outbox is claimed and marked on (the router's write
    database for ForwardedEvent; keep it the conversions' outbox database, whose
    connection ``write_durably`` reconnects)."""
    return router.db_for_write(ForwardedEvent) or "default"


def forwarded() -> QuerySet[ForwardedEvent]:
    return ForwardedEvent.objects.using(forward_alias())


def claim_destination(destination: str, limit: int, *, due_at: datetime | None = None) -> Claim:
    """Claim up to ``limit`` rows of ``destination`` that are due: expired leases first
    (their last attempt's outcome is unknown), then pending rows, oldest due first."""
    alias = forward_alias()
    return run_retrying_deadlocks(
        partial(_claim, alias, destination, limit, due_at),
        using=alias,
        what=f"Claiming due rows for {destination}",
    )


def _claim(alias: str, destination: str, limit: int, due_at: datetime | None) -> Claim:
    now = timezone.now()
    lease = timedelta(seconds=float(get_setting("LEASE_SECONDS")))
    claim = Claim(token=uuid.uuid4(), lease_expires=now + lease)
    for status in (SENDING, PENDING):
        left = limit - len(claim.rows)
        if left <= 0:
            break
        due = due_at or now
        if status == SENDING:
            due -= TAKEOVER_GRACE
        rows = _claim_status(
            alias,
            status,
            due,
            left,
            claim,
            None,
            model=ForwardedEvent,
            columns=CLAIMED,
            equal={"destination": destination},
        )
        if status == SENDING:
            claim.taken_over = {row.pk for row in rows}
        claim.rows += rows
    return claim


def release(pks: Sequence[int], token: uuid.UUID) -> int:
    """Give claimed rows back untried: due now, the attempt not counted."""
    return int(
        forwarded()
        .filter(pk__in=list(pks), lease_token=token, status=SENDING)
        .update(status=PENDING, next_attempt_at=timezone.now(), attempts=F("attempts") - 1)
    )


def _count(pks: Sequence[int], token: uuid.UUID, status: str) -> int:
    return forwarded().filter(pk__in=list(pks), lease_token=token, status=status).count()


def mark(
    claim: Claim,
    pks: Sequence[int],
    status: str,
    *,
    requests: Mapping[int, str] | None = None,
    error: str = "",
    reason: str = "",
    status_code: int | None = None,
    body: str = "",
    next_attempt_at: datetime | None = None,
    unknown: bool = False,
    what: str,
    should_stop: Callable[[], bool] | None = None,
) -> int:
    """Write an outcome on rows this claim still holds, durably; returns how many.

    ``status`` sent, failed or pending (a retry at ``next_attempt_at``); ``unknown``
    counts an attempt whose outcome is unknown (no complete answer).
    """
    if not pks:
        return 0
    now = timezone.now()
    values: dict[str, Any] = {
        "status": status,
        "retry_reason": "" if status == SENT else reason,
        "last_error": error[:MAX_ERROR_CHARS],
        "last_response_status": status_code,
        "last_response_body": body,
    }
    if status == SENT:
        values["sent_at"] = now
    elif status == FAILED:
        values["next_attempt_at"] = now
    else:
        values["next_attempt_at"] = next_attempt_at or now
    # _update_held sets last_request only on the rows it has a request for (on PostgreSQL
    # it joins them): the rows without one (not tried yet) are written on their own.
    with_request = [pk for pk in pks if requests and pk in requests]
    without = [pk for pk in pks if not (requests and pk in requests)]
    done = 0
    for group, given in ((with_request, requests), (without, None)):
        if not group:
            continue
        write = partial(
            _update_held,
            group,
            claim.token,
            values,
            given,
            ("unknown_outcomes",) if unknown and given else (),
            now if status == PENDING else None,
            ForwardedEvent,
        )
        done += write_durably(
            write,
            what=what,
            count=len(group),
            lease_expires=claim.lease_expires,
            should_stop=should_stop,
            recount=partial(_count, group, claim.token, status),
        )
    return done


def due_soonest() -> float | None:
    """Seconds until the next forwarded row falls due (None: none waiting, or nothing
    configured): for the background worker's sleep."""
    from django_convert.forwarding.config import configured

    names = list(configured())
    if not names:
        return None
    firsts = [
        forwarded()
        .filter(destination=name, status=status)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
        for name in names
        for status in (PENDING, "sending")
    ]
    due = [at for at in firsts if at is not None]
    if not due:
        return None
    return (min(due) - timezone.now()).total_seconds()
