"""Models the tests record conversions for."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from django_convert.conversions import RecordingQuerySet


class Order(models.Model):
    number = models.CharField(max_length=32, unique=True)
    status = models.CharField(max_length=16, default="new")
    total = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    visitor_id = models.CharField(max_length=128, blank=True)
    coupon = models.CharField(max_length=64, blank=True)
    # The date convert_sweep's window applies to (found as the only auto_now_add field).
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # When it was paid: a rule's "occurred_at" (conversions recorded late by the sweep
    # carry the bucketing the buyer had then).
    paid_at = models.DateTimeField(null=True, blank=True)

    objects = models.Manager()
    # Bulk writes that record conversions (django_convert.conversions.RecordingQuerySet).
    recording = RecordingQuerySet.as_manager()

    def items_count(self) -> int:
        return self.items.count()


class OrderItem(models.Model):
    order = models.ForeignKey(Order, related_name="items", on_delete=models.CASCADE)
    name = models.CharField(max_length=64)


class Plain(models.Model):
    """A model with no conversion rule, for baseline measurements."""

    name = models.CharField(max_length=64)


class Payment(models.Model):
    """Reaches its visitor through a relation: rules use paths like "order.user"."""

    order = models.ForeignKey(Order, related_name="payments", on_delete=models.CASCADE)
    state = models.CharField(max_length=16, default="pending")
    amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))

    @property
    def reference(self) -> str:
        return f"PAY-{self.pk}"

    def describe(self, verbose: bool) -> str:
        return f"payment {self.pk}" if verbose else str(self.pk)


class ShopOrder(Order):
    """A proxy, as admin code often uses: rules on Order apply to its saves too."""

    class Meta:
        proxy = True


class GiftOrder(Order):
    """Multi-table inheritance: saving one writes an Order row, and rules on Order apply."""

    message = models.CharField(max_length=64, blank=True)
