"""W050-W051: the MySQL/MariaDB settings django-convert's tables need, read without connecting."""

from __future__ import annotations

from typing import Any

import pytest

from django_convert.models import checks as database_checks


@pytest.fixture
def databases(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Call ``databases(default={...})`` to check other DATABASES than the test suite's."""

    class Connections:
        settings: dict[str, Any] = {}

    def use(**settings: Any) -> None:
        Connections.settings = settings

    monkeypatch.setattr(database_checks, "connections", Connections)
    return use


def mysql(**options: Any) -> dict[str, Any]:
    return {"ENGINE": "django.db.backends.mysql", "NAME": "shop", "OPTIONS": options}


def ids() -> list[str]:
    return [message.id for message in database_checks.check_databases()]


def test_recommended_mysql_settings_pass(databases: Any) -> None:
    databases(default=mysql(charset="utf8mb4"))
    assert ids() == []
    databases(default=mysql(charset="utf8mb4", isolation_level="read committed"))
    assert ids() == []


@pytest.mark.parametrize("level", ["repeatable read", "serializable", None])
def test_another_isolation_level_is_w050(databases: Any, level: str | None) -> None:
    databases(default=mysql(charset="utf8mb4", isolation_level=level))
    [message] = database_checks.check_databases()
    assert message.id == "django_convert.W050"
    assert "READ COMMITTED" in message.msg
    assert '["isolation_level"] = "read committed"' in message.hint


def test_django_default_charset_is_w051(databases: Any) -> None:
    databases(default=mysql())  # Django's MySQL default: "utf8", that is utf8mb3
    [message] = database_checks.check_databases()
    assert message.id == "django_convert.W051"
    assert "'utf8'" in message.msg
    assert '"utf8mb4"' in message.hint


def test_a_charset_from_an_option_file_is_not_guessed(databases: Any) -> None:
    databases(default=mysql(read_default_file="/etc/mysql/my.cnf"))
    assert ids() == []


def test_other_databases_are_not_checked(databases: Any) -> None:
    databases(default={"ENGINE": "django.db.backends.postgresql", "OPTIONS": {}})
    assert ids() == []


def test_the_suites_own_database_settings_pass() -> None:
    # The real DATABASES of this run (SQLite, PostgreSQL or MariaDB with utf8mb4).
    assert database_checks.check_databases() == []
