"""Admin: one experience's experiment report page.

Thin: the form picks the goal, dates and baseline; :mod:`django_convert.reports` computes
everything. Staff need to view both Bucketing and Conversion ("view" or "change"). The
URLs (under the Bucketing admin's) and the reports index are in ``admin/report_index.py``.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Min
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from django_convert.admin.permissions import can_view
from django_convert.conf import get_setting
from django_convert.models import Bucketing, Conversion, Experience, Exposure, Goal, Variation
from django_convert.reports.breakdown import SEGMENTS
from django_convert.reports.chart import rate_chart
from django_convert.reports.chart_trend import trend_chart
from django_convert.reports.experiment import ExperimentReport, build_report
from django_convert.reports.export import to_csv
from django_convert.reports.page import Page, build_page

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
    segment = forms.ChoiceField(
        label=_("Break down by"),
        required=False,
        choices=[("", _("nothing")), *SEGMENTS.items()],
    )

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


def experience_goals(experience_id: str, experience: Experience | None) -> list[str]:
    """The experience's own goals, best first: those of the synced config (revenue goals
    first: the report's revenue figures need one, and it is usually the goal an experiment
    is judged on); without a synced config, the goals its visitors converted on, most
    converted first. Empty when neither is known."""
    if experience is not None:
        goals = sorted(experience.goals.all(), key=lambda g: (g.type != "revenue", g.name, g.id))
        if goals:
            return [goal.id for goal in goals]
    converted = (
        Conversion.objects.filter(bucketing__has_key=experience_id)
        .values("goal_id")
        .annotate(count=Count("id"))
        .order_by("-count", "goal_id")
    )
    return [row["goal_id"] for row in converted]


def _goal_choices(own: list[str]) -> list[tuple[str, str]]:
    """The experience's own goals first, then goals seen in rules or the outbox."""
    names = dict(Goal.objects.values_list("id", "name"))
    ids = list(own)
    ids += [str(rule.get("goal_id")) for rule in get_setting("CONVERSIONS") or []]
    ids += list(Conversion.objects.order_by("goal_id").values_list("goal_id", flat=True).distinct())
    unique = list(dict.fromkeys(goal_id for goal_id in ids if goal_id and goal_id != "None"))
    return [(goal_id, _named(names, goal_id)) for goal_id in unique]


def experience_title(experience_id: str, experience: Experience | None) -> str:
    """Its synced name with the id, never the id alone."""
    if experience is not None and experience.name:
        return f"{experience.name} ({experience_id})"
    return str(_("Experience %(id)s (no name synced)") % {"id": experience_id})


def _named(names: dict[str, str], convert_id: str) -> str:
    return f"{names[convert_id]} ({convert_id})" if names.get(convert_id) else convert_id


def may_see_reports(request: HttpRequest) -> bool:
    """Reports show bucketing and conversions: the user must be able to view both."""
    return can_view(request, "bucketing") and can_view(request, "conversion")


def check_permission(request: HttpRequest) -> None:
    if not may_see_reports(request):
        raise PermissionDenied


def page_context(model_admin: ModelAdmin[Any], request: HttpRequest, title: str) -> dict[str, Any]:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": title,
    }


