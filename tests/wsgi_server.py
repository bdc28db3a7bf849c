"""The WSGI application real servers load in tests/test_delivery_servers.py."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings_server")
application = get_wsgi_application()
