"""Checks of the database settings django-convert's tables live in (W050-W059).

They read ``DATABASES`` only, never connect: ``manage.py check`` must work without a
database. What each setting changes is explained in docs/databases.rst.
"""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Warning
from django.db import connections, router

from django_convert.models import Conversion, Visitor

DOCS = "See 'Recommended settings' in django-convert's docs/databases.rst."


def check_databases() -> list[CheckMessage]:
    aliases = {router.db_for_write(Conversion), router.db_for_write(Visitor)}
    messages: list[CheckMessage] = []
    for alias in sorted(aliases):
        settings_dict: dict[str, Any] = connections.settings[alias]
        if settings_dict.get("ENGINE", "").endswith(".mysql"):
            messages += _check_mysql(alias, settings_dict.get("OPTIONS") or {})
    return messages


def _check_mysql(alias: str, options: dict[str, Any]) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    # Django sets READ COMMITTED unless told otherwise; None keeps the server's default,
    # which is InnoDB's REPEATABLE READ unless the server was configured otherwise.
    level = options.get("isolation_level", "read committed")
    if level != "read committed":
        messages.append(
            Warning(
                f"DATABASES[{alias!r}] runs MySQL/MariaDB at "
                f"{'the server default level' if level is None else repr(level)}, not READ "
                "COMMITTED: InnoDB then also locks the gaps between rows it reads, so "
                "recording a conversion holds locks on the visitor's rows until the checkout "
                "commits, and checkout, ingest and delivery wait for each other (and deadlock) "
                "more often.",
                hint=f'Set DATABASES[{alias!r}]["OPTIONS"]["isolation_level"] = '
                f'"read committed" (Django\'s default). {DOCS}',
                id="django_convert.W050",
            )
        )
    # A charset from an option file cannot be known without connecting.
    if "read_default_file" not in options and options.get("charset") != "utf8mb4":
        charset = options.get("charset", "utf8")
        messages.append(
            Warning(
                f"DATABASES[{alias!r}] talks to MySQL/MariaDB in {charset!r}, which cannot "
                "hold 4-byte characters (emoji, some CJK): a conversion whose transaction id, "
                "custom dimension or segment holds one fails to record (DataError).",
                hint=f'Set DATABASES[{alias!r}]["OPTIONS"]["charset"] = "utf8mb4", and '
                f"create the database with CHARACTER SET utf8mb4. {DOCS}",
                id="django_convert.W051",
            )
        )
    return messages
