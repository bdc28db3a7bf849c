"""Fixtures around the local Convert stand-in (tests/convert_server.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings

from tests.convert_server import ConvertStandIn


@pytest.fixture
def convert_server() -> Iterator[ConvertStandIn]:
    """A running stand-in; DJANGO_CONVERT["TRACKING_URL"] points at it for the test."""
    server = ConvertStandIn(
        account_id=settings.DJANGO_CONVERT["ACCOUNT_ID"],
        project_id=settings.DJANGO_CONVERT["PROJECT_ID"],
    ).start()
    changes: dict[str, Any] = {"TRACKING_URL": server.url, "TIMEOUT": 2.0}
    with override_settings(DJANGO_CONVERT={**settings.DJANGO_CONVERT, **changes}):
        yield server
        _forget_clients()
    server.stop()


def _forget_clients() -> None:
    try:
        from django_convert.delivery.client import reset_clients
    except ImportError:  # before the delivery layer exists
        return
    reset_clients()
