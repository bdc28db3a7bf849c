from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DjangoConvertConfig(AppConfig):
    name = "django_convert"
    verbose_name = _("Convert")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the system checks; the import is the registration.
        # Logging in never splits a visitor: see django_convert.identity.stitching.
        from django.contrib.auth.signals import user_logged_in

        from django_convert import checks  # noqa: F401
        from django_convert.conversions.receivers import connect as connect_conversion_rules
        from django_convert.identity.stitching import stitch_on_login

        user_logged_in.connect(stitch_on_login, dispatch_uid="django_convert.stitch_on_login")
        # Conversion rules: one global pre_save/post_save pair, see conversions.receivers.
        connect_conversion_rules()
