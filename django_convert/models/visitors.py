"""Storage: visitors as Convert knows them, and the variation each was bucketed into."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from django_convert.models.project import CONVERT_ID_MAX_LENGTH
from django_convert.segments import Browser, Source, VisitorType

VISITOR_ID_MAX_LENGTH = 128
#: The tracking API's segment keys -> Visitor fields, in the API's order. Ingest, the
#: conversion snapshot and login stitching all read segments through this one mapping.
SEGMENT_FIELDS = {
    "browser": "browser",
    "devices": "devices",
    "source": "source",
    "visitorType": "visitor_type",
    "country": "country",
    "campaign": "campaign",
    "customSegments": "custom_segments",
}


def _empty_list() -> list[Any]:
    return []


class Visitor(models.Model):
    """A visitor as Convert knows it, with the segments the browser last reported.

    Deleting a user deletes their visitor and its bucketing (CASCADE): the id is opaque,
    but there is no reason to keep a deleted user's profile. Conversions already in the
    outbox keep only the opaque id and are delivered or purged as usual.
    """

    visitor_id = models.CharField(_("visitor id"), max_length=VISITOR_ID_MAX_LENGTH, unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="convert_visitor",
    )
    browser = models.CharField(max_length=8, choices=Browser.choices, blank=True)
    devices = models.JSONField(default=_empty_list, blank=True)
    source = models.CharField(max_length=16, choices=Source.choices, blank=True)
    visitor_type = models.CharField(max_length=16, choices=VisitorType.choices, blank=True)
    country = models.CharField(max_length=2, blank=True)
    campaign = models.CharField(max_length=255, blank=True)
    custom_segments = models.JSONField(default=_empty_list, blank=True)
    first_seen = models.DateTimeField(default=timezone.now, editable=False)
    last_seen = models.DateTimeField(default=timezone.now, db_index=True)
    # True once a browser proved it holds this id and the server gave it the id's key
    # (identity.proof): from then on a post without the key is someone else's. Rows stored
    # before keys existed are False: their browser's next post claims them.
    key_issued = models.BooleanField(_("key issued"), default=False, editable=False)

    class Meta:
        verbose_name = _("visitor")
        verbose_name_plural = _("visitors")
        ordering = ["-last_seen"]

    def __str__(self) -> str:
        return self.visitor_id

    def segments(self) -> dict[str, Any]:
        """The stored segments in the tracking API's shape, leaving out what is unknown."""
        segments = {key: getattr(self, field) for key, field in SEGMENT_FIELDS.items()}
        return {key: list(v) if isinstance(v, list) else v for key, v in segments.items() if v}

    def bucketing_data(self) -> dict[str, str]:
        """``{experienceId: variationId}`` as the tracking API's ``bucketingData`` wants it."""
        return dict(self.bucketings.values_list("experience_id", "variation_id"))


class Bucketing(models.Model):
    """The variation a visitor was bucketed into, one row per experience."""

    # The unique (visitor, experience_id) constraint already indexes visitor lookups.
    visitor = models.ForeignKey(
        Visitor, on_delete=models.CASCADE, related_name="bucketings", db_index=False
    )
    experience_id = models.CharField(max_length=CONVERT_ID_MAX_LENGTH)
    variation_id = models.CharField(max_length=CONVERT_ID_MAX_LENGTH)
    first_seen = models.DateTimeField(default=timezone.now, editable=False)
    last_seen = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("bucketing")
        verbose_name_plural = _("bucketing")
        ordering = ["-last_seen"]
        constraints = [
            models.UniqueConstraint(
                fields=["visitor", "experience_id"], name="django_convert_one_variation"
            )
        ]
        # One index serves the admin's experience and experience+variation filters; few
        # indexes keep the ingest upsert cheap.
        indexes = [
            models.Index(fields=["experience_id", "variation_id"], name="django_convert_variation"),
            # The experiment report counts an experience's visitors per variation over a
            # date range from this index alone (an index-only scan on PostgreSQL).
            models.Index(
                fields=["experience_id", "first_seen", "variation_id"],
                name="django_convert_bucketed_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.experience_id} → {self.variation_id}"


class DroppedPost(models.Model):
    """A browser's ingest post that was answered but not stored, and why: evidence for the
    doctor when a conversion's visitor has no bucketing ("posted as a crawler").

    One row per visitor id and reason (the first time), never one per post: a browser that
    keeps posting costs one conflicting INSERT per post. The reasons, what they mean and
    what to do, are the doctor's table (``reports/drops.py``). Deleted by
    ``convert_purge`` like visitors, and with the visitor by the admin's "Forget" action.
    """

    visitor_id = models.CharField(_("visitor id"), max_length=VISITOR_ID_MAX_LENGTH)
    reason = models.CharField(max_length=32)
    # What matched, e.g. the crawler pattern; never the whole user agent or the body.
    detail = models.CharField(max_length=255, blank=True)
    first_seen = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("dropped post")
        verbose_name_plural = _("dropped posts")
        constraints = [
            models.UniqueConstraint(
                fields=["visitor_id", "reason"], name="django_convert_one_drop_reason"
            )
        ]

    def __str__(self) -> str:
        return f"{self.visitor_id}: {self.reason}"
