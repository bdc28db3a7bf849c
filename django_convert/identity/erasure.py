"""Erasure: forget a user's Convert data, every id they had included.

A user's data lives under more than one visitor id: their own, and each guest id login
stitching merged into it (a purchase as a guest on a second device, then a login there).
The merged guest has no row of its own any more, but its conversions still carry its id,
and the account keeps it (:class:`~django_convert.models.MergedId`).
:func:`forget_user` follows those ids.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import router, transaction

from django_convert.models import (
    Bucketing,
    Conversion,
    DroppedPost,
    Exposure,
    ForwardedEvent,
    MergedId,
    Visitor,
)


@dataclass(frozen=True)
class Erasure:
    """What :func:`forget_user` removed; ``str()`` says it in one sentence."""

    #: Every visitor id found: the user's own and those merged into it, sorted.
    visitor_ids: tuple[str, ...]
    visitors: int
    bucketing: int
    exposures: int
    merged_ids: int
    #: Notes of the ingest posts dropped for these ids (a crawler's, ...).
    dropped_posts: int
    #: Pending or failed conversions deleted: never sent, now never will be.
    unsent_conversions: int
    #: Delivered conversions deleted here (Convert keeps what it received).
    sent_conversions: int
    #: Conversions being sent right now, left to finish: delete them once sent.
    in_flight_conversions: int
    #: Events for analytics destinations (FORWARD) deleted, sent or not.
    forwarded_events: int = 0

    def __str__(self) -> str:
        if not self.visitor_ids:
            return "No Convert visitor: nothing to forget."
        text = (
            f"Forgot visitor id(s) {', '.join(self.visitor_ids)}: {self.visitors} visitor(s), "
            f"{self.bucketing} bucketing row(s), {self.exposures} exposure(s), "
            f"{self.merged_ids} merged id(s), {self.dropped_posts} dropped-post note(s), "
            f"{self.unsent_conversions} unsent and "
            f"{self.sent_conversions} sent conversion(s), "
            f"{self.forwarded_events} forwarded event(s)."
        )
        if self.in_flight_conversions:
            text += (
                f" {self.in_flight_conversions} conversion(s) being sent right now were left "
                "to finish: run forget_user() again once they are sent."
            )
        return text


def forget_user(user: Any, *, using: str | None = None) -> Erasure:
    """Delete ``user``'s visitor, every visitor id merged into it, their bucketing,
    exposure history, dropped-post notes, conversions and events for analytics destinations
    (``FORWARD``), in one transaction; the user
    row itself stays.

    Conversions being sent at this moment (``sending``) are left to finish (their request
    may already be on its way); call again once they are sent. What Convert already
    received stays with Convert: ask Convert to delete the returned
    :attr:`Erasure.visitor_ids` there.

    :param user: a User instance (or anything with ``pk``).
    :param using: the database alias; default: the router's for ``Visitor``.
    :returns: an :class:`Erasure` with the counts.
    """
    db = using or router.db_for_write(Visitor)
    return forget_visitors(Visitor.objects.using(db).filter(user_id=user.pk), using=db)


def forget_visitors(visitors: Iterable[Visitor], *, using: str | None = None) -> Erasure:
    """:func:`forget_user` for visitor rows (the admin's erasure action): each one, the ids
    merged into it, and their data."""
    db = using or router.db_for_write(Visitor)
    with transaction.atomic(using=db):
        pks = [visitor.pk for visitor in visitors]
        own = set(Visitor.objects.using(db).filter(pk__in=pks).values_list("visitor_id", flat=True))
        merged = set(
            MergedId.objects.using(db).filter(visitor__in=pks).values_list("merged_id", flat=True)
        )
        ids = sorted(own | merged)
        # A merged id whose row is still there (stitching kept it) goes with the rest.
        rows = Visitor.objects.using(db).filter(visitor_id__in=ids)
        counts = {
            "bucketing": Bucketing.objects.using(db).filter(visitor__in=rows).delete()[0],
            "exposures": Exposure.objects.using(db).filter(visitor__in=rows).delete()[0],
            "merged_ids": MergedId.objects.using(db).filter(visitor__in=rows).delete()[0],
            "dropped_posts": DroppedPost.objects.using(db).filter(visitor_id__in=ids).delete()[0],
        }
        conversions = Conversion.objects.using(db).filter(visitor_id__in=ids)
        unsent = conversions.filter(
            status__in=(Conversion.Status.PENDING, Conversion.Status.FAILED)
        ).delete()[0]
        sent = conversions.filter(status=Conversion.Status.SENT).delete()[0]
        in_flight = conversions.count()
        forwarded = forget_forwarded(ids, using=db)
        visitors_deleted = rows.delete()[0]
    return Erasure(
        visitor_ids=tuple(ids),
        visitors=visitors_deleted,
        unsent_conversions=unsent,
        sent_conversions=sent,
        in_flight_conversions=in_flight,
        forwarded_events=forwarded,
        **counts,
    )


def forget_forwarded(visitor_ids: Iterable[str], *, using: str | None = None) -> int:
    """Delete the forwarded events (``FORWARD``) of these visitor ids that are not being
    sent right now: pending ones are never sent, sent and failed ones are forgotten here
    (the analytics tool keeps what it received). Returns how many were deleted.

    Called by :func:`forget_visitors` and by the ingest's ``DELETE`` (consent withdrawn),
    so withdrawing consent stops what is still pending. A row in flight (``sending``) is
    left to finish: its request may already be on its way.
    """
    db = using or router.db_for_write(ForwardedEvent)
    return int(
        ForwardedEvent.objects.using(db)
        .filter(visitor_id__in=list(visitor_ids))
        .exclude(status=ForwardedEvent.Status.SENDING)
        .delete()[0]
    )
