"""A checkout-like view for the DELIVERY mode tests: it records a conversion the way the
recording layer does (outbox row in the request's transaction, ``conversion_recorded``
after commit)."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.urls import path

from django_convert.models import Conversion
from django_convert.signals import conversion_recorded


def checkout(request: HttpRequest) -> JsonResponse:
    with transaction.atomic():
        row = Conversion.objects.create(
            goal_id="100037225",
            transaction_id=request.POST["order"],
            visitor_id="visitor-checkout",
            bucketing={"100127238": "1001186427"},
            # A revenue conversion: its transactionId goes on the wire (a count goal's
            # conversion carries no goalData, so no transaction id).
            amount=Decimal("24.90"),
        )
        transaction.on_commit(lambda: conversion_recorded.send(sender=Conversion, conversion=row))
    return JsonResponse({"ok": True, "conversion": row.pk})


urlpatterns = [path("checkout/", checkout)]
