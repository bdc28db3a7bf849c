"""Admin: the conversion outbox, with goal names, delivery health, Retry and Diagnose."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from django_convert.admin.doctor import DiagnoseMixin
from django_convert.admin.names import (
    GoalFilter,
    ProjectNamesMixin,
    bucketing_html,
    verdict_html,
)
from django_convert.models import Bucketing, Conversion, Visitor
from django_convert.project.names import current_names

if TYPE_CHECKING:  # Django's admin classes are generic only in django-stubs.
    VisitorAdminBase = admin.ModelAdmin[Visitor]
    BucketingAdminBase = admin.ModelAdmin[Bucketing]
    ConversionAdminBase = admin.ModelAdmin[Conversion]
    BucketingInlineBase = admin.TabularInline[Bucketing, Visitor]
else:
    VisitorAdminBase = BucketingAdminBase = ConversionAdminBase = admin.ModelAdmin
    BucketingInlineBase = admin.TabularInline


@admin.register(Conversion)
class ConversionAdmin(DiagnoseMixin, ProjectNamesMixin, ConversionAdminBase):
    # Status first: visitor ids are long and push later columns off narrow screens.
    list_display = (
        "transaction_id",
        "status",
        "goal",
        "experiences",
        "attempts",
        "short_error",
        "created_at",
        "sent_at",
        "visitor_id",
    )
    list_filter = ("status", GoalFilter, "created_at")
    search_fields = ("=visitor_id", "transaction_id", "=goal_id")
    date_hierarchy = "created_at"
    actions = ("retry_conversions",)
    # The delivery health summary above the list (templates/admin/django_convert/conversion/).
    change_list_template = "admin/django_convert/conversion/change_list.html"
    fieldsets = (
        (None, {"fields": ("goal", "transaction_id", "visitor_id", "origin")}),
        (
            _("Snapshot"),
            {
                "fields": (
                    "experiences",
                    "bucketing",
                    "segments",
                    "amount",
                    "products_count",
                    "custom_dimensions",
                )
            },
        ),
        (
            _("Delivery"),
            {
                "fields": (
                    "status",
                    "attempts",
                    "next_attempt",
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

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> Any:
        from django_convert.delivery.health import delivery_health

        context = dict(extra_context or {})
        try:
            context["convert_delivery_health"] = delivery_health()
        except Exception as exc:  # never let the summary break the list itself
            context["convert_delivery_health_error"] = str(exc)
        return super().changelist_view(request, extra_context=context)

    # The outbox is written by the app only; the admin shows it.
    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [str(field) for _name, options in self.fieldsets for field in options["fields"]]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Viewing needs "view"; nothing here is editable in place.
        return False

    @admin.display(description=_("next attempt"))
    def next_attempt(self, obj: Conversion) -> str:
        # For a sending row the column holds the lease expiry; for sent/failed, nothing.
        if obj.status == Conversion.Status.PENDING:
            return date_format(localtime(obj.next_attempt_at), "DATETIME_FORMAT")
        if obj.status == Conversion.Status.SENDING:
            expiry = date_format(localtime(obj.next_attempt_at), "DATETIME_FORMAT")
            return str(_("in flight; due again at %(time)s if its worker died") % {"time": expiry})
        return "—"

    @admin.display(description=_("goal"), ordering="goal_id")
    def goal(self, obj: Conversion) -> str:
        return verdict_html(current_names().goal(obj.goal_id))

    @admin.display(description=_("experiences"))
    def experiences(self, obj: Conversion) -> str:
        bucketing = obj.bucketing if isinstance(obj.bucketing, dict) else {}
        return bucketing_html(sorted((str(k), str(v)) for k, v in bucketing.items()))

    @admin.display(description=_("last error"))
    def short_error(self, obj: Conversion) -> str:
        return obj.last_error[:80]

    @admin.display(description=_("request sent"))
    def request_sent(self, obj: Conversion) -> str:
        if obj.last_request is None:
            return "—"
        return format_html("<pre>{}</pre>", json.dumps(obj.last_request, indent=2, default=str))

    # Retrying changes delivery state only, so it needs the "change" permission although
    # nothing is editable in place.
    def has_retry_permission(self, request: HttpRequest) -> bool:
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")

    @admin.action(description=_("Retry selected conversions"), permissions=["retry"])
    def retry_conversions(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        """Failed rows start over with a full set of attempts; waiting ones are due now.

        Sent rows and rows a worker is sending are left alone (no double delivery).
        """
        from django_convert.delivery.claim import outbox_alias
        from django_convert.delivery.dispatch import dispatch, get_dispatcher

        # On the outbox's write database: a lagging replica would miss rows that just failed.
        queryset = queryset.using(outbox_alias())
        now = timezone.now()
        failed = list(queryset.filter(status=Conversion.Status.FAILED).values_list("pk", flat=True))
        waiting = list(
            queryset.filter(status=Conversion.Status.PENDING).values_list("pk", flat=True)
        )
        Conversion.objects.using(outbox_alias()).filter(
            pk__in=failed, status=Conversion.Status.FAILED
        ).update(status=Conversion.Status.PENDING, attempts=0, next_attempt_at=now)
        Conversion.objects.using(outbox_alias()).filter(
            pk__in=waiting, status=Conversion.Status.PENDING
        ).update(next_attempt_at=now)
        skipped = queryset.count() - len(failed) - len(waiting)
        message = _("%(count)d conversion(s) queued for delivery.") % {
            "count": len(failed) + len(waiting)
        }
        if skipped:
            message += " " + _("%(count)d sent or in-flight conversion(s) left alone.") % {
                "count": skipped
            }
        self.message_user(request, message)
        try:
            get_dispatcher()  # a bad DELIVERY setting is reported here, not after commit
        except Exception as exc:  # the rows are queued; convert_deliver will send them
            self.message_user(request, str(exc), level="warning")
        else:
            pks = failed + waiting
            transaction.on_commit(lambda: dispatch(pks), robust=True)
