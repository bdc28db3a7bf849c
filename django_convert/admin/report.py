"""Admin: the experiment report pages, under the Bucketing admin's URLs.

Thin: the form picks the goal, dates and baseline; :mod:`django_convert.reports` computes
everything. Staff need the "view" permission on both Bucketing and Conversion.

``BucketingAdmin.get_urls()`` (``admin/visitors.py``) adds :func:`report_urls`, so the
report stays out of the visitors' admin.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Min
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from django_convert.conf import get_setting
from django_convert.models import Bucketing, Conversion, Experience, Goal, Variation
from django_convert.reports.chart import rate_chart
from django_convert.reports.experiment import ExperimentReport, build_report

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin

#: The path converter for experience ids: Convert's are digits; no slash ever.
EXPERIENCE_PATH = "report/<str:experience_id>/"
#: What an id may look like here (Convert's are digits; the column holds 32 characters).
EXPERIENCE_ID = re.compile(r"[\w.-]{1,32}")


class DateInput(forms.DateInput):
    input_type = "date"


class ReportForm(forms.Form):
    goal = forms.ChoiceField(label=_("Goal"))
    start = forms.DateField(label=_("From"), widget=DateInput)
    end = forms.DateField(label=_("To (inclusive)"), widget=DateInput)
    baseline = forms.ChoiceField(label=_("Baseline"), required=False)

    def __init__(
        self, *args: Any, goals: list[tuple[str, str]], variations: list[tuple[str, str]], **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        self.fields["goal"].choices = goals  # type: ignore[attr-defined]
        self.fields["baseline"].choices = [  # type: ignore[attr-defined]
            ("", _("first variation")),
            *variations,
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            raise forms.ValidationError(_("The end date must not be before the start date."))
        return data

    def time_range(self) -> tuple[datetime, datetime]:
        """The chosen days in the current time zone, as ``[start, end)`` aware datetimes."""
        start: date = self.cleaned_data["start"]
        end: date = self.cleaned_data["end"] + timedelta(days=1)
        zone = timezone.get_current_timezone()
        return (
            timezone.make_aware(datetime.combine(start, time.min), zone),
            timezone.make_aware(datetime.combine(end, time.min), zone),
        )


def _goal_choices(experience: Experience | None) -> list[tuple[str, str]]:
    """The experience's goals first (synced config), then goals seen in rules or the outbox."""
    names = dict(Goal.objects.values_list("id", "name"))
    ids: list[str] = []
    if experience is not None:
        # Revenue goals first: the report's revenue figures need one, and it is usually
        # the goal an experiment is judged on.
        goals = sorted(experience.goals.all(), key=lambda g: (g.type != "revenue", g.name, g.id))
        ids += [goal.id for goal in goals]
    ids += [str(rule.get("goal_id")) for rule in get_setting("CONVERSIONS") or []]
    ids += list(Conversion.objects.order_by("goal_id").values_list("goal_id", flat=True).distinct())
    unique = list(dict.fromkeys(goal_id for goal_id in ids if goal_id and goal_id != "None"))
    return [(goal_id, _named(names, goal_id)) for goal_id in unique]


def _named(names: dict[str, str], convert_id: str) -> str:
    return f"{names[convert_id]} ({convert_id})" if names.get(convert_id) else convert_id


def _check_permission(request: HttpRequest) -> None:
    user = request.user
    if not (
        user.has_perm("django_convert.view_bucketing")
        and user.has_perm("django_convert.view_conversion")
    ):
        raise PermissionDenied


def _context(model_admin: ModelAdmin[Any], request: HttpRequest, title: str) -> dict[str, Any]:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": title,
    }


def report_index_view(model_admin: ModelAdmin[Any], request: HttpRequest) -> HttpResponse:
    """Every experience with bucketed visitors or in the synced config, with its name."""
    _check_permission(request)
    experiences = {e.id: e for e in Experience.objects.all()}
    bucketed = Bucketing.objects.order_by("experience_id").values_list("experience_id")
    bucketed_ids = {eid for (eid,) in bucketed.distinct()}
    ids = sorted(set(experiences) | bucketed_ids)
    rows = [(eid, experiences.get(eid)) for eid in ids]
    context = _context(model_admin, request, str(_("Experiment reports")))
    context["experiences"] = rows
    return TemplateResponse(request, "admin/django_convert/report/index.html", context)


def report_view(
    model_admin: ModelAdmin[Any], request: HttpRequest, experience_id: str
) -> HttpResponse:
    _check_permission(request)
    if not EXPERIENCE_ID.fullmatch(experience_id):
        raise Http404("not an experience id")
    experience = Experience.objects.filter(pk=experience_id).first()
    names = dict(Variation.objects.filter(experience_id=experience_id).values_list("id", "name"))
    if not names:  # no synced config: the variations visitors were bucketed into
        bucketed = Bucketing.objects.filter(experience_id=experience_id).order_by()
        names = dict.fromkeys(bucketed.values_list("variation_id", flat=True).distinct(), "")
    variation_ids = sorted(names)
    variations = [(vid, _named(names, vid)) for vid in variation_ids]
    goals = _goal_choices(experience)
    data = request.GET if "goal" in request.GET else _defaults(experience_id, goals)
    form = ReportForm(data, goals=goals, variations=variations)
    report: ExperimentReport | None = None
    if form.is_valid():
        start, end = form.time_range()
        report = build_report(
            experience_id,
            form.cleaned_data["goal"],
            start,
            end,
            baseline_id=form.cleaned_data["baseline"] or None,
        )
    title = str(experience.name if experience and experience.name else experience_id)
    context = _context(model_admin, request, str(_("Experiment report: %s")) % title)
    context.update(
        experience_id=experience_id,
        form=form,
        report=report,
        chart=rate_chart(report.variations) if report else "",
    )
    return TemplateResponse(request, "admin/django_convert/report/experience.html", context)


def _defaults(experience_id: str, goals: list[tuple[str, str]]) -> dict[str, str]:
    """The experience's whole life so far, for its first goal."""
    first = Bucketing.objects.filter(experience_id=experience_id).aggregate(Min("first_seen"))
    today = timezone.localdate()
    start = timezone.localdate(first["first_seen__min"]) if first["first_seen__min"] else today
    return {
        "goal": goals[0][0] if goals else "",
        "start": start.isoformat(),
        "end": max(today, start).isoformat(),
    }


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
