"""Settings for the example shop.

Demo mode (the default): with no CONVERT_ACCOUNT_ID in the environment, Convert's script
and tracking API are replaced by local stand-ins (the `convert_standin` app), so the whole
flow runs offline. Set CONVERT_ACCOUNT_ID and CONVERT_PROJECT_ID (and optionally
CONVERT_SDK_KEY / CONVERT_SDK_SECRET) to talk to Convert for real.
"""

import os
from pathlib import Path

import django

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-only-not-secret")
DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
USE_TZ = True
TIME_ZONE = "UTC"
ROOT_URLCONF = "example_project.urls"
DEMO_MODE = not os.environ.get("CONVERT_ACCOUNT_ID")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_convert",
    "shop",
    *(["convert_standin"] if DEMO_MODE else []),
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
                "example_project.context.demo_mode",
            ]
        },
    }
]

# SQLite under concurrent checkouts (docs/conversions.rst, "SQLite"): WAL lets readers
# run beside the writer, and "IMMEDIATE" transactions take the write lock when they
# begin, so a checkout waits its turn (up to "timeout" seconds) instead of failing with
# "database is locked" when it upgrades a read to a write. Both need Django 5.1+.
SQLITE_OPTIONS: dict[str, object] = {"timeout": 20}
if django.VERSION >= (5, 1):
    SQLITE_OPTIONS |= {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DEMO_DATABASE", BASE_DIR / "db.sqlite3"),
        "OPTIONS": SQLITE_OPTIONS,
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
STATIC_URL = "/static/"

DJANGO_CONVERT = {
    "ACCOUNT_ID": os.environ.get("CONVERT_ACCOUNT_ID", "10012345"),
    "PROJECT_ID": os.environ.get("CONVERT_PROJECT_ID", "10056789"),
    "SDK_KEY": os.environ.get("CONVERT_SDK_KEY"),
    "SDK_SECRET": os.environ.get("CONVERT_SDK_SECRET"),
    "DELIVERY": "background",
    # The shop's prices are in dollars: the admin and the reports show amounts as "37.40 USD".
    "CURRENCY": "USD",
    "CONVERSIONS": [
        {
            "model": "shop.Order",
            "goal_id": "100037225",
            "when": {"status": "paid"},
            "visitor": "visitor_id",
            "amount": "total",
            "products_count": "items_count",
            "transaction_id": "number",
        }
    ],
}
if DEMO_MODE:
    DJANGO_CONVERT |= {
        "SCRIPT_URL": "/static/convert_standin/convert-demo.js",
        # The demo command sets DEMO_BASE_URL to the address runserver listens on.
        "TRACKING_URL": os.environ.get("DEMO_BASE_URL", "http://127.0.0.1:8000")
        + "/demo-convert/v1/track",
        "CONFIG_URL": os.environ.get("DEMO_BASE_URL", "http://127.0.0.1:8000") + "/demo-convert",
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django_convert": {"handlers": ["console"], "level": "INFO"}},
}
