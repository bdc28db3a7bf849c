"""The statements on the request path, as precompiled SQL.

Recording a conversion runs inside the user's ``order.save()``, so its cost is paid on
every checkout. On PostgreSQL it is ONE statement, the floor (see
:func:`insert_from_visitor`); elsewhere a snapshot SELECT then the INSERT.

Building these statements through the ORM costs more than running them
(query compilation dominates on a fast database), so each is compiled once per
connection and table, and values still go through the model fields' own
``get_db_prep_save`` / ``from_db_value``, exactly as the ORM would convert them.
Outbox rows are therefore inserted without Conversion's pre_save/post_save signals;
listen to ``conversion_recorded`` instead.
"""

from __future__ import annotations

import functools
from typing import Any

from django.db import connections, models

from django_convert.models import SEGMENT_FIELDS, Bucketing, Conversion, Visitor

# (alias, lookup) -> SQL; a dict lookup per call instead of a compiled query.
_SELECT_SQL: dict[tuple[str, str], str] = {}
_INSERT_SQL: dict[str, tuple[str, bool]] = {}
_INSERT_FROM_VISITOR_SQL: dict[tuple[str, str], str] = {}

SNAPSHOT_FIELDS = ("visitor_id", *SEGMENT_FIELDS.values())


def select_snapshot(lookup: str, value: Any, using: str) -> list[tuple[Any, ...]]:
    """Rows of ``(*SNAPSHOT_FIELDS, experience_id, variation_id)`` for one visitor.

    ``lookup`` is "visitor_id" or "user"; the bucketing columns are NULL for a visitor
    without bucketing (LEFT JOIN), and there are no rows for an unknown visitor. The
    visitor columns repeat on every row; only the first row's JSON is decoded.
    """
    connection = connections[using]
    sql = _SELECT_SQL.get((using, lookup))
    if sql is None:
        sql = _SELECT_SQL[(using, lookup)] = _select_sql(connection, lookup)
    param = _field(Visitor, lookup).get_db_prep_value(value, connection, prepared=False)
    with connection.cursor() as cursor:
        cursor.execute(sql, [param])
        rows: list[tuple[Any, ...]] = cursor.fetchall()
    if rows:
        first = list(rows[0])
        for position, field in _json_fields():
            first[position] = field.from_db_value(first[position], None, connection)
        rows[0] = tuple(first)
    return rows


