"""Storage: what a visitor was exposed to over time, and the ids merged into a visitor.

``Bucketing`` holds one row per visitor and experience: the variation Convert reports now.
``Exposure`` keeps the history behind it: one row per visitor, experience and variation
ever reported, with when it was first and last seen. Nothing overwrites it: when Convert
re-buckets a visitor, a second row is added; when login stitching merges a guest into an
account, the guest's rows move to the account and keep their dates. Two things read it:

- a conversion recorded late (``convert_sweep``) takes the bucketing the visitor had when
  the order was made: per experience, the variation first seen last before that moment;
  experiences first seen after it are left out (``conversions.snapshot``);
- the experiment report counts each visitor once, in the variation they were first
  exposed to (``is_first``), and shows those seen in more than one.

``MergedId`` keeps the ids stitching merged into a visitor, so that erasing a user finds
the conversions made under a guest id that no longer has a row of its own.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from django_convert.models.project import CONVERT_ID_MAX_LENGTH
from django_convert.models.visitors import VISITOR_ID_MAX_LENGTH, Visitor
from django_convert.segments import device_class


class Exposure(models.Model):
    """A visitor seen in one variation of one experience: one row per (visitor, experience,
    variation), never updated but for ``last_seen``.

    ``is_first`` marks the visitor's first variation in the experience (the earliest
    ``first_seen``; exactly one row per visitor and experience has it). The report counts
    visitors per variation over a date range from the ``django_convert_exposed_range``
    index alone (experience, is_first, first_seen, variation): on PostgreSQL an
    index-only scan, whatever the number of visitors.
    """

    # The unique (visitor, experience, variation) constraint indexes visitor lookups.
    visitor = models.ForeignKey(
        Visitor, on_delete=models.CASCADE, related_name="exposures", db_index=False
    )
    experience_id = models.CharField(max_length=CONVERT_ID_MAX_LENGTH)
    variation_id = models.CharField(max_length=CONVERT_ID_MAX_LENGTH)
    first_seen = models.DateTimeField(default=timezone.now)
    # Not indexed: the ingest updates it on every report, and an unindexed column lets
    # PostgreSQL update the row in place (HOT) without touching the indexes.
    last_seen = models.DateTimeField(default=timezone.now)
    is_first = models.BooleanField(
        _("first variation"),
        default=True,
        help_text=_("The first variation this visitor was seen in, for this experience."),
    )
    # The visitor's segments when this row was written (the five the report breaks down
    # by, docs/report.rst): the breakdown groups exposures without joining visitors, and a
    # later change of the visitor's segments does not move a past exposure. Rows from
    # before 0011 hold the visitor's segments at that migration.
    device = models.CharField(max_length=8, blank=True, default="")
    browser = models.CharField(max_length=8, blank=True, default="")
    source = models.CharField(max_length=16, blank=True, default="")
    country = models.CharField(max_length=2, blank=True, default="")
    visitor_type = models.CharField(max_length=16, blank=True, default="")

    class Meta:
        verbose_name = _("exposure")
        verbose_name_plural = _("exposures")
        ordering = ["experience_id", "first_seen"]
        constraints = [
            models.UniqueConstraint(
                fields=["visitor", "experience_id", "variation_id"],
                name="django_convert_one_exposure",
            )
        ]
        indexes = [
            models.Index(
                fields=["experience_id", "is_first", "first_seen", "variation_id"],
                name="django_convert_exposed_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.experience_id} → {self.variation_id} from {self.first_seen:%Y-%m-%d %H:%M}"


#: The segment columns of :class:`Exposure`, as recorded from a visitor's row.
EXPOSURE_SEGMENTS = ("device", "browser", "source", "country", "visitor_type")


def exposure_segments(visitor: Visitor) -> dict[str, str]:
    """``{column: value}`` of :data:`EXPOSURE_SEGMENTS` from ``visitor``'s stored
    segments ('' when unknown; ``device`` its :func:`~django_convert.segments.device_class`):
    what the ingest records on a new Exposure row."""
    return {
        "device": device_class(visitor.devices),
        "browser": visitor.browser or "",
        "source": visitor.source or "",
        "country": visitor.country or "",
        "visitor_type": visitor.visitor_type or "",
    }


class MergedId(models.Model):
    """A visitor id that login stitching merged into ``visitor`` (the account's).

    The merged id's own row is gone, but conversions recorded under it still carry it:
    ``forget_user()`` follows these rows to find them.
    """

    visitor = models.ForeignKey(Visitor, on_delete=models.CASCADE, related_name="merged_ids")
    merged_id = models.CharField(_("merged visitor id"), max_length=VISITOR_ID_MAX_LENGTH)
    merged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("merged visitor id")
        verbose_name_plural = _("merged visitor ids")
        constraints = [
            models.UniqueConstraint(
                fields=["visitor", "merged_id"], name="django_convert_one_merged_id"
            )
        ]
        # The report finds the account a guest's conversions belong to by the guest's id.
        indexes = [models.Index(fields=["merged_id"], name="django_convert_merged_guest")]

    def __str__(self) -> str:
        return f"{self.merged_id} → {self.visitor_id}"
