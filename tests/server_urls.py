"""Views a real server under test serves: a page view that reports which process answered
and whether its delivery worker runs, and paying an order (the rule records the
conversion in the request's transaction)."""

from __future__ import annotations

import os

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from django_convert.delivery.worker import get_worker
from tests.testapp.models import Order


def ping(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"pid": os.getpid(), "worker_alive": get_worker().alive})


@csrf_exempt
def pay(request: HttpRequest, number: str) -> JsonResponse:
    with transaction.atomic():
        order = Order.objects.select_for_update().get(number=number)
        order.status = "paid"
        order.save()
    return JsonResponse({"pid": os.getpid(), "paid": number})


urlpatterns = [path("ping/", ping), path("pay/<str:number>/", pay)]