def insert_conversion(conversion: Conversion, using: str) -> bool:
    """INSERT ``conversion`` (new, unsaved) and set its primary key; False if a duplicate.

    Where the database can (PostgreSQL, SQLite >= 3.35) this is one
    ``INSERT ... ON CONFLICT (goal_id, transaction_id) DO NOTHING RETURNING id``: a
    duplicate is not an error, so it needs no savepoint to protect the caller's
    transaction. Elsewhere a duplicate raises django.db.IntegrityError, as
    ``save(force_insert=True)`` would (see :func:`skips_duplicates`).
    """
    connection: Any = connections[using]
    compiled = _INSERT_SQL.get(using)
    if compiled is None:
        compiled = _INSERT_SQL[using] = _insert_sql(connection)
    sql, returning = compiled
    params = [
        field.get_db_prep_save(field.pre_save(conversion, True), connection)
        for field in _insert_fields()
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if returning:
            row = cursor.fetchone()
            if row is None:  # ON CONFLICT DO NOTHING: the row exists already
                return False
            (pk,) = row
        else:
            pk = connection.ops.last_insert_id(
                cursor, Conversion._meta.db_table, _field(Conversion, "id").column
            )
    conversion.pk = pk
    conversion._state.adding = False
    conversion._state.db = using
    return True


def snapshots_in_sql(using: str) -> bool:
    """Whether :func:`insert_from_visitor` (snapshot and INSERT in one statement) applies."""
    return connections[using].vendor == "postgresql" and skips_duplicates(using)


def insert_from_visitor(conversion: Conversion, lookup: str, value: Any, using: str) -> bool:
    """INSERT ``conversion`` with the visitor snapshot built in SQL; False if nothing inserted.

    One round trip: ``INSERT INTO outbox SELECT ..., <bucketing>, <segments> FROM visitor
    ... ON CONFLICT DO NOTHING RETURNING``. ``lookup`` is "visitor_id" (a row is inserted
    even when no Visitor is stored: empty bucketing and segments) or "user" (no Visitor,
    no row). False means a duplicate or, for "user", no visitor: the caller tells them
    apart (rare paths, so their extra queries do not count). On True, ``conversion`` gets
    its pk and the visitor id, bucketing and segments that were stored.
    """
    connection: Any = connections[using]
    sql = _INSERT_FROM_VISITOR_SQL.get((using, lookup))
    if sql is None:
        sql = _INSERT_FROM_VISITOR_SQL[(using, lookup)] = _insert_from_visitor_sql(
            connection, lookup
        )
    params = [
        field.get_db_prep_save(field.pre_save(conversion, True), connection)
        for field in _insert_fields()
        if field.name not in _FROM_VISITOR
    ]
    params.append(_field(Visitor, lookup).get_db_prep_value(value, connection, prepared=False))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return False
    conversion.pk, conversion.visitor_id = row[0], row[1]
    for name, raw in zip(("bucketing", "segments"), row[2:], strict=True):
        field: Any = _field(Conversion, name)
        setattr(conversion, name, field.from_db_value(raw, None, connection))
    conversion._state.adding = False
    conversion._state.db = using
    return True


def skips_duplicates(using: str) -> bool:
    """Whether :func:`insert_conversion` turns a duplicate into False instead of an error."""
    connection = connections[using]
    return _returns_pk(connection) and bool(
        connection.features.supports_update_conflicts_with_target
    )


def _returns_pk(connection: Any) -> bool:
    # "INSERT ... RETURNING col" as PostgreSQL and SQLite >= 3.35 write it. Other backends
    # (and Django's helpers for it, renamed between Django versions) are not relied on.
    return connection.vendor in ("postgresql", "sqlite") and bool(
        connection.features.can_return_columns_from_insert
    )


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field


@functools.cache
def _json_fields() -> list[tuple[int, Any]]:
    return [
        (position, field)
        for position, field in enumerate(_visitor_fields())
        if field.get_internal_type() == "JSONField"
    ]


@functools.cache
def _visitor_fields() -> list[Any]:
    return [Visitor._meta.get_field(name) for name in SNAPSHOT_FIELDS]


@functools.cache
def _insert_fields() -> list[Any]:
    return [field for field in Conversion._meta.concrete_fields if not field.primary_key]


# The Conversion columns insert_from_visitor fills from the Visitor tables.
_FROM_VISITOR = ("visitor_id", "bucketing", "segments")

# Visitor.segments() in SQL: API key -> Visitor column, in its order. Empty strings and
# empty lists become NULL, and jsonb_strip_nulls drops them, as segments() leaves them out.


def _insert_from_visitor_sql(connection: Any, lookup: str) -> str:
    quote = connection.ops.quote_name
    visitor_pk = Visitor._meta.pk
    assert visitor_pk is not None

    def column(model: type[models.Model], name: str) -> str:
        return str(quote(_field(model, name).column))

    def segment(name: str) -> str:
        empty = "'[]'::jsonb" if _field(Visitor, name).get_internal_type() == "JSONField" else "''"
        return f"NULLIF(v.{column(Visitor, name)}, {empty})"

    segments = ", ".join(f"'{key}', {segment(name)}" for key, name in SEGMENT_FIELDS.items())
    from_visitor = {
        "bucketing": (
            f"COALESCE((SELECT jsonb_object_agg(b.{column(Bucketing, 'experience_id')}, "  # noqa: S608
            f"b.{column(Bucketing, 'variation_id')}) FROM {quote(Bucketing._meta.db_table)} b "
            f"WHERE b.{column(Bucketing, 'visitor')} = v.{quote(visitor_pk.column)}), "
            "'{}'::jsonb)"
        ),
        "segments": f"jsonb_strip_nulls(jsonb_build_object({segments}))",
    }
    visitor_table = quote(Visitor._meta.db_table)
    if lookup == "visitor_id":
        # The given id, with or without a stored Visitor (LEFT JOIN: NULL columns).
        from_visitor["visitor_id"] = "w.wanted"
        source = (
            f"(SELECT %s AS wanted) w LEFT OUTER JOIN {visitor_table} v "
            f"ON v.{column(Visitor, 'visitor_id')} = w.wanted"
        )
    else:
        from_visitor["visitor_id"] = f"v.{column(Visitor, 'visitor_id')}"
        source = f"{visitor_table} v WHERE v.{column(Visitor, lookup)} = %s"
    fields = _insert_fields()
    values = [from_visitor.get(field.name, "%s") for field in fields]
    unique = ", ".join(column(Conversion, name) for name in ("goal_id", "transaction_id"))
    returning = ", ".join(column(Conversion, name) for name in ("id", *_FROM_VISITOR))
    # Only quoted table and column names from model metadata; values are parameters.
    return (
        f"INSERT INTO {quote(Conversion._meta.db_table)} "  # noqa: S608
        f"({', '.join(quote(field.column) for field in fields)}) "
        f"SELECT {', '.join(values)} FROM {source} "
        f"ON CONFLICT ({unique}) DO NOTHING RETURNING {returning}"
    )


def _select_sql(connection: Any, lookup: str) -> str:
    quote = connection.ops.quote_name
    visitor_table, bucketing_table = Visitor._meta.db_table, Bucketing._meta.db_table
    visitor_pk = Visitor._meta.pk
    assert visitor_pk is not None
    columns = [f"v.{quote(field.column)}" for field in _visitor_fields()]
    columns += [
        f"b.{quote(_field(Bucketing, name).column)}" for name in ("experience_id", "variation_id")
    ]
    join_column = _field(Bucketing, "visitor").column
    where_column = _field(Visitor, lookup).column
    # Only quoted table and column names from model metadata; the value is a parameter.
    return (
        f"SELECT {', '.join(columns)} FROM {quote(visitor_table)} v "  # noqa: S608
        f"LEFT OUTER JOIN {quote(bucketing_table)} b "
        f"ON b.{quote(join_column)} = v.{quote(visitor_pk.column)} "
        f"WHERE v.{quote(where_column)} = %s"
    )


def _insert_sql(connection: Any) -> tuple[str, bool]:
    quote = connection.ops.quote_name
    fields = _insert_fields()
    # Only quoted table and column names from model metadata; values are parameters.
    sql = (
        f"INSERT INTO {quote(Conversion._meta.db_table)} "  # noqa: S608
        f"({', '.join(quote(field.column) for field in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    if skips_duplicates(connection.alias):
        unique = ", ".join(
            quote(_field(Conversion, name).column) for name in ("goal_id", "transaction_id")
        )
        sql = f"{sql} ON CONFLICT ({unique}) DO NOTHING"
    returning = _returns_pk(connection)
    if returning:
        sql = f"{sql} RETURNING {quote(_field(Conversion, 'id').column)}"
    return sql, returning
