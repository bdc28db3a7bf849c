"""Admin helpers: experience, variation and goal names beside ids, and filters by name.

Every page shares one :class:`~django_convert.project.names.ProjectNames` snapshot (at
most four queries, whatever the number of rows), so the changelists' query counts do not
grow with their rows. Ids the synced config does not know are marked, never hidden.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.templatetags.static import static
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from django_convert.models import Bucketing
from django_convert.project.names import Verdict, current_names, names_scope

UNKNOWN = "unknown"
#: Above this many variations, the variation filter lists the chosen experience's only.
LIST_ALL_VARIATIONS_UP_TO = 50

if TYPE_CHECKING:
    MixinBase = admin.ModelAdmin[Any]
else:
    MixinBase = object


def verdict_html(verdict: Verdict) -> SafeString:
    """The label, and a warning icon with the problem when there is one."""
    if not verdict.problem:
        return format_html("{}", verdict.label)
    return format_html(
        '{} <img src="{}" alt="!" title="{}"> <em title="{}">{}</em>',
        verdict.label,
        static("admin/img/icon-alert.svg"),
        verdict.problem,
        verdict.problem,
        verdict.short or verdict.problem,
    )


def bucketing_html(pairs: Iterable[tuple[str, str]]) -> SafeString:
    """``experience → variation`` per line, with names, for a visitor or a conversion."""
    names = current_names()
    lines = [
        (
            verdict_html(names.experience(experience_id)),
            verdict_html(names.variation(variation_id, experience_id)),
        )
        for experience_id, variation_id in pairs
    ]
    if not lines:
        return format_html("{}", "—")
    return format_html_join(SafeString("<br>"), "{} → {}", lines)


def short_html(kind: str, convert_id: str, experience_id: str | None = None) -> SafeString:
    """The synced name alone (the id when there is none), with the problem mark: for list
    columns, where the ids go in the title. ``kind``: experience, variation or goal."""
    names = current_names()
    if kind == "experience":
        verdict, entry = names.experience(convert_id), names.experiences.get(convert_id)
    elif kind == "variation":
        verdict = names.variation(convert_id, experience_id)
        entry = names.variations.get(convert_id)
    else:
        verdict, entry = names.goal(convert_id), names.goals.get(convert_id)
    label = entry.name if entry is not None and entry.name else convert_id
    return verdict_html(Verdict(label, verdict.problem, verdict.short))


class ProjectNamesMixin(MixinBase):
    """Render each changelist and change form inside one names snapshot.

    The response is rendered here, not later by the handler, so the list columns (called
    while the template renders) still see the snapshot.
    """

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        with names_scope():
            return _rendered(super().changelist_view(request, extra_context))

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        with names_scope():
            return _rendered(super().changeform_view(request, object_id, form_url, extra_context))


def _rendered(response: HttpResponse) -> HttpResponse:
    if isinstance(response, TemplateResponse):
        response.render()
    return response


class _NameFilter(admin.SimpleListFilter):
    """Filter by a synced name, or by "not in the synced config"."""

    #: The Bucketing field compared; Visitor changelists go through their bucketing.
    bucketing_field = ""
    via_visitor = False

    def entries(self, request: HttpRequest) -> list[tuple[str, str]]:
        raise NotImplementedError

    def known_ids(self) -> list[str]:
        raise NotImplementedError

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [*self.entries(request), (UNKNOWN, str(_("not in the synced config")))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if not value:
            return queryset
        if value == UNKNOWN:
            condition = ~Q(**{f"{self.bucketing_field}__in": self.known_ids()})
        else:
            condition = Q(**{self.bucketing_field: value})
        if not self.via_visitor:
            return queryset.filter(condition)
        inner = Bucketing.objects.filter(condition, visitor=OuterRef("pk"))
        return queryset.filter(Exists(inner))


class ExperienceFilter(_NameFilter):
    title = _("experience")
    parameter_name = "experience"
    bucketing_field = "experience_id"

    def entries(self, request: HttpRequest) -> list[tuple[str, str]]:
        experiences = current_names().experiences.values()
        return [(e.id, _label(e)) for e in sorted(experiences, key=_by_name) if e.in_config]

    def known_ids(self) -> list[str]:
        return [e.id for e in current_names().experiences.values() if e.in_config]


class VariationFilter(_NameFilter):
    title = _("variation")
    parameter_name = "variation"
    bucketing_field = "variation_id"

    def entries(self, request: HttpRequest) -> list[tuple[str, str]]:
        names = current_names()
        chosen = request.GET.get("experience")
        if not chosen and len(names.variations) > LIST_ALL_VARIATIONS_UP_TO:
            return []  # a long list helps nobody: choose an experience first
        return [
            (v.id, f"{names.experiences[v.experience_id].name or v.experience_id}: {_label(v)}")
            for v in sorted(names.variations.values(), key=lambda v: (v.experience_id, v.id))
            if v.in_config and (not chosen or chosen == v.experience_id)
        ]

    def known_ids(self) -> list[str]:
        return [v.id for v in current_names().variations.values() if v.in_config]


class VisitorExperienceFilter(ExperienceFilter):
    via_visitor = True


class VisitorVariationFilter(VariationFilter):
    via_visitor = True


class GoalFilter(_NameFilter):
    title = _("goal")
    parameter_name = "goal"
    bucketing_field = "goal_id"  # on Conversion itself

    def entries(self, request: HttpRequest) -> list[tuple[str, str]]:
        goals = current_names().goals.values()
        return [(g.id, _label(g)) for g in sorted(goals, key=_by_name) if g.in_config]

    def known_ids(self) -> list[str]:
        return [g.id for g in current_names().goals.values() if g.in_config]


def _by_name(entry: Any) -> tuple[str, str]:
    return (entry.name.casefold(), entry.id)


def _label(entry: Any) -> str:
    """ "Name (id)", or the id said to be unnamed: never a bare number in a list of names."""
    return entry.label() if entry.name else str(_("%(id)s (no name synced)") % {"id": entry.id})
