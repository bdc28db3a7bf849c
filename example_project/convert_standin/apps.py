from django.apps import AppConfig


class ConvertStandinConfig(AppConfig):
    name = "convert_standin"
    verbose_name = "Convert stand-in (demo mode)"
    default_auto_field = "django.db.models.BigAutoField"
