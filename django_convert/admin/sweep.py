"""Admin: the conversions the sweep found but could not record (no visitor), read-only.

Each is noted once, with the order and the reason, and left out of later sweeps; deleting
a note lets the next sweep look at that order again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.http import HttpRequest

from django_convert.models import SkippedConversion

if TYPE_CHECKING:  # Django's admin classes are generic only in django-stubs.
    SkippedConversionAdminBase = admin.ModelAdmin[SkippedConversion]
else:
    SkippedConversionAdminBase = admin.ModelAdmin


@admin.register(SkippedConversion)
class SkippedConversionAdmin(SkippedConversionAdminBase):
    list_display = ("transaction_id", "goal_id", "instance", "reason", "origin", "created_at")
    list_filter = ("goal_id", "origin")
    search_fields = ("=transaction_id", "instance")
    date_hierarchy = "created_at"
    fields = ("goal_id", "transaction_id", "instance", "origin", "reason", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
