"""Admin: visitors and their bucketing, with the names of experiences and variations from
the synced project config, and the experiment reports (reachable from the Bucketing list)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import URLPattern
from django.utils.translation import gettext_lazy as _

from django_convert.admin.names import (
    ExperienceFilter,
    ProjectNamesMixin,
    VariationFilter,
    VisitorExperienceFilter,
    VisitorVariationFilter,
    bucketing_html,
    verdict_html,
)
from django_convert.admin.report import report_urls
from django_convert.identity.erasure import forget_visitors
from django_convert.models import Bucketing, Conversion, Exposure, MergedId, Visitor
from django_convert.project.names import current_names
from django_convert.segments import Device

if TYPE_CHECKING:  # Django's admin classes are generic only in django-stubs.
    VisitorAdminBase = admin.ModelAdmin[Visitor]
    BucketingAdminBase = admin.ModelAdmin[Bucketing]
    ConversionAdminBase = admin.ModelAdmin[Conversion]
    BucketingInlineBase = admin.TabularInline[Bucketing, Visitor]
    ExposureInlineBase = admin.TabularInline[Exposure, Visitor]
    MergedIdInlineBase = admin.TabularInline[MergedId, Visitor]
else:
    VisitorAdminBase = BucketingAdminBase = ConversionAdminBase = admin.ModelAdmin
    BucketingInlineBase = ExposureInlineBase = MergedIdInlineBase = admin.TabularInline


class DeviceFilter(admin.SimpleListFilter):
    title = _("device")
    parameter_name = "device"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(str(value), str(label)) for value, label in Device.choices]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() not in Device.values:
            return queryset
        # Matches the quoted code inside the stored JSON array; works on every backend.
        return queryset.filter(devices__icontains=f'"{self.value()}"')


class BucketingInline(BucketingInlineBase):
    model = Bucketing
    extra = 0
    can_delete = False
    fields = ("experience", "variation", "first_seen", "last_seen")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("experience"))
    def experience(self, obj: Bucketing) -> str:
        return verdict_html(current_names().experience(obj.experience_id))

    @admin.display(description=_("variation"))
    def variation(self, obj: Bucketing) -> str:
        return verdict_html(current_names().variation(obj.variation_id, obj.experience_id))


class ExposureInline(ExposureInlineBase):
    """The exposure history, read-only: every variation the visitor was seen in."""

    model = Exposure
    extra = 0
    can_delete = False
    verbose_name_plural = _("exposure history")
    fields = ("experience", "variation", "is_first", "first_seen", "last_seen")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("experience"))
    def experience(self, obj: Exposure) -> str:
        return verdict_html(current_names().experience(obj.experience_id))

    @admin.display(description=_("variation"))
    def variation(self, obj: Exposure) -> str:
        return verdict_html(current_names().variation(obj.variation_id, obj.experience_id))


class MergedIdInline(MergedIdInlineBase):
    """The guest ids login stitching merged into this visitor (erasure follows them)."""

    model = MergedId
    extra = 0
    can_delete = False
    fields = ("merged_id", "merged_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Visitor)
class VisitorAdmin(ProjectNamesMixin, VisitorAdminBase):
    list_display = (
        "visitor_id",
        "user",
        "experiences",
        "browser",
        "source",
        "visitor_type",
        "country",
        "last_seen",
    )
    list_filter = (
        VisitorExperienceFilter,
        VisitorVariationFilter,
        "browser",
        DeviceFilter,
        "source",
        "visitor_type",
        "country",
        "last_seen",
    )
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    readonly_fields = ("first_seen",)
    date_hierarchy = "last_seen"
    inlines = (BucketingInline, ExposureInline, MergedIdInline)
    actions = ("forget_visitors",)

    # Visitors come from the ingest endpoint; the admin browses and corrects them.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Visitor]:
        return super().get_queryset(request).prefetch_related("bucketings")

    @admin.action(
        description=_(
            "Forget the selected visitors: their ids, the ids merged into them, and "
            "their data (erasure)"
        ),
        permissions=["delete"],
    )
    def forget_visitors(self, request: HttpRequest, queryset: QuerySet[Visitor]) -> None:
        erasure = forget_visitors(queryset)
        self.message_user(request, str(erasure), messages.SUCCESS)
        if erasure.in_flight_conversions:
            self.message_user(
                request,
                _("Some conversions were being sent: run the action again once they are."),
                messages.WARNING,
            )

    @admin.display(description=_("experiences"))
    def experiences(self, obj: Visitor) -> str:
        pairs = sorted((b.experience_id, b.variation_id) for b in obj.bucketings.all())
        return bucketing_html(pairs)

    def get_search_fields(self, request: HttpRequest) -> list[str]:
        # Decided per request, so a custom user model's USERNAME_FIELD is always current.
        return ["=visitor_id", f"user__{get_user_model().USERNAME_FIELD}"]


@admin.register(Bucketing)
class BucketingAdmin(ProjectNamesMixin, BucketingAdminBase):
    list_display = ("visitor", "experience", "variation", "first_seen", "last_seen")
    list_filter = (ExperienceFilter, VariationFilter)
    list_select_related = ("visitor",)
    search_fields = ("=visitor__visitor_id", "=experience_id", "=variation_id")
    raw_id_fields = ("visitor",)
    readonly_fields = ("first_seen",)
    date_hierarchy = "last_seen"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        # The experiment report lives in its own module (admin/report.py).
        return report_urls(self) + super().get_urls()

    @admin.display(description=_("experience"), ordering="experience_id")
    def experience(self, obj: Bucketing) -> str:
        return verdict_html(current_names().experience(obj.experience_id))

    @admin.display(description=_("variation"), ordering="variation_id")
    def variation(self, obj: Bucketing) -> str:
        return verdict_html(current_names().variation(obj.variation_id, obj.experience_id))
