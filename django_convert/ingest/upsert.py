"""``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` as one statement.

It does what ``bulk_create(update_conflicts=True)`` does, but on this app's hot path
Django's bulk_create costs two to three times the statement it sends (measured with
``benchmarks/bench_ingest.py``). PostgreSQL and SQLite 3.35+ share this syntax, so the
statement is built from the model's metadata and every value goes through its field's
``get_db_prep_save``, as bulk_create would. Other databases get bulk_create itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model


def speaks_upsert_returning(connection: BaseDatabaseWrapper) -> bool:
    return connection.vendor in ("postgresql", "sqlite") and bool(
        connection.features.can_return_columns_from_insert
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
        model._default_manager.using(using).bulk_create(
            objs, update_conflicts=True, unique_fields=unique_fields, update_fields=update_fields
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

    def column(field: Any) -> str:
        if isinstance(field, str):
            field = opts.get_field(field)
        return quote(str(field.column))

    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    # Identifiers come from the model's metadata and are quoted; values are parameters.
    sql = (
        f"INSERT INTO {quote(str(opts.db_table))} ({', '.join(map(column, fields))}) "  # noqa: S608
        f"VALUES {', '.join([row] * len(objs))} "
        f"ON CONFLICT ({', '.join(map(column, unique_fields))}) DO UPDATE SET "
        + ", ".join(f"{column(name)} = EXCLUDED.{column(name)}" for name in update_fields)
        + f" RETURNING {column(opts.pk)}"
    )
    params = [
        field.get_db_prep_save(field.pre_save(obj, True), connection)
        for obj in objs
        for field in fields
    ]
    return sql, params
