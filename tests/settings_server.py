"""Settings for real WSGI servers (gunicorn, uWSGI) and one-shot ``manage.py`` processes
started by tests/test_delivery_servers.py: the worker settings, with the server's URLs."""

from __future__ import annotations

from tests.settings_worker import *  # noqa: F403

ROOT_URLCONF = "tests.server_urls"
