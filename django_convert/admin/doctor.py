"""The conversion admin's "Diagnose" page: convert_doctor's checklist for one conversion."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext as _

from django_convert.admin.permissions import can_view
from django_convert.models import Conversion
from django_convert.reports.doctor import GUIDE_URL, diagnose_conversion

if TYPE_CHECKING:
    MixinBase = admin.ModelAdmin[Conversion]
else:
    MixinBase = object


class DiagnoseMixin(MixinBase):
    """Adds ``<id>/diagnose/`` (URL name ``django_convert_conversion_diagnose``)."""

    change_form_template = "admin/django_convert/conversion/change_form.html"

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.diagnose_view)
        return [
            path("<path:object_id>/diagnose/", view, name="django_convert_conversion_diagnose"),
            *super().get_urls(),
        ]

    def diagnose_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        conversion = self.get_object(request, object_id)
        if conversion is None:
            raise Http404(_("No conversion with id %(id)s.") % {"id": object_id})
        if not self.has_view_permission(request, conversion):
            raise PermissionDenied
        # The visitor's stored data only for those who may view visitors and bucketing.
        show_visitor = can_view(request, "visitor") and can_view(request, "bucketing")
        diagnosis = diagnose_conversion(conversion, show_visitor=show_visitor)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "object": conversion,
            "diagnosis": diagnosis,
            "guide_url": GUIDE_URL,
            "title": _("Diagnose %(conversion)s") % {"conversion": conversion},
            "failed": len(diagnosis.failed()),
        }
        return TemplateResponse(request, "admin/django_convert/conversion/diagnose.html", context)


__all__ = ["DiagnoseMixin"]
