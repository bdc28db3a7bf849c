"""``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` as one statement.

It does what ``bulk_create(update_conflicts=True)`` does, but on this app's hot path
Django's bulk_create costs two to three times the statement it sends (measured with
``benchmarks/bench_ingest.py``). The statement is built from the model's metadata, its
conflict clause by the database backend itself (``ON CONFLICT (...) DO UPDATE`` on
PostgreSQL and SQLite 3.35+, ``ON DUPLICATE KEY UPDATE`` on MariaDB 10.5+), and every
value goes through its field's ``get_db_prep_save``, as bulk_create would. Databases
without RETURNING (MySQL) get bulk_create itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model
from django.db.models.constants import OnConflict


def speaks_upsert_returning(connection: BaseDatabaseWrapper) -> bool:
    # MariaDB returns one row per VALUES row, in order, whether inserted or updated, as
    # PostgreSQL and SQLite do (tests/test_ingest_store.py checks it on each).
    features = connection.features
    return (
        connection.vendor in ("postgresql", "sqlite", "mysql")
        and bool(features.can_return_columns_from_insert)
        and bool(features.supports_update_conflicts)
    )


def upsert(
    objs: Sequence[Model],
    *,
    unique_fields: Sequence[str],
    update_fields: Sequence[str],
    using: str,
) -> None:
    """Insert ``objs``, or update ``update_fields`` of the rows that already hold their
    ``unique_fields``; set each object's pk to its row's where the database returns it
    (bulk_create does not on Django < 5.0 or without RETURNING)."""
    model = type(objs[0])
    connection = connections[using]
    if not speaks_upsert_returning(connection):
        # MySQL/MariaDB's ON DUPLICATE KEY UPDATE takes no target (any unique key fires it):
        # Django refuses unique_fields there.
        with_target = connection.features.supports_update_conflicts_with_target
        model._default_manager.using(using).bulk_create(
            objs,
            update_conflicts=True,
            unique_fields=unique_fields if with_target else None,
            update_fields=update_fields,
        )
        return
    sql, params = _upsert_sql(objs, unique_fields, update_fields, connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        # One row per object, in VALUES order: bulk_create relies on the same.
        for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
            obj.pk = pk


def _upsert_sql(
    objs: Sequence[Model],
    unique_fields: Sequence[str],
    update_fields: Sequence[str],
    connection: BaseDatabaseWrapper,
) -> tuple[str, list[Any]]:
    opts = objs[0]._meta
    quote = connection.ops.quote_name
    fields = [field for field in opts.concrete_fields if field is not opts.pk]

    def column(field: Any, quoted: bool = True) -> str:
        if isinstance(field, str):
            field = opts.get_field(field)
        return quote(str(field.column)) if quoted else str(field.column)

    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    on_conflict = connection.ops.on_conflict_suffix_sql(
        fields,
        OnConflict.UPDATE,
        [column(name, quoted=False) for name in update_fields],
        [column(name, quoted=False) for name in unique_fields],
    )
    # Identifiers come from the model's metadata and are quoted; values are parameters.
    sql = (
        f"INSERT INTO {quote(str(opts.db_table))} ({', '.join(map(column, fields))}) "  # noqa: S608
        f"VALUES {', '.join([row] * len(objs))} {on_conflict} RETURNING {column(opts.pk)}"
    )
    params = [
        field.get_db_prep_save(field.pre_save(obj, True), connection)
        for obj in objs
        for field in fields
    ]
    return sql, params
