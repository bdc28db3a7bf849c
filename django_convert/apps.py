from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DjangoConvertConfig(AppConfig):
    name = "django_convert"
    verbose_name = _("Convert")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the system checks; the import is the registration.
        from django_convert import checks  # noqa: F401

        # Delivery: hand each newly recorded conversion to the DELIVERY dispatcher.
        from django_convert.delivery.dispatch import on_conversion_recorded
        from django_convert.signals import conversion_recorded

        conversion_recorded.connect(
            on_conversion_recorded, dispatch_uid="django_convert.delivery.dispatch"
        )
