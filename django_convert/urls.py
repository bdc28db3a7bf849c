"""Include with ``path("convert/", include("django_convert.urls"))``."""

from __future__ import annotations

from django.urls import URLPattern

app_name = "django_convert"

urlpatterns: list[URLPattern] = []
