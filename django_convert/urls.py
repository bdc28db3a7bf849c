"""Include with ``path("convert/", include("django_convert.urls"))``."""

from __future__ import annotations

from django.urls import URLPattern, path

from django_convert.ingest.views import ContextView

app_name = "django_convert"

urlpatterns: list[URLPattern] = [
    path("context/", ContextView.as_view(), name="context"),
]
