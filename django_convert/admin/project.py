"""Admin for the synced project config: experiences (with "Sync now"), goals, sync attempts.

The rows are Convert's, copied by :mod:`django_convert.project.sync`: the admin shows
them and never edits them (a later sync would overwrite any edit).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from django_convert.models import ConfigSync, Experience, Goal, Variation
from django_convert.project.sync import environment_note, last_good_sync, sync_project_config
from django_convert.reports.srm import configured_shares, format_share

if TYPE_CHECKING:
    ExperienceAdminBase = admin.ModelAdmin[Experience]
    GoalAdminBase = admin.ModelAdmin[Goal]
    ConfigSyncAdminBase = admin.ModelAdmin[ConfigSync]
    VariationInlineBase = admin.TabularInline[Variation, Experience]
else:
    ExperienceAdminBase = GoalAdminBase = ConfigSyncAdminBase = admin.ModelAdmin
    VariationInlineBase = admin.TabularInline

SYNC_PERMISSION = "django_convert.add_configsync"


class ReadOnlyAdmin:
    """Convert owns these rows: view only."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def traffic_label(variation: Variation, shares: dict[str, Decimal]) -> str:
    """ "50 %", or "50 % (equal share: no allocation in the config)"."""
    share = format_share(shares.get(variation.id))
    if variation.traffic_allocation is None:
        return str(_("%(share)s (equal share: no allocation in the config)") % {"share": share})
    return share


class VariationInline(ReadOnlyAdmin, VariationInlineBase):
    model = Variation
    extra = 0
    fields = ("id", "name", "key", "status", "traffic", "in_config")
    readonly_fields = fields

    @admin.display(description=_("traffic"))
    def traffic(self, obj: Variation) -> str:
        siblings = {v.id: v for v in obj.experience.variations.all()}
        return traffic_label(obj, configured_shares(siblings))


@admin.register(Experience)
class ExperienceAdmin(ReadOnlyAdmin, ExperienceAdminBase):
    list_display = (
        "name",
        "id",
        "status",
        "type",
        "environment",
        "variation_list",
        "goal_list",
        "in_config",
    )
    list_filter = ("status", "type", "environment", "in_config")
    search_fields = ("name", "key", "=id")
    fields = (
        "id",
        "name",
        "key",
        "status",
        "type",
        "environment",
        "goal_list",
        "in_config",
        "synced_at",
    )
    readonly_fields = fields
    inlines = (VariationInline,)
    change_list_template = "admin/django_convert/experience/change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Experience]:
        return super().get_queryset(request).prefetch_related("variations", "goals")

    @admin.display(description=_("variations"))
    def variation_list(self, obj: Experience) -> str:
        variations = list(obj.variations.all())
        shares = configured_shares({v.id: v for v in variations})
        rows = [(str(v), traffic_label(v, shares)) for v in variations]
        return format_html_join(SafeString("<br>"), "{} ({})", rows) or "—"

    @admin.display(description=_("goals"))
    def goal_list(self, obj: Experience) -> str:
        return format_html_join(SafeString("<br>"), "{}", ((str(g),) for g in obj.goals.all()))

    def get_urls(self) -> list[URLPattern]:
        sync = self.admin_site.admin_view(require_POST(self.sync_view))
        return [
            path("sync/", sync, name="django_convert_experience_sync"),
            *super().get_urls(),
        ]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        good = last_good_sync()
        context = {
            "last_sync": ConfigSync.objects.first(),
            "last_good_sync": good,
            "environment_note": environment_note(good) if good else "",
            "can_sync": request.user.has_perm(SYNC_PERMISSION),
            **(extra_context or {}),
        }
        return super().changelist_view(request, context)

    def sync_view(self, request: HttpRequest) -> HttpResponse:
        """Fetch now (the staff member waits at most TIMEOUT); a failure keeps the old copy."""
        if not request.user.has_perm(SYNC_PERMISSION):
            raise PermissionDenied
        attempt = sync_project_config(trigger="admin")
        if attempt.ok:
            self.message_user(
                request,
                _("Synced %(e)d experiences, %(v)d variations and %(g)d goals from Convert%(env)s.")
                % {
                    "e": attempt.experiences,
                    "v": attempt.variations,
                    "g": attempt.goals,
                    "env": environment_note(attempt),
                },
                messages.SUCCESS,
            )
            if attempt.warnings:
                self.message_user(
                    request,
                    _("%(n)d item(s) of the config could not be used and were skipped: %(items)s")
                    % {"n": len(attempt.warnings), "items": " ".join(attempt.warnings[:5])},
                    messages.WARNING,
                )
        else:
            self.message_user(
                request,
                _("Could not sync from Convert; the last good copy is kept: %(error)s")
                % {"error": attempt.error},
                messages.ERROR,
            )
        return HttpResponseRedirect(reverse("admin:django_convert_experience_changelist"))


@admin.register(Goal)
class GoalAdmin(ReadOnlyAdmin, GoalAdminBase):
    list_display = ("name", "id", "key", "type", "experience_list", "in_config")
    list_filter = ("type", "in_config")
    search_fields = ("name", "key", "=id")
    fields = ("id", "name", "key", "type", "experience_list", "in_config", "synced_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Goal]:
        return super().get_queryset(request).prefetch_related("experiences")

    @admin.display(description=_("experiences"))
    def experience_list(self, obj: Goal) -> str:
        rows = ((str(e), e.status) for e in obj.experiences.all())
        return format_html_join(SafeString("<br>"), "{} ({})", rows) or "—"


@admin.register(ConfigSync)
class ConfigSyncAdmin(ReadOnlyAdmin, ConfigSyncAdminBase):
    list_display = (
        "started_at",
        "ok",
        "trigger",
        "experiences",
        "variations",
        "goals",
        "environment",
        "left_out",
        "skipped_items",
        "short_error",
    )
    list_filter = ("ok", "trigger")
    fields = (
        "started_at",
        "finished_at",
        "ok",
        "trigger",
        "url",
        "experiences",
        "variations",
        "goals",
        "environment",
        "left_out",
        "warning_list",
        "error",
    )
    readonly_fields = fields

    @admin.display(description=_("error"))
    def short_error(self, obj: ConfigSync) -> str:
        return obj.error[:120]

    @admin.display(description=_("experiences of other environments"))
    def left_out(self, obj: ConfigSync) -> str:
        others = obj.other_environments or {}
        return ", ".join(f"{name}: {count}" for name, count in sorted(others.items())) or "—"

    @admin.display(description=_("skipped items"))
    def skipped_items(self, obj: ConfigSync) -> int:
        return len(obj.warnings or [])

    @admin.display(description=_("skipped items (could not be used)"))
    def warning_list(self, obj: ConfigSync) -> str:
        rows = ((str(text),) for text in obj.warnings or [])
        return format_html_join(SafeString("<br>"), "{}", rows) or "—"
