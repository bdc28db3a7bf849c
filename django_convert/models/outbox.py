"""Storage: the conversion outbox, one row per conversion to deliver to Convert."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from django_convert.models.project import CONVERT_ID_MAX_LENGTH
from django_convert.models.visitors import VISITOR_ID_MAX_LENGTH

if TYPE_CHECKING:
    from datetime import datetime


def _empty_dict() -> dict[str, Any]:
    return {}


class ConversionQuerySet(models.QuerySet[Any]):
    def due(self, now: datetime | None = None) -> ConversionQuerySet:
        """Rows a worker may send now: pending and due, or sending with an expired lease.

        For reading only: a claim asks for each status on its own (``delivery/claim.py``),
        which the (status, next_attempt_at) index gives in order without a sort.
        """
        return self.filter(
            status__in=("pending", "sending"), next_attempt_at__lte=now or timezone.now()
        )


class OutboxRow(models.Model):
    """The delivery columns of an outbox row, with one meaning wherever they stand: a
    conversion for Convert (:class:`Conversion`) or an event for an analytics tool
    (:class:`~django_convert.models.ForwardedEvent`). ``delivery/claim.py`` and
    ``delivery/outcome.py`` read and write them, on either model."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    # No index of its own: the "due" index below starts with status. Every index here is
    # one more write on the request path (the outbox INSERT).
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # For a pending row: when to try next. For a sending row: when its lease expires,
    # after which it is due again (its worker is presumed dead).
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_token = models.UUIDField(null=True, blank=True, editable=False)
    # Why the last attempt did not deliver (django_convert.client.transport.REASONS, or
    # "rejected" / "expired" for a failed row); empty once sent.
    retry_reason = models.CharField(max_length=16, blank=True, default="")
    # Attempts whose outcome is unknown: no complete answer from Convert, or the lease of
    # the worker sending it ran out. Once sent, Convert may have counted it once more for
    # each (delivery health reports such conversions as "resent").
    unknown_outcomes = models.PositiveSmallIntegerField(default=0)
    # When its current run of retryable failures began (its first failed attempt, or the
    # first after "Retry" in the admin reset attempts): retried for RETRY_DAYS from then.
    failing_since = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_request = models.JSONField(null=True, blank=True)
    last_response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_response_body = models.TextField(blank=True)

    created_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class Conversion(OutboxRow):
    """The transactional outbox: one row per conversion to deliver to Convert.

    The row is a snapshot (visitor id, bucketing, segments, goal data) taken when the
    conversion happened, so later changes to the visitor do not change what is sent.
    """

    goal_id = models.CharField(max_length=CONVERT_ID_MAX_LENGTH)
    # With goal_id, the outbox's deduplication key: one conversion per (goal, transaction).
    transaction_id = models.CharField(max_length=255)
    # True when nobody gave a transaction id (track_conversion without one): the key above
    # was made up here to keep the row unique, and is never sent as transactionId.
    transaction_id_is_local = models.BooleanField(
        _("local transaction id"),
        default=False,
        help_text=_("Made up for deduplication only; not sent to Convert."),
    )
    visitor_id = models.CharField(max_length=VISITOR_ID_MAX_LENGTH, db_index=True)
    bucketing = models.JSONField(default=_empty_dict, blank=True)
    segments = models.JSONField(default=_empty_dict, blank=True)
    amount = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    products_count = models.PositiveIntegerField(null=True, blank=True)
    custom_dimensions = models.JSONField(default=_empty_dict, blank=True)
    origin = models.CharField(
        max_length=255, blank=True, help_text=_("What recorded it: a model label or a call.")
    )
    # The object whose save recorded it (a rule's instance, or ``source=`` given to
    # track_conversion), for the admin's link: its model ("shop.order", what a content
    # type names) and primary key. Plain columns: no lookup, constraint or index on the
    # request path's INSERT, and the order may live in another database or go away.
    source_model = models.CharField(_("source model"), max_length=100, blank=True)
    source_id = models.CharField(_("source id"), max_length=255, blank=True)

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

    @property
    def has_goal_data(self) -> bool:
        """Whether there is anything for ``goalData``: an amount, a products count or a
        custom dimension. A transaction id alone is not: it only keys the outbox."""
        return (
            self.amount is not None
            or self.products_count is not None
            or bool(self.custom_dimensions)
        )

    def goal_data(self) -> list[dict[str, Any]]:
        """``goalData`` in the tracking API's ``[{key, value}]`` shape, in the source guide's
        order (amount, productsCount, transactionId, customDimension1-5); ``[]`` when there
        is nothing but a transaction id, so a count goal's conversion carries no goalData
        (as the guide's examples and every Convert SDK send it). ``transactionId`` is
        included only when it is the caller's (``transaction_id_is_local`` is False)."""
        if not self.has_goal_data:
            return []
        data: list[dict[str, Any]] = []
        if self.amount is not None:
            data.append({"key": "amount", "value": self.amount})
        if self.products_count is not None:
            data.append({"key": "productsCount", "value": self.products_count})
        if not self.transaction_id_is_local:
            data.append({"key": "transactionId", "value": self.transaction_id})
        for index, value in sorted(self.custom_dimensions.items(), key=lambda kv: int(kv[0])):
            data.append({"key": f"customDimension{index}", "value": value})
        return data


class DeliveryTally(models.Model):
    """How many conversions each delivery event concerned, per hour: retries by reason
    (``retry:<reason>``), resends (``resent``), outcomes that could not be written while
    the database was unreachable (``unrecorded``). Delivery health reads the last hours.

    ``outbox`` names the kind of row (``"convert"`` for conversions), so another outbox
    can count its own events in the same table.
    """

    outbox = models.CharField(max_length=32, default="convert")
    hour = models.DateTimeField()
    event = models.CharField(max_length=48)
    conversions = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("delivery tally")
        verbose_name_plural = _("delivery tallies")
        constraints = [
            models.UniqueConstraint(
                fields=["outbox", "hour", "event"], name="django_convert_one_tally_per_hour"
            )
        ]

    def __str__(self) -> str:
        return f"{self.outbox} {self.hour:%Y-%m-%d %H:00} {self.event}: {self.conversions}"
