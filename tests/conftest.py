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
    "tests.fixtures_forwarding",
]


def pytest_report_header() -> str:
    return (
        f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}; "
        f"Redis for the Celery tests (emptied before each): {settings.CELERY_BROKER_URL} "
        "(DJANGO_CONVERT_TEST_REDIS_URL)"
    )


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


@pytest.fixture(autouse=True)
def _periodic_job_threads_end_with_the_test() -> Iterator[None]:
    """A delivery loop runs the config sync on a thread of its own: it must not write
    into the next test's database."""
    yield
    from django_convert.delivery.periodic import wait_for_jobs

    wait_for_jobs(15.0)


@pytest.fixture
def concurrent_db() -> None:
    """For threads whose transactions read, then write: a database where the writer waits.

    PostgreSQL and MariaDB/MySQL wait for the other transaction's row locks. SQLite in
    Django's default DEFERRED transaction mode does not: a transaction that has read and
    then writes while another one holds the write lock fails at once with "database is
    locked" (the busy timeout cannot help: waiting could deadlock). Its fix is
    ``"transaction_mode": "IMMEDIATE"`` (docs/databases.rst), with which these run.
    """
    options = connection.settings_dict.get("OPTIONS", {})
    if connection.vendor == "sqlite" and options.get("transaction_mode") != "IMMEDIATE":
        pytest.skip(
            "SQLite's DEFERRED transactions fail a read-then-write transaction at once "
            "('database is locked') while another writes; run on PostgreSQL, MariaDB, or "
            "SQLite with transaction_mode IMMEDIATE"
        )


@pytest.fixture
def on_postgres(concurrent_db: None) -> None:
    """The former name of ``concurrent_db``, from when these thread tests ran on PostgreSQL
    alone: they run on MariaDB/MySQL too (and SQLite in IMMEDIATE mode)."""
