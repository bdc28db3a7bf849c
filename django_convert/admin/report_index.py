"""Admin: the experiment reports index, and its entry in the Convert section of the admin
index ("Experiment reports": a proxy model's admin whose list is this index).

Each experience with bucketed visitors or in the synced config, with its status, the
first and last time a visitor was bucketed into it and how many were, linked to its
report (``admin/report.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.db.models import Count, Max, Min
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _

from django_convert.admin.report import (
    EXPERIENCE_PATH,
    check_permission,
    experience_title,
    may_see_reports,
    page_context,
    report_view,
)
from django_convert.models import Bucketing, Experience, ExperimentReport
from django_convert.reports.formats import DASH, number, short_datetime

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin

    ExperimentReportAdminBase = admin.ModelAdmin[ExperimentReport]
else:
    ExperimentReportAdminBase = admin.ModelAdmin


@dataclass(frozen=True)
class IndexRow:
    """One experience of the reports index."""

    experience_id: str
    title: str
    status: str
    type: str
    visitors: int
    first_seen: datetime | None
    last_seen: datetime | None

    @property
    def visitors_text(self) -> str:
        return number(self.visitors)

    @property
    def first_text(self) -> str:
        return short_datetime(self.first_seen)

    @property
    def last_text(self) -> str:
        return short_datetime(self.last_seen)


def index_rows() -> list[IndexRow]:
    """Every experience with bucketed visitors or in the synced config: its status, the
    first and last time a visitor was bucketed, and how many were (one grouped query)."""
    experiences = {e.id: e for e in Experience.objects.all()}
    stats = {
        row["experience_id"]: row
        for row in Bucketing.objects.order_by()
        .values("experience_id")
        .annotate(visitors=Count("id"), first=Min("first_seen"), last=Max("last_seen"))
    }
    rows = []
    for experience_id in set(experiences) | set(stats):
        experience = experiences.get(experience_id)
        stat: dict[str, Any] = dict(stats.get(experience_id) or {})
        if experience is None:
            status = str(_("not in the synced config"))
        else:
            status = experience.status or DASH
        rows.append(
            IndexRow(
                experience_id=experience_id,
                title=experience_title(experience_id, experience),
                status=status,
                type=experience.type if experience else "",
                visitors=stat.get("visitors", 0),
                first_seen=stat.get("first"),
                last_seen=stat.get("last"),
            )
        )
    # Running experiences first, then the most recently seen.
    return sorted(
        rows,
        key=lambda row: (
            row.status != Experience.Status.ACTIVE,
            -(row.last_seen.timestamp() if row.last_seen else 0),
            row.experience_id,
        ),
    )


def report_index_view(model_admin: ModelAdmin[Any], request: HttpRequest) -> HttpResponse:
    """Every experience with bucketed visitors or in the synced config, with its name."""
    check_permission(request)
    context = page_context(model_admin, request, str(_("Experiment reports")))
    context["rows"] = index_rows()
    return TemplateResponse(request, "admin/django_convert/report/index.html", context)


def report_urls(model_admin: ModelAdmin[Any]) -> list[URLPattern]:
    """The report's admin URLs: ``admin:django_convert_bucketing_report`` (one experience)
    and ``admin:django_convert_bucketing_reports`` (the list)."""
    site = model_admin.admin_site

    def index(request: HttpRequest) -> HttpResponse:
        return report_index_view(model_admin, request)

    def experience(request: HttpRequest, experience_id: str) -> HttpResponse:
        return report_view(model_admin, request, experience_id)

    return [
        path("report/", site.admin_view(index), name="django_convert_bucketing_reports"),
        path(EXPERIENCE_PATH, site.admin_view(experience), name="django_convert_bucketing_report"),
    ]


@admin.register(ExperimentReport)
class ExperimentReportAdmin(ExperimentReportAdminBase):
    """ "Experiment reports" in the Convert section of the admin index: the reports index
    instead of a changelist, for staff who may view bucketing and conversions."""

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_see_reports(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        def index(request: HttpRequest) -> HttpResponse:
            return report_index_view(self, request)

        name = f"{self.opts.app_label}_{self.opts.model_name}_changelist"
        return [path("", self.admin_site.admin_view(index), name=name)]
