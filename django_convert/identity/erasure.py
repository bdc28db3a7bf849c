"""Erasure: forget visitors and their data (a privacy request, the admin's "Forget" action).

A visitor's data is its ``Visitor`` row, its ``Bucketing``, the notes of its dropped posts,
and the conversions that carry its id. Conversions being sent at this very moment are left
to finish (their request may already be on its way): forget again once they are sent.
What Convert already received stays with Convert: ask Convert to delete those ids there.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import router, transaction

from django_convert.models import Bucketing, Conversion, DroppedPost, Visitor


@dataclass(frozen=True)
class Erasure:
    """What :func:`forget_visitors` removed; ``str()`` says it in one sentence."""

    #: Every visitor id forgotten, sorted.
    visitor_ids: tuple[str, ...]
    visitors: int
    bucketing: int
    dropped_posts: int
    #: Pending or failed conversions deleted: never sent, now never will be.
    unsent_conversions: int
    #: Delivered conversions deleted here (Convert keeps what it received).
    sent_conversions: int
    #: Conversions being sent right now, left to finish.
    in_flight_conversions: int

    def __str__(self) -> str:
        if not self.visitor_ids:
            return "No Convert visitor: nothing to forget."
        text = (
            f"Forgot visitor id(s) {', '.join(self.visitor_ids)}: {self.visitors} visitor(s), "
            f"{self.bucketing} bucketing row(s), {self.dropped_posts} dropped-post note(s), "
            f"{self.unsent_conversions} unsent and {self.sent_conversions} sent conversion(s)."
        )
        if self.in_flight_conversions:
            text += (
                f" {self.in_flight_conversions} conversion(s) being sent right now were left "
                "to finish: forget again once they are sent."
            )
        return text


def forget_visitors(visitors: Iterable[Visitor], *, using: str | None = None) -> Erasure:
    """Delete these visitors, their bucketing, dropped-post notes and conversions (except
    those being sent right now), in one transaction.

    :param visitors: Visitor rows (a queryset or a list).
    :param using: the database alias; default: the router's for ``Visitor``.
    :returns: an :class:`Erasure` with the counts.
    """
    db = using or router.db_for_write(Visitor)
    with transaction.atomic(using=db):
        pks = [visitor.pk for visitor in visitors]
        rows = Visitor.objects.using(db).filter(pk__in=pks)
        ids = sorted(rows.values_list("visitor_id", flat=True))
        bucketing = Bucketing.objects.using(db).filter(visitor__in=pks).delete()[0]
        notes = DroppedPost.objects.using(db).filter(visitor_id__in=ids).delete()[0]
        conversions = Conversion.objects.using(db).filter(visitor_id__in=ids)
        unsent = conversions.filter(
            status__in=(Conversion.Status.PENDING, Conversion.Status.FAILED)
        ).delete()[0]
        sent = conversions.filter(status=Conversion.Status.SENT).delete()[0]
        in_flight = conversions.count()
        visitors_deleted = rows.delete()[0]
    return Erasure(
        visitor_ids=tuple(ids),
        visitors=visitors_deleted,
        bucketing=bucketing,
        dropped_posts=notes,
        unsent_conversions=unsent,
        sent_conversions=sent,
        in_flight_conversions=in_flight,
    )
