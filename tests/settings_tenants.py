"""Settings for a django-tenants shop (tests/test_tenants.py runs tests/tenants/run.py with
them): django_convert and the shop's orders in TENANT_APPS, so every tenant schema has
its own outbox. PostgreSQL only; the database is DATABASE_URL's name plus "_tenants"."""

from __future__ import annotations

import json
import os

from tests.settings import *  # noqa: F403
from tests.settings import DATABASES as _DATABASES
from tests.settings import DJANGO_CONVERT as _CONVERT

DATABASES = {
    "default": {
        **_DATABASES["default"],
        "ENGINE": "django_tenants.postgresql_backend",
        "NAME": f"{_DATABASES['default']['NAME']}_tenants",
    }
}
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
SHARED_APPS = [
    "django_tenants",
    "tests.tenants",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "rest_framework",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django_convert",
    "tests.testapp",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]
ROOT_URLCONF = "tests.tenants.urls"
TENANT_MODEL = "tenants.Shop"
TENANT_DOMAIN_MODEL = "tenants.Domain"
MIDDLEWARE = [
    "django_tenants.middleware.main.TenantMainMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_convert.middleware.ConvertVisitorMiddleware",
]
DJANGO_CONVERT = {**_CONVERT, **json.loads(os.environ.get("DJANGO_CONVERT_JSON", "{}"))}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "loggers": {"django_convert": {"handlers": ["stderr"], "level": "WARNING"}},
}
