"""Admin: visitors and their bucketing, read-only, with the names of experiences and
variations from the synced project config; "Forget" removes a visitor and its data.

The experiment reports hang off the Bucketing admin's URLs (``admin/report_index.py``) and
are listed in the Convert section of the admin index.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import URLPattern, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from django_convert.admin.names import (
    ExperienceFilter,
    ProjectNamesMixin,
    VariationFilter,
    VisitorExperienceFilter,
    VisitorVariationFilter,
    short_html,
    verdict_html,
)
from django_convert.admin.permissions import (
    OfferedActionsOnly,
    ReadOnlyTrackingData,
    admin_link,
    can_view,
    may_view,
)
from django_convert.admin.report_index import report_urls
from django_convert.identity.erasure import forget_visitors
from django_convert.models import Bucketing, Conversion, Exposure, MergedId, Visitor
from django_convert.project.names import current_names
from django_convert.reports.formats import (
    CHANGELIST_CSS,
    DASH,
    clip,
    number,
    short_id,
    stacked_datetime,
)
from django_convert.segments import Browser, Device, Source, VisitorType

if TYPE_CHECKING:  # Django's admin classes are generic only in django-stubs.
    VisitorAdminBase = admin.ModelAdmin[Visitor]
    BucketingAdminBase = admin.ModelAdmin[Bucketing]
    BucketingInlineBase = admin.TabularInline[Bucketing, Visitor]
    ExposureInlineBase = admin.TabularInline[Exposure, Visitor]
    MergedIdInlineBase = admin.TabularInline[MergedId, Visitor]
else:
    VisitorAdminBase = BucketingAdminBase = admin.ModelAdmin
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

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A visitor's bucketing is shown to whoever may view bucketing, nobody else.
        return can_view(request, Bucketing)

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


def _segment_labels(codes: Any, labels: dict[str, str]) -> str:
    if not codes:
        return DASH
    values = codes if isinstance(codes, list) else [codes]
    return ", ".join(f"{labels.get(str(code), code)} ({code})" for code in values)


@admin.register(Visitor)
class VisitorAdmin(OfferedActionsOnly, ReadOnlyTrackingData, ProjectNamesMixin, VisitorAdminBase):
    list_display = ("visitor", "experiences", "segments_summary", "last_seen_short")
    list_display_links = ("visitor",)
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
    date_hierarchy = "last_seen"
    inlines = (BucketingInline, ExposureInline, MergedIdInline)
    actions = ("forget_visitors",)
    fieldsets = (
        (None, {"fields": ("visitor_id", "user_link", "conversions", "first_seen", "last_seen")}),
        (
            _("Segments (as Convert's script last reported them)"),
            {
                "fields": (
                    "browser_label",
                    "devices_label",
                    "source_label",
                    "visitor_type_label",
                    "country",
                    "campaign",
                    "custom_segments_label",
                )
            },
        ),
    )

    class Media:
        css = CHANGELIST_CSS

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [str(field) for _name, options in self.fieldsets for field in options["fields"]]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Visitor]:
        return super().get_queryset(request).prefetch_related("bucketings")

    def get_search_fields(self, request: HttpRequest) -> list[str]:
        # Decided per request, so a custom user model's USERNAME_FIELD is always current.
        return ["=visitor_id", f"user__{get_user_model().USERNAME_FIELD}"]

    # Columns --------------------------------------------------------------------------
    @admin.display(description=_("visitor"), ordering="visitor_id")
    def visitor(self, obj: Visitor) -> SafeString:
        user = format_html('<br><span class="dc-quiet">{}</span>', obj.user) if obj.user else ""
        return format_html("{}{}", short_id(obj.visitor_id), user)

    @admin.display(description=_("experiences"))
    def experiences(self, obj: Visitor) -> SafeString:
        # One line per experience, each cut to the column's width (the whole in its title).
        pairs = sorted((b.experience_id, b.variation_id) for b in obj.bucketings.all())
        if not pairs:
            return format_html("{}", DASH)
        return format_html_join(
            SafeString("<br>"),
            "{}",
            ((clip(bucketing_line([pair]), "16em", bucketing_text([pair])),) for pair in pairs),
        )

    @admin.display(description=_("segments"))
    def segments_summary(self, obj: Visitor) -> SafeString:
        codes = [obj.browser, *(obj.devices or [])[:2], obj.source, obj.visitor_type, obj.country]
        return clip(" · ".join(str(code) for code in codes if code) or DASH, "8em")

    @admin.display(description=_("last seen"), ordering="last_seen")
    def last_seen_short(self, obj: Visitor) -> str:
        return stacked_datetime(obj.last_seen)

    # The visitor's page ---------------------------------------------------------------
    @admin.display(description=_("user"))
    def user_link(self, obj: Visitor) -> str:
        return DASH if obj.user is None else admin_link(obj.user, str(obj.user))

    @admin.display(description=_("conversions"))
    def conversions(self, obj: Visitor) -> str:
        count = Conversion.objects.filter(visitor_id=obj.visitor_id).count()
        text = ngettext("%(count)s conversion", "%(count)s conversions", count) % {
            "count": number(count)
        }
        if not may_view("conversion"):
            return text
        url = reverse("admin:django_convert_conversion_changelist")
        return format_html('<a href="{}?q={}">{}</a>', url, obj.visitor_id, text)

    @admin.display(description=_("browser"))
    def browser_label(self, obj: Visitor) -> str:
        return _segment_labels(obj.browser, dict(Browser.choices))

    @admin.display(description=_("devices"))
    def devices_label(self, obj: Visitor) -> str:
        return _segment_labels(obj.devices, dict(Device.choices))

    @admin.display(description=_("source"))
    def source_label(self, obj: Visitor) -> str:
        return _segment_labels(obj.source, dict(Source.choices))

    @admin.display(description=_("visitor type"))
    def visitor_type_label(self, obj: Visitor) -> str:
        return _segment_labels(obj.visitor_type, dict(VisitorType.choices))

    @admin.display(description=_("custom segments"))
    def custom_segments_label(self, obj: Visitor) -> str:
        return ", ".join(map(str, obj.custom_segments or [])) or DASH

    # Forget ---------------------------------------------------------------------------
    def has_forget_permission(self, request: HttpRequest) -> bool:
        """Forgetting deletes, so it needs the "delete visitor" permission."""
        return bool(request.user.has_perm("django_convert.delete_visitor"))

    @admin.action(
        description=_("Forget selected visitors and their data (privacy)"),
        permissions=["forget"],
    )
    def forget_visitors(
        self, request: HttpRequest, queryset: QuerySet[Visitor]
    ) -> TemplateResponse | None:
        """Ask first (what will be removed), then forget them (``identity.erasure``: the ids
        merged into them too) and say what went."""
        if request.POST.get("post") != "yes":
            ids = list(queryset.values_list("visitor_id", flat=True))
            context = {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": _("Forget visitors"),
                "queryset": queryset,
                "visitor_ids": ids,
                "conversions": Conversion.objects.filter(visitor_id__in=ids).count(),
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(
                request, "admin/django_convert/visitor/forget_confirmation.html", context
            )
        erasure = forget_visitors(queryset)
        self.message_user(request, str(erasure), messages.SUCCESS)
        if erasure.in_flight_conversions:
            self.message_user(
                request,
                _("Some conversions were being sent: forget these ids again once they are."),
                messages.WARNING,
            )
        return None


@admin.register(Bucketing)
class BucketingAdmin(
    OfferedActionsOnly, ReadOnlyTrackingData, ProjectNamesMixin, BucketingAdminBase
):
    list_display = ("visitor_short", "experience_variation", "first_seen_short", "last_seen_short")
    list_display_links = None
    list_filter = (ExperienceFilter, VariationFilter)
    list_select_related = ("visitor",)
    search_fields = ("=visitor__visitor_id", "=experience_id", "=variation_id")
    date_hierarchy = "last_seen"
    change_list_template = "admin/django_convert/bucketing/change_list.html"

    class Media:
        css = CHANGELIST_CSS

    def get_urls(self) -> list[URLPattern]:
        # The experiment report lives in its own module (admin/report.py).
        return report_urls(self) + super().get_urls()

    @admin.display(description=_("visitor"), ordering="visitor__visitor_id")
    def visitor_short(self, obj: Bucketing) -> str:
        return admin_link(obj.visitor, short_id(obj.visitor.visitor_id))

    @admin.display(description=_("experience → variation"), ordering="experience_id")
    def experience_variation(self, obj: Bucketing) -> SafeString:
        pairs = [(obj.experience_id, obj.variation_id)]
        return clip(bucketing_line(pairs), "18em", bucketing_text(pairs))

    @admin.display(description=_("first seen"), ordering="first_seen")
    def first_seen_short(self, obj: Bucketing) -> str:
        return stacked_datetime(obj.first_seen)

    @admin.display(description=_("last seen"), ordering="last_seen")
    def last_seen_short(self, obj: Bucketing) -> str:
        return stacked_datetime(obj.last_seen)


def bucketing_line(pairs: list[tuple[str, str]]) -> SafeString:
    """``experience → variation`` pairs by name (ids in :func:`bucketing_text`), with
    problem marks, on one line."""
    if not pairs:
        return format_html("{}", DASH)
    return format_html_join(
        SafeString("; "),
        "{} → {}",
        (
            (short_html("experience", e), short_html("variation", v, experience_id=e))
            for e, v in pairs
        ),
    )


def bucketing_text(pairs: list[tuple[str, str]]) -> str:
    """The same as plain text, for the title shown on hover."""
    names = current_names()
    return (
        "; ".join(f"{names.experience(e).label} → {names.variation(v, e).label}" for e, v in pairs)
        or DASH
    )
