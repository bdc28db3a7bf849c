"""Admin: browse visitors, their bucketing, and the conversion outbox."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from django_convert.models import Bucketing, Conversion, Visitor
from django_convert.segments import Device

if TYPE_CHECKING:  # Django's admin classes are generic only in django-stubs.
    VisitorAdminBase = admin.ModelAdmin[Visitor]
    BucketingAdminBase = admin.ModelAdmin[Bucketing]
    ConversionAdminBase = admin.ModelAdmin[Conversion]
    BucketingInlineBase = admin.TabularInline[Bucketing, Visitor]
else:
    VisitorAdminBase = BucketingAdminBase = ConversionAdminBase = admin.ModelAdmin
    BucketingInlineBase = admin.TabularInline


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
    fields = ("experience_id", "variation_id", "first_seen", "last_seen")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Visitor)
class VisitorAdmin(VisitorAdminBase):
    list_display = (
        "visitor_id",
        "user",
        "browser",
        "source",
        "visitor_type",
        "country",
        "last_seen",
    )
    list_filter = ("browser", DeviceFilter, "source", "visitor_type", "country", "last_seen")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    readonly_fields = ("first_seen",)
    date_hierarchy = "last_seen"
    inlines = (BucketingInline,)

    def get_search_fields(self, request: HttpRequest) -> list[str]:
        # Decided per request, so a custom user model's USERNAME_FIELD is always current.
        return ["=visitor_id", f"user__{get_user_model().USERNAME_FIELD}"]


@admin.register(Bucketing)
class BucketingAdmin(BucketingAdminBase):
    list_display = ("visitor", "experience_id", "variation_id", "first_seen", "last_seen")
    list_filter = ("experience_id", "variation_id")
    list_select_related = ("visitor",)
    search_fields = ("=visitor__visitor_id", "=experience_id", "=variation_id")
    raw_id_fields = ("visitor",)
    readonly_fields = ("first_seen",)
    date_hierarchy = "last_seen"


@admin.register(Conversion)
class ConversionAdmin(ConversionAdminBase):
    list_display = (
        "transaction_id",
        "goal_id",
        "visitor_id",
        "status",
        "attempts",
        "short_error",
        "created_at",
        "sent_at",
    )
    list_filter = ("status", "goal_id", "created_at")
    search_fields = ("=visitor_id", "transaction_id", "=goal_id")
    date_hierarchy = "created_at"
    fieldsets = (
        (None, {"fields": ("goal_id", "transaction_id", "visitor_id", "origin")}),
        (
            _("Snapshot"),
            {"fields": ("bucketing", "segments", "amount", "products_count", "custom_dimensions")},
        ),
        (
            _("Delivery"),
            {
                "fields": (
                    "status",
                    "attempts",
                    "next_attempt_at",
                    "created_at",
                    "sent_at",
                    "last_error",
                )
            },
        ),
        (
            _("Last exchange with Convert"),
            {"fields": ("request_sent", "last_response_status", "last_response_body")},
        ),
    )

    # The outbox is written by the app only; the admin shows it.
    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [str(field) for _name, options in self.fieldsets for field in options["fields"]]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Viewing needs "view"; nothing here is editable in place.
        return False

    @admin.display(description=_("last error"))
    def short_error(self, obj: Conversion) -> str:
        return obj.last_error[:80]

    @admin.display(description=_("request sent"))
    def request_sent(self, obj: Conversion) -> str:
        if obj.last_request is None:
            return "—"
        return format_html("<pre>{}</pre>", json.dumps(obj.last_request, indent=2, default=str))
