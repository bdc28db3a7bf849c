"""Admin: the conversions the sweep found but could not record (no visitor), read-only.

Each is noted once, with the order and the reason, and left out of later sweeps; deleting
a note lets the next sweep look at that order again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from django_convert.admin.names import ProjectNamesMixin, short_html
from django_convert.admin.permissions import OfferedActionsOnly
from django_convert.models import SkippedConversion
from django_convert.reports.formats import CHANGELIST_CSS, clip, stacked_datetime

if TYPE_CHECKING:  # Django's admin classes are generic only in django-stubs.
    SkippedConversionAdminBase = admin.ModelAdmin[SkippedConversion]
else:
    SkippedConversionAdminBase = admin.ModelAdmin


@admin.register(SkippedConversion)
class SkippedConversionAdmin(OfferedActionsOnly, ProjectNamesMixin, SkippedConversionAdminBase):
    # Four columns with long values cut (whole on hover): fits a 1,280 px screen.
    list_display = ("transaction", "goal", "why", "noted")
    list_display_links = ("transaction",)
    list_filter = ("goal_id", "origin")
    search_fields = ("=transaction_id", "instance")
    date_hierarchy = "created_at"
    fields = ("goal_id", "transaction_id", "instance", "origin", "reason", "created_at")
    readonly_fields = fields

    class Media:
        css = CHANGELIST_CSS

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Deleting a note (the next sweep looks again) from a list one may open.
        return super().has_delete_permission(request, obj) and self.has_view_permission(
            request, obj
        )

    @admin.display(description=_("transaction"), ordering="transaction_id")
    def transaction(self, obj: SkippedConversion) -> SafeString:
        return clip(obj.transaction_id, "12em")

    @admin.display(description=_("goal"), ordering="goal_id")
    def goal(self, obj: SkippedConversion) -> SafeString:
        return short_html("goal", obj.goal_id)

    @admin.display(description=_("why (instance)"))
    def why(self, obj: SkippedConversion) -> SafeString:
        return clip(f"{obj.reason} ({obj.instance})", "18em")

    @admin.display(description=_("noted"), ordering="created_at")
    def noted(self, obj: SkippedConversion) -> SafeString:
        return stacked_datetime(obj.created_at)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
