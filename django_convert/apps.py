from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DjangoConvertConfig(AppConfig):
    name = "django_convert"
    verbose_name = _("Convert")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Ids, names and Convert's answers in log lines are escaped (django_convert.printable).
        from django_convert.printable import install as escape_log_values

        escape_log_values()
        # In-memory SQLite (Django's test database): the delivery thread and checkouts
        # take turns instead of failing on each other's table locks.
        from django_convert.models.memorydb import install as serialize_memory_sqlite

        serialize_memory_sqlite()
        # Registers the system checks; the import is the registration.
        # Logging in never splits a visitor: see django_convert.identity.stitching.
        from django.contrib.auth.signals import user_logged_in

        from django_convert import checks  # noqa: F401
        from django_convert.conversions.receivers import connect as connect_conversion_rules
        from django_convert.identity.stitching import stitch_on_login

        user_logged_in.connect(stitch_on_login, dispatch_uid="django_convert.stitch_on_login")
        # Conversion rules: one global pre_save/post_save pair, see conversions.receivers.
        connect_conversion_rules()

        # Delivery: hand each newly recorded conversion to the DELIVERY dispatcher; first
        # its copies for the analytics destinations with CONVERSIONS (FORWARD), so the
        # worker woken next finds them too.
        from django_convert.delivery.dispatch import on_conversion_recorded
        from django_convert.forwarding.record import (
            on_conversion_recorded as forward_conversion,
        )
        from django_convert.signals import conversion_recorded

        conversion_recorded.connect(
            forward_conversion, dispatch_uid="django_convert.forwarding.record"
        )

        conversion_recorded.connect(
            on_conversion_recorded, dispatch_uid="django_convert.delivery.dispatch"
        )
        # Every web process runs a delivery worker from its first request, so rows left by
        # other processes go out; and says at start-up when its thread cannot run.
        from django.core.signals import request_started

        from django_convert.delivery.environment import warn_at_startup
        from django_convert.delivery.worker import start_on_request

        request_started.connect(start_on_request, dispatch_uid="django_convert.delivery.worker")
        warn_at_startup()