def report_view(
    model_admin: ModelAdmin[Any], request: HttpRequest, experience_id: str
) -> HttpResponse:
    check_permission(request)
    if not EXPERIENCE_ID.fullmatch(experience_id):
        raise Http404("not an experience id")
    experience = Experience.objects.filter(pk=experience_id).first()
    names = dict(Variation.objects.filter(experience_id=experience_id).values_list("id", "name"))
    if not names:  # no synced config: the variations visitors were bucketed into
        bucketed = Bucketing.objects.filter(experience_id=experience_id).order_by()
        names = dict.fromkeys(bucketed.values_list("variation_id", flat=True).distinct(), "")
    variation_ids = sorted(names)
    if experience is None and not variation_ids and not _seen(experience_id):
        raise Http404("no experience with this id was synced or exposed")
    variations = [(vid, _named(names, vid)) for vid in variation_ids]
    own = experience_goals(experience_id, experience)
    goals = _goal_choices(own)
    # The defaults, overlaid with whatever the query string gives: any subset works.
    data = {**_defaults(experience_id, own), **_query(request)}
    form = ReportForm(data, goals=goals, variations=variations)
    page: Page | None = None
    wants_csv = data.get("format") == "csv"
    if data.get("format", "") not in ("", "html", "csv"):
        return _bad_filters(f"format: {data['format']!r} is not html or csv")
    if not data.get("goal") and not form.has_error("start") and not form.has_error("end"):
        # No goal of this experience is known: let the user choose, never guess another's.
        form = ReportForm(initial=data, goals=goals, variations=variations)
    elif form.is_valid():
        start, end = form.time_range()
        goal, baseline = form.cleaned_data["goal"], form.cleaned_data["baseline"] or None
        if wants_csv:  # the whole range's report: no trend, no breakdown
            report = build_report(experience_id, goal, start, end, baseline_id=baseline)
            return _csv_response(experience_id, form, report)
        page = build_page(
            experience_id,
            goal,
            start,
            end,
            baseline_id=baseline,
            segment=form.cleaned_data.get("segment") or "",
        )
    if wants_csv:
        return _csv_response(experience_id, form, None)
    title = experience_title(experience_id, experience)
    context = page_context(model_admin, request, str(_("Experiment report: %s")) % title)
    status = 400 if form.is_bound and form.errors else 200
    shown = page.report if page else None
    context.update(
        experience_id=experience_id,
        no_goal=not data.get("goal"),
        form=form,
        report=shown,
        page=page,
        chart=rate_chart(shown.variations) if shown else "",
        trend=trend_chart(page.trend) if page else "",
        csv_query=_csv_query(request),
    )
    return TemplateResponse(
        request, "admin/django_convert/report/experience.html", context, status=status
    )


#: The query parameters the report reads (docs/report.rst, "Query parameters").
QUERY_PARAMETERS = ("goal", "start", "end", "baseline", "segment", "format")


def _query(request: HttpRequest) -> dict[str, str]:
    """The report's parameters present in the query string (an empty value included)."""
    return {name: request.GET[name] for name in QUERY_PARAMETERS if name in request.GET}


def _seen(experience_id: str) -> bool:
    """Whether any visitor was bucketed into or exposed to the experience."""
    return (
        Bucketing.objects.filter(experience_id=experience_id).exists()
        or Exposure.objects.filter(experience_id=experience_id).exists()
    )


def _bad_filters(errors: str) -> HttpResponse:
    return HttpResponse(
        f"The report's filters are not valid:\n{errors}\n",
        status=400,
        content_type="text/plain; charset=utf-8",
    )


def _csv_query(request: HttpRequest) -> str:
    """The page's own query string with ``format=csv``: the export has the same filters."""
    query = request.GET.copy()
    query.pop("segment", None)
    query["format"] = "csv"
    return query.urlencode()


def _csv_response(
    experience_id: str, form: ReportForm, report: ExperimentReport | None
) -> HttpResponse:
    """CONTRACT section 9; 400 with the form's errors when the filters are not valid."""
    if report is None:
        errors = form.errors.as_text() if form.is_bound else "choose a goal (?goal=...)"
        return _bad_filters(errors)
    name = f"report-{experience_id}-{report.goal_id}-{report.start:%Y%m%d}-{report.end:%Y%m%d}"
    name = re.sub(r"[^\w.-]", "_", name)  # a header value, whatever a synced id holds
    response = HttpResponse(to_csv(report), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def _defaults(experience_id: str, own_goals: list[str]) -> dict[str, str]:
    """The experience's whole life so far, for its first own goal ("" when none is known)."""
    first = Bucketing.objects.filter(experience_id=experience_id).aggregate(Min("first_seen"))
    today = timezone.localdate()
    start = timezone.localdate(first["first_seen__min"]) if first["first_seen__min"] else today
    return {
        "goal": own_goals[0] if own_goals else "",
        "start": start.isoformat(),
        "end": max(today, start).isoformat(),
    }
