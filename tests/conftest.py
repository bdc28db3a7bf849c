"""Shared fixtures. Larger fixture sets live in their own modules, listed here."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings

pytest_plugins: list[str] = [
    "tests.fixtures_identity",
    "tests.fixtures_ingest",
    "tests.fixtures_conversions",
    "tests.fixtures_convert",
    "tests.fixtures_dispatch",
    "tests.fixtures_project",
]


def _convert_settings(**changes: Any) -> dict[str, Any]:
    return {**settings.DJANGO_CONVERT, **changes}


@pytest.fixture
def convert_settings() -> Iterator[Any]:
    """Call ``convert_settings(KEY=value)`` to change DJANGO_CONVERT for one test."""
    overrides: list[Any] = []

    def change(**changes: Any) -> None:
        override = override_settings(DJANGO_CONVERT=_convert_settings(**changes))
        override.enable()
        overrides.append(override)

    yield change
    for override in reversed(overrides):
        override.disable()


@pytest.fixture
def on_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgres://...")
