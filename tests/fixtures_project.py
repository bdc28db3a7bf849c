"""Fixtures for the project config: a stand-in serving it, and a synced local copy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings

from django_convert.delivery.client import reset_clients
from django_convert.project.sync import reset_config_clients
from django_convert.testing.tracking_server import ConvertStandIn


@pytest.fixture
def config_server() -> Iterator[ConvertStandIn]:
    """A running stand-in; CONFIG_URL and TRACKING_URL point at it for the test."""
    server = ConvertStandIn(
        account_id=settings.DJANGO_CONVERT["ACCOUNT_ID"],
        project_id=settings.DJANGO_CONVERT["PROJECT_ID"],
    ).start()
    changes: dict[str, Any] = {
        "CONFIG_URL": server.config_url,
        "TRACKING_URL": server.url,
        "TIMEOUT": 2.0,
    }
    with override_settings(DJANGO_CONVERT={**settings.DJANGO_CONVERT, **changes}):
        yield server
        reset_config_clients()
        reset_clients()  # pooled tracking connections to this server go with it
    server.stop()


@pytest.fixture
def synced(config_server: ConvertStandIn, db: None) -> ConvertStandIn:
    """The stand-in's sample config, synced into the database."""
    from django_convert.project.sync import sync_project_config

    attempt = sync_project_config(trigger="test")
    assert attempt.ok, attempt.error
    return config_server
