"""Permissions the same everywhere in the app's admin: what a user may not do is neither
offered nor accepted.

Django offers only the actions a user may run, but a forged POST naming another one
(``action=delete_selected`` by a view-only user) falls through: with no action offered
at all the changelist answers 200 and does nothing, else it redirects with "No action
selected.". Here any POSTed action the user is not offered is a 403, and the denial is
logged, so it is never silent. The tracking data (visitors, bucketing) is read-only:
it comes from the browser, and an edit would only make the reports lie.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

if TYPE_CHECKING:
    from django.contrib import admin

    MixinBase = admin.ModelAdmin[Any]
else:
    MixinBase = object

logger = logging.getLogger("django_convert")
#: The request of the admin page being rendered, for list columns and read-only fields
#: (Django calls them with the object only) that link to pages the user may open.
_request: ContextVar[HttpRequest | None] = ContextVar("django_convert_admin_request", default=None)


class OfferedActionsOnly(MixinBase):
    """A POSTed action the user is not offered answers 403 (PermissionDenied); list columns
    and read-only fields can ask :func:`may_view` about the user of the page."""

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        token = _request.set(request)
        try:
            return _rendered(super().changeform_view(request, object_id, form_url, extra_context))
        finally:
            _request.reset(token)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        token = _request.set(request)
        try:
            return _rendered(self._changelist_view(request, extra_context))
        finally:
            _request.reset(token)

    def get_model_perms(self, request: HttpRequest) -> dict[str, bool]:
        # Django lists a model in the admin index for any one of its permissions, so a
        # user who may only delete would be sent to a list that refuses them (403).
        perms = super().get_model_perms(request)
        return perms if perms.get("view") or perms.get("change") else dict.fromkeys(perms, False)

    def _changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None
    ) -> HttpResponse:
        if request.method == "POST":
            action = request.POST.get("action")
            selecting = helpers.ACTION_CHECKBOX_NAME in request.POST or "index" in request.POST
            if action and selecting and action not in self.get_actions(request):
                logger.warning(
                    "Refused admin action %r on %s for user %s: not permitted.",
                    action,
                    self.opts.label,
                    request.user.pk,
                )
                raise PermissionDenied(f"You may not run {action!r} here.")
        return super().changelist_view(request, extra_context)


class ReadOnlyTrackingData(MixinBase):
    """Rows written by the ingest endpoint: viewable, never added, edited or deleted here
    (a visitor is removed with its data by the "Forget" action, which needs "delete")."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _rendered(response: HttpResponse) -> HttpResponse:
    # Rendered while the request is known: columns run during rendering.
    render = getattr(response, "render", None)
    if callable(render) and not getattr(response, "is_rendered", True):
        render()
    return response


def can_view(request: HttpRequest, model: type[Model] | str) -> bool:
    """Whether the user may view ``model`` (a class, or a django_convert model name) by the
    admin's rule: the "view" or the "change" permission."""
    app_label, model_name = (
        ("django_convert", model) if isinstance(model, str) else model._meta.label_lower.split(".")
    )
    user = request.user
    return bool(
        user.has_perm(f"{app_label}.view_{model_name}")
        or user.has_perm(f"{app_label}.change_{model_name}")
    )


def may_view(model: type[Model] | str) -> bool:
    """:func:`can_view` for the user of the admin page being rendered (False outside one)."""
    request = _request.get()
    return request is not None and can_view(request, model)


def admin_link(obj: Model, text: str) -> str:
    """A link to ``obj``'s admin page when its model is registered and the page's user may
    view it; else the text alone (never a link to a page that would refuse them)."""
    if not may_view(type(obj)):
        return format_html("{}", text)
    try:
        url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    except NoReverseMatch:  # its model has no admin here
        return format_html("{}", text)
    return format_html('<a href="{}">{}</a>', url, text)
