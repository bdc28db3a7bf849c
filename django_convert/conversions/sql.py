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

from django.db import DataError, connections, models
from django.db.models.constants import OnConflict
from django.utils import timezone

from django_convert.conversions.values import ConversionValues
from django_convert.models import SEGMENT_FIELDS, Bucketing, Conversion, Visitor

# (alias, lookup) -> SQL; a dict lookup per call instead of a compiled query.
_SELECT_SQL: dict[tuple[str, str], str] = {}
_INSERT_SQL: dict[str, tuple[str, bool]] = {}
_ONE_STATEMENT: dict[str, bool] = {}
_INSERT_FROM_VISITOR: dict[tuple[str, str], _FromVisitorInsert] = {}

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
        rows: list[tuple[Any, ...]] = list(cursor.fetchall())  # mysqlclient: a tuple
    if rows:
        first = list(rows[0])
        for position, field in _json_fields():
            first[position] = field.from_db_value(first[position], None, connection)
        rows[0] = tuple(first)
    return rows


def insert_conversion(conversion: Conversion, using: str) -> bool:
    """INSERT ``conversion`` (new, unsaved) and set its primary key; False if a duplicate.

    Where the database can this is one statement that skips a duplicate: ``INSERT ...
    ON CONFLICT (goal_id, transaction_id) DO NOTHING RETURNING id`` (PostgreSQL, SQLite
    >= 3.35) or ``INSERT IGNORE ... RETURNING id`` (MariaDB >= 10.5). A duplicate is not
    an error, so it needs no savepoint to protect the caller's transaction. Elsewhere a
    duplicate raises django.db.IntegrityError, as ``save(force_insert=True)`` would (see
    :func:`skips_duplicates`). Raises django.db.DataError if MariaDB's IGNORE changed a
    value it wrote (see :func:`_check_ignored`).
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
            _check_ignored(connection, inserted=row is not None)
            if row is None:  # ON CONFLICT DO NOTHING / INSERT IGNORE: the row exists already
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
    applies = _ONE_STATEMENT.get(using)
    if applies is None:  # a database's features do not change: asked once per alias
        applies = _ONE_STATEMENT[using] = connections[
            using
        ].vendor in _JSON_SQL and skips_duplicates(using)
    return applies


def insert_from_visitor(
    lookup: str, value: Any, values: ConversionValues, using: str
) -> Conversion | None:
    """INSERT the outbox row with the visitor snapshot built in SQL; the row, or None.

    One round trip: ``INSERT INTO outbox SELECT ..., <bucketing>, <segments> FROM visitor
    ... ON CONFLICT DO NOTHING RETURNING`` (``INSERT IGNORE ... RETURNING`` on MariaDB).
    ``lookup`` is "visitor_id" (a row is inserted even when no Visitor is stored: empty
    bucketing and segments) or "user" (no Visitor, no row). None means a duplicate or, for
    "user", no visitor: the caller tells them apart (rare paths, so their extra queries do
    not count).

    The values are already validated (``ConversionValues.clean``). Only the columns that differ
    per row are prepared per call; the others hold the model's defaults, prepared once.
    """
    connection: Any = connections[using]
    statement = _INSERT_FROM_VISITOR.get((using, lookup))
    if statement is None:
        statement = _INSERT_FROM_VISITOR[(using, lookup)] = _FromVisitorInsert(connection, lookup)
    now = timezone.now()
    db_now = statement.now_field.get_db_prep_save(now, connection)
    params = [
        values.goal_id,
        values.transaction_id,
        values.transaction_id_is_local,
        statement.amount_field.get_db_prep_save(values.amount, connection),
        values.products_count,
        statement.prepare_dimensions(values.custom_dimensions, connection),
        values.origin,
        *[db_now] * len(TIMESTAMP_FIELDS),
        *statement.default_params,
        statement.lookup_field.get_db_prep_value(value, connection, prepared=False),
    ]
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, params)
        row = cursor.fetchone()
    _check_ignored(connection, inserted=row is not None)
    if row is None:
        return None
    pk, visitor_id, bucketing, segments = row
    by_name = {
        **statement.default_values,
        "id": pk,
        "goal_id": values.goal_id,
        "transaction_id": values.transaction_id,
        "transaction_id_is_local": values.transaction_id_is_local,
        "amount": values.amount,
        "products_count": values.products_count,
        "custom_dimensions": values.custom_dimensions,
        "origin": values.origin,
        **dict.fromkeys(TIMESTAMP_FIELDS, now),
        "visitor_id": visitor_id,
        "bucketing": statement.bucketing_field.from_db_value(bucketing, None, connection),
        "segments": statement.segments_field.from_db_value(segments, None, connection),
    }
    # Positional, in column order: Django's own fast path for rows read from the database.
    row_values = [by_name[name] for name in statement.attnames]
    return Conversion.from_db(using, statement.attnames, row_values)


def skips_duplicates(using: str) -> bool:
    """Whether :func:`insert_conversion` turns a duplicate into False instead of an error."""
    connection = connections[using]
    return _returns_pk(connection) and (
        bool(connection.features.supports_update_conflicts_with_target)
        or _ignores_duplicates(connection)
    )


def _returns_pk(connection: Any) -> bool:
    # "INSERT ... RETURNING col" as PostgreSQL, SQLite >= 3.35 and MariaDB >= 10.5 write it
    # (MySQL has no RETURNING: its feature flag is False). Other backends (and Django's
    # helpers for it, renamed between Django versions) are not relied on.
    return connection.vendor in ("postgresql", "sqlite", "mysql") and bool(
        connection.features.can_return_columns_from_insert
    )


def _ignores_duplicates(connection: Any) -> bool:
    # MySQL/MariaDB have no ON CONFLICT with a target; INSERT IGNORE (Django's own
    # ignore_conflicts spelling there) skips the duplicate. It also downgrades other errors
    # to warnings: _check_ignored and the caller's read of the existing row catch those.
    return connection.vendor == "mysql" and bool(connection.features.supports_ignore_conflicts)


def _conflict_sql(connection: Any) -> tuple[str, str]:
    """``(INSERT keyword, suffix)`` that turn a duplicate (goal, transaction) into no row."""
    if connection.features.supports_update_conflicts_with_target:
        quote = connection.ops.quote_name
        unique = ", ".join(
            quote(_field(Conversion, name).column) for name in ("goal_id", "transaction_id")
        )
        return "INSERT INTO", f" ON CONFLICT ({unique}) DO NOTHING"
    return str(connection.ops.insert_statement(on_conflict=OnConflict.IGNORE)), ""


def _check_ignored(connection: Any, *, inserted: bool) -> None:
    """Raise DataError if MySQL/MariaDB's IGNORE changed a value of the row it inserted.

    IGNORE also turns errors other than the duplicate key (a value too long for its
    column, a character the column's charset lacks) into warnings, and writes an adjusted
    value instead of failing. The values are validated before, so this should never
    raise, but a silently changed conversion is a bug. The warning count comes with the
    statement's answer (no extra round trip). A row IGNORE skipped needs no check here:
    the caller then reads the row holding the same (goal, transaction), and raises
    IntegrityError if there is none.
    """
    if not inserted or connection.vendor != "mysql" or not connection.connection.warning_count():
        return
    with connection.cursor() as cursor:
        cursor.execute("SHOW WARNINGS")
        warnings = [(str(level), int(code), str(text)) for level, code, text in cursor.fetchall()]
    changed = "; ".join(f"{code} {text}" for level, code, text in warnings if level != "Note")
    if changed:
        raise DataError(
            f"The conversion was written with values the database changed ({changed}): "
            "check the table's character set (utf8mb4) and column sizes."
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


# insert_from_visitor's columns: set per row (in this order, then the lookup value),
# read from the Visitor tables, and the rest, which hold the model's static defaults.
PER_ROW_FIELDS = (
    "goal_id",
    "transaction_id",
    "transaction_id_is_local",
    "amount",
    "products_count",
    "custom_dimensions",
    "origin",
)
TIMESTAMP_FIELDS = ("next_attempt_at", "created_at")
FROM_VISITOR_FIELDS = ("visitor_id", "bucketing", "segments")

# Per vendor: the JSON SQL for {experience: variation} over bucketing rows, an object
# without its NULL members (each member a key and a value), an empty JSON list, a JSON
# column and a text column as JSON values.
# Visitor.segments() leaves out empty strings and lists: NULLIF turns them into NULL.
_JSON_SQL = {
    "postgresql": {
        "object_agg": "jsonb_object_agg({key}, {value})",
        "empty_object": "'{{}}'::jsonb",
        "object_without_nulls": "jsonb_strip_nulls(jsonb_build_object({members}))",
        "member": "'{key}', {value}",
        "empty_list": "'[]'::jsonb",
        "json_column": "{column}",
        "text_column": "{column}",
    },
    "sqlite": {
        "object_agg": "json_group_object({key}, {value})",
        "empty_object": "'{{}}'",
        # A JSON merge patch (RFC 7396) onto {} drops the members whose value is null.
        "object_without_nulls": "json_patch('{{}}', json_object({members}))",
        "member": "'{key}', {value}",
        "empty_list": "'[]'",
        "json_column": "json({column})",
        "text_column": "{column}",
    },
    # MariaDB >= 10.5 (the RETURNING this path needs): JSON columns are text, and there is
    # no JSON_STRIP_NULLS, so the object is written as text: CONCAT_WS skips the NULL
    # members (CONCAT of anything with NULL is NULL). JSON_QUOTE escapes the strings.
    "mysql": {
        "object_agg": "JSON_OBJECTAGG({key}, {value})",
        "empty_object": "'{{}}'",
        "object_without_nulls": "CONCAT('{{', CONCAT_WS(', ', {members}), '}}')",
        "member": "CONCAT('\"{key}\": ', {value})",
        "empty_list": "'[]'",
        "json_column": "{column}",
        "text_column": "JSON_QUOTE({column})",
    },
}


class _FromVisitorInsert:
    """insert_from_visitor's statement for one connection and lookup, compiled once."""

    def __init__(self, connection: Any, lookup: str) -> None:
        self.sql = _insert_from_visitor_sql(connection, lookup)
        self.lookup_field: Any = _field(Visitor, lookup)
        self.amount_field: Any = _field(Conversion, "amount")
        self.dimensions_field: Any = _field(Conversion, "custom_dimensions")
        self.now_field: Any = _field(Conversion, TIMESTAMP_FIELDS[0])
        self.bucketing_field: Any = _field(Conversion, "bucketing")
        self.segments_field: Any = _field(Conversion, "segments")
        self.attnames = [field.attname for field in Conversion._meta.concrete_fields]
        self.no_dimensions = self.dimensions_field.get_db_prep_save({}, connection)
        self.default_values = {field.attname: field.get_default() for field in _default_fields()}
        self.default_params = [
            field.get_db_prep_save(field.get_default(), connection)
            for field in _written_default_fields()
        ]

    def prepare_dimensions(self, dimensions: dict[str, Any], connection: Any) -> Any:
        # Most conversions have none: "{}" is encoded once, not per row.
        if not dimensions:
            return self.no_dimensions
        return self.dimensions_field.get_db_prep_save(dimensions, connection)


@functools.cache
def _default_fields() -> list[Any]:
    named = {*PER_ROW_FIELDS, *TIMESTAMP_FIELDS, *FROM_VISITOR_FIELDS}
    fields = [field for field in _insert_fields() if field.name not in named]
    for field in fields:
        # Prepared once per connection: a default computed per row would go stale.
        assert not (field.has_default() and callable(field.default)), (
            f"Conversion.{field.name} needs a per-row value"
        )
    return fields


@functools.cache
def _written_default_fields() -> list[Any]:
    # NULL columns left out of the INSERT are NULL anyway: a shorter statement to send.
    return [
        field for field in _default_fields() if not (field.null and field.get_default() is None)
    ]


def _insert_from_visitor_sql(connection: Any, lookup: str) -> str:
    quote = connection.ops.quote_name
    json_sql = _JSON_SQL[connection.vendor]
    visitor_pk = Visitor._meta.pk
    assert visitor_pk is not None

    def column(model: type[models.Model], name: str) -> str:
        return str(quote(_field(model, name).column))

    def segment(name: str) -> str:
        if _field(Visitor, name).get_internal_type() == "JSONField":
            nullif = f"NULLIF(v.{column(Visitor, name)}, {json_sql['empty_list']})"
            return json_sql["json_column"].format(column=nullif)
        return json_sql["text_column"].format(column=f"NULLIF(v.{column(Visitor, name)}, '')")

    segments = ", ".join(
        json_sql["member"].format(key=key, value=segment(name))
        for key, name in SEGMENT_FIELDS.items()
    )
    object_agg = json_sql["object_agg"].format(
        key=f"b.{column(Bucketing, 'experience_id')}",
        value=f"b.{column(Bucketing, 'variation_id')}",
    )
    from_visitor = {
        "bucketing": (
            f"COALESCE((SELECT {object_agg} FROM {quote(Bucketing._meta.db_table)} b "  # noqa: S608
            f"WHERE b.{column(Bucketing, 'visitor')} = v.{quote(visitor_pk.column)}), "
            f"{json_sql['empty_object'].format()})"
        ),
        "segments": json_sql["object_without_nulls"].format(members=segments),
    }
    visitor_table = quote(Visitor._meta.db_table)
    if lookup == "visitor_id":
        # The given id, with or without a stored Visitor (LEFT JOIN: NULL columns).
        # "WHERE true": SQLite would otherwise read ON CONFLICT as part of the join.
        visitor_id = "w.wanted"
        source = (
            f"(SELECT %s AS wanted) w LEFT OUTER JOIN {visitor_table} v "
            f"ON v.{column(Visitor, 'visitor_id')} = w.wanted WHERE true"
        )
    else:
        visitor_id = f"v.{column(Visitor, 'visitor_id')}"
        source = f"{visitor_table} v WHERE v.{column(Visitor, lookup)} = %s"
    columns = [
        *PER_ROW_FIELDS,
        *TIMESTAMP_FIELDS,
        *(field.name for field in _written_default_fields()),
        *FROM_VISITOR_FIELDS,
    ]
    values = [
        *["%s"] * (len(PER_ROW_FIELDS) + len(TIMESTAMP_FIELDS) + len(_written_default_fields())),
        visitor_id,
        from_visitor["bucketing"],
        from_visitor["segments"],
    ]
    insert, on_conflict = _conflict_sql(connection)
    returning = ", ".join(column(Conversion, name) for name in ("id", *FROM_VISITOR_FIELDS))
    # Only quoted table and column names from model metadata; values are parameters.
    return (
        f"{insert} {quote(Conversion._meta.db_table)} "  # noqa: S608
        f"({', '.join(column(Conversion, name) for name in columns)}) "
        f"SELECT {', '.join(values)} FROM {source}"
        f"{on_conflict} RETURNING {returning}"
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
    insert, on_conflict = "INSERT INTO", ""
    if skips_duplicates(connection.alias):
        insert, on_conflict = _conflict_sql(connection)
    # Only quoted table and column names from model metadata; values are parameters.
    sql = (
        f"{insert} {quote(Conversion._meta.db_table)} "
        f"({', '.join(quote(field.column) for field in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}){on_conflict}"
    )
    returning = _returns_pk(connection)
    if returning:
        sql = f"{sql} RETURNING {quote(_field(Conversion, 'id').column)}"
    return sql, returning
