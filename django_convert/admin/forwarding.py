"""Admin: the forwarding outbox, one row per event for an analytics destination (GA4,
Segment, Mixpanel): filtered by destination and status, each with the request sent and
the destination's answer, and a Retry action (with the "change" permission)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from django_convert.admin.permissions import OfferedActionsOnly
from django_convert.models import ForwardedEvent

if TYPE_CHECKING:  # Django's admin classes are generic only in django-stubs.
    ForwardedEventAdminBase = admin.ModelAdmin[ForwardedEvent]
else:
    ForwardedEventAdminBase = admin.ModelAdmin


@admin.register(ForwardedEvent)
class ForwardedEventAdmin(OfferedActionsOnly, ForwardedEventAdminBase):
    """Read-only: written by the ingest, delivered by the worker. Failed rows keep the
    request and the answer (or why they were never sent: ``invalid``)."""

    list_display = (
        "event",
        "destination",
        "status_attempts",
        "visitor_id",
        "created_at",
    )
    list_filter = ("destination", "status", "kind", "retry_reason", "created_at")
    search_fields = ("=visitor_id", "=experience_id", "=message_id")
    date_hierarchy = "created_at"
    actions = ("retry_forwarded",)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "destination",
                    "kind",
                    "visitor_id",
                    "destination_id",
                    "experience_id",
                    "experience_name",
                    "variation_id",
                    "variation_name",
                    "goal_id",
                    "goal_name",
                    "amount",
                    "currency",
                    "occurred_at",
                    "message_id",
                )
            },
        ),
        (
            _("Delivery"),
            {
                "fields": (
                    "status",
                    "attempts",
                    "next_attempt_at",
                    "retry_reason",
                    "unknown_outcomes",
                    "failing_since",
                    "sent_at",
                    "last_error",
                    "request_sent",
                    "last_response_status",
                    "last_response_body",
                    "created_at",
                )
            },
        ),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [str(field) for _name, options in self.fieldsets for field in options["fields"]]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # viewing needs "view"; nothing is editable in place

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and self.has_view_permission(
            request, obj
        )

    @admin.display(description=_("event"), ordering="experience_id")
    def event(self, obj: ForwardedEvent) -> str:
        if obj.kind == ForwardedEvent.Kind.CONVERSION:
            return f"{_('conversion')} {obj.goal_name or obj.goal_id}"
        experience = obj.experience_name or obj.experience_id
        variation = obj.variation_name or obj.variation_id
        return f"{experience} / {variation}"

    @admin.display(description=_("status"), ordering="status")
    def status_attempts(self, obj: ForwardedEvent) -> str:
        text = f"{obj.get_status_display()} ({obj.attempts})"
        return f"{text}: {obj.retry_reason}" if obj.retry_reason else text

    @admin.display(description=_("request sent"))
    def request_sent(self, obj: ForwardedEvent) -> SafeString:
        if obj.last_request is None:
            return format_html("{}", "—")
        return format_html("<pre>{}</pre>", json.dumps(obj.last_request, indent=2))

    def has_retry_permission(self, request: HttpRequest) -> bool:
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")

    @admin.action(description=_("Retry selected forwarded events"), permissions=["retry"])
    def retry_forwarded(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        """Failed rows start over (attempts and failing_since reset); waiting ones are due
        now. Sent rows and rows being sent are left alone: GA4 does not deduplicate, so an
        accepted event is never sent again."""
        from django_convert.forwarding.outbox import forward_alias

        now = timezone.now()
        rows = ForwardedEvent.objects.using(forward_alias())
        pks = list(queryset.values_list("pk", flat=True))
        failed = rows.filter(pk__in=pks, status=ForwardedEvent.Status.FAILED).update(
            status=ForwardedEvent.Status.PENDING,
            attempts=0,
            failing_since=None,
            next_attempt_at=now,
        )
        waiting = rows.filter(pk__in=pks, status=ForwardedEvent.Status.PENDING).update(
            next_attempt_at=now
        )
        waiting -= failed  # the failed ones are pending by now, and counted
        message = _("%(count)d forwarded event(s) queued for delivery.") % {
            "count": failed + max(waiting, 0)
        }
        skipped = len(pks) - failed - max(waiting, 0)
        if skipped:
            message += " " + _("%(count)d sent or in-flight event(s) left alone.") % {
                "count": skipped
            }
        self.message_user(request, message)
