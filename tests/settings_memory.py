"""Settings for tests/memory_checkout.py: the worker settings on an in-memory SQLite
database, which Django's test runner makes a shared-cache database (its default test
database for SQLite)."""

from __future__ import annotations

from tests.settings_worker import *  # noqa: F403
from tests.settings_worker import DATABASES

DATABASES["default"] = {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}
