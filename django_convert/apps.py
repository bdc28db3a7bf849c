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
        from django_convert.conversions.receivers import connect as connect_conversion_rules

        connect_conversion_rules()
