"""A tiny shop: products, and orders that become paid."""

from decimal import Decimal

from django.conf import settings
from django.db import models

from django_convert.conversions import RecordingQuerySet


class Product(models.Model):
    name = models.CharField(max_length=100)
    price = models.DecimalField(max_digits=10, decimal_places=2)

    def __str__(self) -> str:
        return self.name


class Order(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "pending payment"
        PAID = "paid", "paid"

    number = models.CharField(max_length=32, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    # The Convert visitor who placed the order: the conversion rule reads it. Blank for a
    # guest whose browser had no id (no JavaScript, no consent): the order still counts.
    visitor_id = models.CharField(max_length=128, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # update(), bulk_create() and bulk_update() record conversions too (the admin's
    # "mark as paid" action is an update()); convert_sweep catches everything else.
    objects = RecordingQuerySet.as_manager()

    def __str__(self) -> str:
        return self.number

    @property
    def total(self) -> Decimal:
        return sum((item.price * item.quantity for item in self.items.all()), Decimal("0"))

    def items_count(self) -> int:
        return sum(item.quantity for item in self.items.all())


class OrderItem(models.Model):
    order = models.ForeignKey(Order, related_name="items", on_delete=models.CASCADE)
    product = models.ForeignKey(Product, on_delete=models.PROTECT)
    quantity = models.PositiveIntegerField(default=1)
    price = models.DecimalField(max_digits=10, decimal_places=2)
