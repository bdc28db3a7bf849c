"""The ASGI application real servers load in tests/test_delivery_asgi.py: Django's, with
django-convert's lifespan handling (the exit send), as the docs tell shops to write it."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

from django_convert.asgi import with_lifespan

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings_server")
application = with_lifespan(get_asgi_application())

# Django's application alone, as most asgi.py files are (the start-up warning's test).
django_only = get_asgi_application()
