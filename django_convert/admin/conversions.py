"""Admin: the conversion outbox, with goal names, delivery health, Retry and Diagnose; each
conversion links to its visitor and to the object that caused it."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.contrib import admin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from django_convert.admin.doctor import DiagnoseMixin
from django_convert.admin.names import (
    GoalFilter,
    ProjectNamesMixin,
    bucketing_html,
    short_html,
    verdict_html,
)
from django_convert.admin.permissions import OfferedActionsOnly, admin_link, may_view
from django_convert.admin.visitors import bucketing_line, bucketing_text
from django_convert.models import Conversion, Visitor
from django_convert.project.names import current_names
from django_convert.reports.formats import (
    CHANGELIST_CSS,
    DASH,
    clip,
    money,
    number,
    short_id,
    stacked_datetime,
)

if TYPE_CHECKING:  # Django's admin classes are generic only in django-stubs.
    ConversionAdminBase = admin.ModelAdmin[Conversion]
else:
    ConversionAdminBase = admin.ModelAdmin


@admin.register(Conversion)
class ConversionAdmin(OfferedActionsOnly, DiagnoseMixin, ProjectNamesMixin, ConversionAdminBase):
    # Five columns that fit beside the filters on a 1,280 px screen; the rest is on the
    # conversion's page.
    list_display = ("conversion", "status_attempts", "amount_money", "created", "visitor")
    list_display_links = ("conversion",)
    list_filter = ("status", GoalFilter, "created_at")
    search_fields = ("=visitor_id", "transaction_id", "=goal_id")
    date_hierarchy = "created_at"
    actions = ("retry_conversions",)
    # The delivery health summary above the list (templates/admin/django_convert/conversion/).
    change_list_template = "admin/django_convert/conversion/change_list.html"
    fieldsets = (
        (None, {"fields": ("goal", "transaction_id", "visitor_link", "source", "origin")}),
        (
            _("Snapshot"),
            {
                "fields": (
                    "experiences",
                    "bucketing",
                    "segments",
                    "amount_money",
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

    class Media:
        css = CHANGELIST_CSS

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

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Deleting from a list one may not open (Django allows it by URL) is not offered.
        return super().has_delete_permission(request, obj) and self.has_view_permission(
            request, obj
        )

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
        return bucketing_html(_pairs(obj))

    # List columns ---------------------------------------------------------------------
    @admin.display(description=_("conversion"), ordering="transaction_id")
    def conversion(self, obj: Conversion) -> SafeString:
        """The transaction id (the link), then the goal and the experiences it counts for."""
        goal = current_names().goal(obj.goal_id)
        pairs = _pairs(obj)
        what = format_html("{} · {}", short_html("goal", obj.goal_id), bucketing_line(pairs))
        title = f"goal {goal.label}; {bucketing_text(pairs)}"
        return format_html(
            '{}<br><span class="dc-quiet">{}</span>',
            clip(obj.transaction_id, "12em"),
            clip(what, "14em", title),
        )

    @admin.display(description=_("status"), ordering="status")
    def status_attempts(self, obj: Conversion) -> SafeString:
        """The status, attempts so far when not sent at first try, and the last error."""
        status = obj.get_status_display()
        if obj.attempts > 1 or (obj.status != Conversion.Status.SENT and obj.attempts):
            status = _("%(status)s · %(count)s attempts") % {
                "status": status,
                "count": number(obj.attempts),
            }
        error = (
            format_html('<br><span class="dc-quiet">{}</span>', clip(obj.last_error, "10em"))
            if obj.last_error and obj.status != Conversion.Status.SENT
            else ""
        )
        return format_html("{}{}", status, error)

    @admin.display(description=_("amount"), ordering="amount")
    def amount_money(self, obj: Conversion) -> str:
        return money(obj.amount)

    @admin.display(description=_("created"), ordering="created_at")
    def created(self, obj: Conversion) -> str:
        return stacked_datetime(obj.created_at)

    @admin.display(description=_("visitor"), ordering="visitor_id")
    def visitor(self, obj: Conversion) -> str:
        """The id, linked to the Visitors list searched for it (no query per row)."""
        if not may_view("visitor"):
            return short_id(obj.visitor_id)
        url = reverse("admin:django_convert_visitor_changelist")
        return format_html(
            '<a href="{}?q={}">{}</a>', url, obj.visitor_id, short_id(obj.visitor_id)
        )

    # The conversion's page ------------------------------------------------------------
    @admin.display(description=_("visitor"))
    def visitor_link(self, obj: Conversion) -> str:
        visitor = Visitor.objects.filter(visitor_id=obj.visitor_id).first()
        if visitor is None:
            return format_html(
                "<code>{}</code> ({})", obj.visitor_id, _("nothing stored for this visitor")
            )
        return admin_link(visitor, format_html("<code>{}</code>", obj.visitor_id))

    @admin.display(description=_("caused by"))
    def source(self, obj: Conversion) -> str:
        """The object whose save recorded it, linked to its admin page when there is one."""
        if not obj.source_model:
            return DASH
        try:
            model = apps.get_model(obj.source_model)
        except (LookupError, ValueError):  # an app removed since
            return format_html("{} {}", obj.source_model, obj.source_id)
        try:
            instance = model._default_manager.filter(pk=obj.source_id).first()
        except (ValueError, TypeError):  # a key its model cannot read
            instance = None
        label = f"{model._meta.verbose_name} {obj.source_id}"
        if instance is None:
            return format_html("{} ({})", label, _("no longer there"))
        return admin_link(instance, f"{label}: {instance}")

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


def _pairs(obj: Conversion) -> list[tuple[str, str]]:
    bucketing = obj.bucketing if isinstance(obj.bucketing, dict) else {}
    return sorted((str(k), str(v)) for k, v in bucketing.items())
