"""Settings for the test suite: SQLite by default, PostgreSQL or MariaDB/MySQL when
DATABASE_URL says so, and one Redis database (DJANGO_CONVERT_TEST_REDIS_URL) for Celery."""

from __future__ import annotations

import json
import os
from importlib.util import find_spec
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import django

SECRET_KEY = "django-convert-tests-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
TIME_ZONE = "UTC"
ROOT_URLCONF = "tests.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def database_from_url(url: str | None) -> dict[str, Any]:
    """Parse ``postgres://`` or ``mysql://`` (``mariadb://``) ``user:password@host:port/name``;
    no URL means a SQLite file."""
    if not url:
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": "django_convert_tests.sqlite3"}
    parts = urlsplit(url)
    if parts.scheme == "sqlite":  # sqlite:////absolute/path.sqlite3 (worker subprocesses)
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": unquote(parts.path)}
    servers = {
        "postgres": ("postgresql", "postgres", 5432, {}),
        "postgresql": ("postgresql", "postgres", 5432, {}),
        # utf8mb4: MySQL's "utf8" cannot store 4-byte characters (emoji in ids or segments).
        "mysql": ("mysql", "root", 3306, {"charset": "utf8mb4"}),
        "mariadb": ("mysql", "root", 3306, {"charset": "utf8mb4"}),
    }
    if parts.scheme not in servers:
        raise ValueError(
            "DATABASE_URL must be postgres://..., mysql://... (mariadb://...) or sqlite:///...; "
            f"got {parts.scheme!r}"
        )
    backend, default_user, default_port, options = servers[parts.scheme]
    return {
        "ENGINE": f"django.db.backends.{backend}",
        "NAME": parts.path.lstrip("/") or "django_convert",
        "USER": unquote(parts.username or default_user),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "127.0.0.1",
        "PORT": str(parts.port or default_port),
        "OPTIONS": dict(options),
    }


DATABASES = {
    "default": database_from_url(os.environ.get("DATABASE_URL")),
    # The shop in a database of its own, beside PostgreSQL or SQLite: only the tests that
    # ask for it (databases=[..., "shop"]) create it. See tests/routers.py.
    "shop": {"ENGINE": "django.db.backends.sqlite3", "NAME": "django_convert_tests_shop.sqlite3"},
}
# A second database that never sees the default's writes: the lagging read replica of
# tests/test_delivery_routers.py (set up only for the tests that ask for it).
DATABASES["replica"] = {
    **DATABASES["default"],
    "NAME": f"{Path(str(DATABASES['default']['NAME'])).stem}_replica"
    + (".sqlite3" if DATABASES["default"]["ENGINE"].endswith("sqlite3") else ""),
}
DATABASE_ROUTERS = ["tests.routers.ShopRouter"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_convert",
    "tests.testapp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_convert.middleware.ConvertVisitorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

STATIC_URL = "/static/"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

DJANGO_CONVERT: dict[str, Any] = {
    "ACCOUNT_ID": "10012345",
    "PROJECT_ID": "10056789",
    # Tests never reach the internet; integration tests point this at a local stand-in.
    "TRACKING_URL": "http://127.0.0.1:9/v1/track",
    "CONFIG_URL": "http://127.0.0.1:9",
    "DELIVERY": "manual",
}

DJANGO_VERSION = django.VERSION

# DELIVERY="task": django-tasks-db when installed, so the tests run a real worker
# (`db_worker`; on Django 5.2 with the django-tasks backport, on 6 with django.tasks); else
# the Tasks framework's ImmediateBackend. "convert" is the queue the tests set as TASK_QUEUE.
if find_spec("django_tasks_db") is not None:
    if DJANGO_VERSION < (6, 0):
        INSTALLED_APPS += ["django_tasks"]
    INSTALLED_APPS += ["django_tasks_db"]
    TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "convert"]}
    }
elif DJANGO_VERSION >= (6, 0) or find_spec("django_tasks") is not None:
    TASKS_API = "django.tasks" if DJANGO_VERSION >= (6, 0) else "django_tasks"
    if TASKS_API == "django_tasks":
        INSTALLED_APPS += ["django_tasks"]
    TASKS = {
        "default": {
            "BACKEND": f"{TASKS_API}.backends.immediate.ImmediateBackend",
            "QUEUES": ["default", "convert"],
        }
    }

# DELIVERY="celery": tests/celery_app.py. The tests' Redis database, ONE variable that
# everything Redis in the tests derives from. The Celery tests empty it before each test, so
# it must be a database nothing else uses. CELERY_BROKER_URL is still read (older setups),
# then removed from the environment: Celery lets that variable override every app's broker,
# including the one a test points at a closed port to simulate a broker outage.
TEST_REDIS_URL = (
    os.environ.get("DJANGO_CONVERT_TEST_REDIS_URL")
    or os.environ.get("CELERY_BROKER_URL")
    or "redis://127.0.0.1:6379/5"
)
os.environ.pop("CELERY_BROKER_URL", None)
os.environ["DJANGO_CONVERT_TEST_REDIS_URL"] = TEST_REDIS_URL  # worker subprocesses agree
CELERY_BROKER_URL = TEST_REDIS_URL
# A test that kills a worker shortens Redis's visibility timeout (1 hour by default), after
# which an unacknowledged (acks_late) message is delivered again.
if "CELERY_BROKER_TRANSPORT_OPTIONS" in os.environ:
    CELERY_BROKER_TRANSPORT_OPTIONS = json.loads(os.environ["CELERY_BROKER_TRANSPORT_OPTIONS"])
