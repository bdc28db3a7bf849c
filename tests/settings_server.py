"""Settings for real WSGI servers (gunicorn, uWSGI) and one-shot ``manage.py`` processes
started by tests/test_delivery_servers.py: the worker settings, with the server's URLs."""

from __future__ import annotations

import django

from tests.settings_worker import *  # noqa: F403
from tests.settings_worker import DATABASES

ROOT_URLCONF = "tests.server_urls"

# Several processes write one SQLite file here (two server workers, their delivery
# threads, the test process). A deferred transaction that reads, then writes, fails at
# once with "database is locked" when another process wrote in between; IMMEDIATE takes
# the write lock at BEGIN and waits for it instead (Django 5.1+), as the docs advise.
if DATABASES["default"]["ENGINE"].endswith("sqlite3") and django.VERSION >= (5, 1):
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
