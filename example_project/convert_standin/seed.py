"""Seed django-convert's copy of the project config with the stand-in's sample config.

``manage.py demo`` calls this before its server starts, so the admin shows names on the
first page; the next sync (``convert_sync``, "Sync now", a worker) fetches over HTTP.
"""

from __future__ import annotations

from django_convert.client import parse_project_config
from django_convert.conf import get_setting
from django_convert.models import ConfigSync
from django_convert.project.sync import store_config
from django_convert.testing.project_config import sample_config


def seed_project_config() -> ConfigSync:
    """Store :func:`~django_convert.testing.project_config.sample_config` for the
    configured ACCOUNT_ID/PROJECT_ID, as a ConfigSync with trigger "demo"."""
    data = sample_config(str(get_setting("ACCOUNT_ID")), str(get_setting("PROJECT_ID")))
    return store_config(parse_project_config(data), ConfigSync(trigger="demo", url="(demo)"))
