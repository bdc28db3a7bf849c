"""Storage: visitors, their bucketing, and the conversion outbox."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from django_convert.project_models import (
    CONVERT_ID_MAX_LENGTH,
    ConfigSync,
    Experience,
    Goal,
    Variation,
)
from django_convert.querysets import ConversionQuerySet
from django_convert.segments import Browser, Source, VisitorType

__all__ = [
    "CONVERT_ID_MAX_LENGTH",
    "SEGMENT_FIELDS",
    "VISITOR_ID_MAX_LENGTH",
    "Bucketing",
    "ConfigSync",
    "Conversion",
    "Experience",
    "Goal",
    "Variation",
    "Visitor",
]

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


def _empty_dict() -> dict[str, Any]:
    return {}


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


class Conversion(models.Model):
    """The transactional outbox: one row per conversion to deliver to Convert.

    The row is a snapshot (visitor id, bucketing, segments, goal data) taken when the
    conversion happened, so later changes to the visitor do not change what is sent.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    goal_id = models.CharField(max_length=CONVERT_ID_MAX_LENGTH)
    transaction_id = models.CharField(max_length=255)
    visitor_id = models.CharField(max_length=VISITOR_ID_MAX_LENGTH, db_index=True)
    bucketing = models.JSONField(default=_empty_dict, blank=True)
    segments = models.JSONField(default=_empty_dict, blank=True)
    amount = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    products_count = models.PositiveIntegerField(null=True, blank=True)
    custom_dimensions = models.JSONField(default=_empty_dict, blank=True)
    origin = models.CharField(
        max_length=255, blank=True, help_text=_("What recorded it: a model label or a call.")
    )

    # No index of its own: the "due" index below starts with status. Every index here is
    # one more write on the request path (the outbox INSERT).
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # For a pending row: when to try next. For a sending row: when its lease expires,
    # after which it is due again (its worker is presumed dead).
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_token = models.UUIDField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True)
    last_request = models.JSONField(null=True, blank=True)
    last_response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_response_body = models.TextField(blank=True)

    created_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = ConversionQuerySet.as_manager()

    class Meta:
        verbose_name = _("conversion")
        verbose_name_plural = _("conversions")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["goal_id", "transaction_id"], name="django_convert_one_per_transaction"
            )
        ]
        indexes = [
            # The delivery worker's "what is due" query.
            models.Index(fields=["status", "next_attempt_at"], name="django_convert_due"),
        ]

    def __str__(self) -> str:
        return f"goal {self.goal_id} / {self.transaction_id}"

    def goal_data(self) -> list[dict[str, Any]]:
        """``goalData`` in the tracking API's ``[{key, value}]`` shape."""
        data: list[dict[str, Any]] = []
        if self.amount is not None:
            data.append({"key": "amount", "value": self.amount})
        if self.products_count is not None:
            data.append({"key": "productsCount", "value": self.products_count})
        data.append({"key": "transactionId", "value": self.transaction_id})
        for index, value in sorted(self.custom_dimensions.items(), key=lambda kv: int(kv[0])):
            data.append({"key": f"customDimension{index}", "value": value})
        return data
