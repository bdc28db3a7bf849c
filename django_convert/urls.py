"""Include with ``path("convert/", include("django_convert.urls"))``."""

from __future__ import annotations

from django.db import transaction
from django.urls import URLPattern, path

from django_convert.ingest.views import ContextView

app_name = "django_convert"

urlpatterns: list[URLPattern] = [
    # Outside ATOMIC_REQUESTS: the view's writes are one transaction of its own, which it
    # can run again after a deadlock (django_convert.deadlocks); inside the request's
    # transaction it could not.
    path("context/", transaction.non_atomic_requests(ContextView.as_view()), name="context"),
]
