"""Storage: the forwarding outbox, one row per event to send to an analytics destination.

A row is written in the ingest transaction the moment a visitor is first seen in a
variation of an experience (an impression), once per (destination, visitor, experience),
for each destination configured in ``DJANGO_CONVERT["FORWARD"]``; with a destination's
``CONVERSIONS`` set, also once per (destination, conversion). Delivery claims rows of one
destination at a time with the same lease as conversions (``delivery/claim.py``), so the
columns that machinery reads and writes have the same names and meanings as on
:class:`~django_convert.models.Conversion`.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from django_convert.models.outbox import OutboxRow
from django_convert.models.project import CONVERT_ID_MAX_LENGTH
from django_convert.models.visitors import VISITOR_ID_MAX_LENGTH

#: The destinations, as ``DJANGO_CONVERT["FORWARD"]`` names them (CONTRACT section 10).
DESTINATIONS = ("ga4", "segment", "mixpanel")
#: Longest browser id of a destination kept (GA4's client id, Segment's anonymous id,
#: Mixpanel's device id); longer ones are refused by the ingest serializer.
DESTINATION_ID_MAX_LENGTH = 255


def new_message_id() -> str:
    """A message id: a UUID4's 36 characters of ``[0-9a-f-]``, within Mixpanel's
    ``$insert_id`` rule (at most 36 letters, digits or ``-``) and Segment's ``messageId``
    (under 100 characters)."""
    return str(uuid.uuid4())


class ForwardedEvent(OutboxRow):
    """One event for one analytics destination: an impression or (optionally) a conversion.

    ``message_id`` and ``occurred_at`` are fixed when the row is written and sent as they
    are on every attempt (Segment's ``messageId``, Mixpanel's ``$insert_id`` and ``time``,
    GA4's ``timestamp_micros``), so a retry is deduplicated where the destination can.
    """

    class Destination(models.TextChoices):
        GA4 = "ga4", "GA4"
        SEGMENT = "segment", "Segment"
        MIXPANEL = "mixpanel", "Mixpanel"

    class Kind(models.TextChoices):
        IMPRESSION = "impression", _("impression")
        CONVERSION = "conversion", _("conversion")

    destination = models.CharField(max_length=16, choices=Destination.choices)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.IMPRESSION)
    # Unique per destination: "<visitor>:<experience>" for an impression, "conversion:<pk>"
    # for a conversion. A visitor seen again (or two racing reports) adds nothing.
    dedupe_key = models.CharField(max_length=255)
    message_id = models.CharField(max_length=36, default=new_message_id, editable=False)
    visitor_id = models.CharField(max_length=VISITOR_ID_MAX_LENGTH, db_index=True)
    # The destination's own id for this browser (from the listener), or "" when unknown.
    destination_id = models.CharField(max_length=DESTINATION_ID_MAX_LENGTH, blank=True)
    experience_id = models.CharField(max_length=CONVERT_ID_MAX_LENGTH, blank=True)
    experience_name = models.CharField(max_length=255, blank=True)
    variation_id = models.CharField(max_length=CONVERT_ID_MAX_LENGTH, blank=True)
    variation_name = models.CharField(max_length=255, blank=True)
    # A conversion's goal and revenue (kind "conversion").
    goal_id = models.CharField(max_length=CONVERT_ID_MAX_LENGTH, blank=True)
    goal_name = models.CharField(max_length=255, blank=True)
    amount = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)

    # The delivery columns come from OutboxRow: the same as Conversion's.

    class Meta:
        verbose_name = _("forwarded event")
        verbose_name_plural = _("forwarded events")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["destination", "dedupe_key"], name="django_convert_forward_once"
            ),
            models.UniqueConstraint(fields=["message_id"], name="django_convert_forward_msg"),
        ]
        indexes = [
            # A claim per destination: "what is due" in order, as Conversion's index.
            models.Index(
                fields=["destination", "status", "next_attempt_at"],
                name="django_convert_forward_due",
            ),
        ]

    def __str__(self) -> str:
        what = f"goal {self.goal_id}" if self.kind == "conversion" else self.experience_id
        return f"{self.destination}: {self.kind} {what} of {self.visitor_id}"

    def as_dict(self) -> dict[str, Any]:
        """The fields a payload builder reads, as plain data (``forwarding/payloads.py``)."""
        return {
            "kind": self.kind,
            "message_id": self.message_id,
            "visitor_id": self.visitor_id,
            "destination_id": self.destination_id,
            "experience_id": self.experience_id,
            "experience_name": self.experience_name,
            "variation_id": self.variation_id,
            "variation_name": self.variation_name,
            "goal_id": self.goal_id,
            "goal_name": self.goal_name,
            "amount": self.amount,
            "currency": self.currency,
            "occurred_at": self.occurred_at,
        }
