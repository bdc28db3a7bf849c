"""Record one ingest's exposures: one statement for all its experiences.

``INSERT ... SELECT ... ON CONFLICT (visitor, experience, variation) DO UPDATE SET
last_seen`` (``ON DUPLICATE KEY UPDATE`` on MariaDB). A variation seen before only moves
its ``last_seen``; a new one is a new row, so a re-bucketing never overwrites history.
``is_first`` is decided in the same statement: the row is the visitor's first in the
experience when no row of that experience exists yet. The ingest runs it after the
visitor's upsert in the same transaction, which holds the visitor's row lock: two reports
for one visitor never both decide "first".

A new row records the visitor's segments as its row holds them then (the ingest upserted
them just before): the report's breakdown groups exposures by them (issue 19), so a later
change of the visitor's segments does not move a past exposure. The same statement reads
them from the visitor row, joined in the SELECT.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import connections
from django.db.models.constants import OnConflict

from django_convert.models import Exposure, Visitor
from django_convert.models.history import EXPOSURE_SEGMENTS, exposure_segments
from django_convert.segments import device_class_sql


def record_exposures(
    visitor_pk: int, experiences: Sequence[Mapping[str, str]], now: datetime, using: str
) -> None:
    """Insert or touch one Exposure per ``{experienceId, variationId}`` at ``now``."""
    variations = {item["experienceId"]: item["variationId"] for item in experiences}
    if not variations:
        return
    connection = connections[using]
    if not _speaks_insert_select_upsert(connection):
        _record_apart(visitor_pk, variations, now, using)
        return
    quote = connection.ops.quote_name
    table = quote(Exposure._meta.db_table)
    column = {name: _column(name) for name in _COLUMNS}
    on_conflict = connection.ops.on_conflict_suffix_sql(
        [Exposure._meta.get_field(name) for name in _COLUMNS],
        OnConflict.UPDATE,
        [column["last_seen"]],
        [column["visitor"], column["experience_id"], column["variation_id"]],
    )
    rows = " UNION ALL ".join(["SELECT %s AS e, %s AS v"] * len(variations))
    segments = _segments_sql(connection)
    # Table and column names come from the model's metadata, quoted; values are parameters.
    # "WHERE true": SQLite would otherwise read ON CONFLICT as part of the SELECT.
    sql = (
        f"INSERT INTO {table} ({', '.join(quote(c) for c in column.values())}) "  # noqa: S608
        f"SELECT %s, x.e, x.v, %s, %s, NOT EXISTS (SELECT 1 FROM {table} p "
        f"WHERE p.{quote(column['visitor'])} = %s AND p.{quote(column['experience_id'])} = x.e), "
        f"{segments} FROM ({rows}) x JOIN {quote(Visitor._meta.db_table)} s ON s.id = %s "
        f"WHERE true {on_conflict}"
    )
    field = Exposure._meta.get_field("first_seen")
    at = field.get_db_prep_save(now, connection)
    params: list[Any] = [visitor_pk, at, at, visitor_pk]
    for experience_id, variation_id in sorted(variations.items()):
        params += [experience_id, variation_id]
    params.append(visitor_pk)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


_COLUMNS = (
    "visitor",
    "experience_id",
    "variation_id",
    "first_seen",
    "last_seen",
    "is_first",
    *EXPOSURE_SEGMENTS,
)


def _segments_sql(connection: Any) -> str:
    """The SELECT's values of :data:`EXPOSURE_SEGMENTS` from the visitor row ``s``."""
    quote = connection.ops.quote_name
    values = [device_class_sql(f"s.{quote('devices')}", connection.vendor)]
    values += [f"COALESCE(s.{quote(name)}, '')" for name in EXPOSURE_SEGMENTS[1:]]
    return ", ".join(values)


def _column(name: str) -> str:
    field: Any = Exposure._meta.get_field(name)
    return str(field.column)


def _speaks_insert_select_upsert(connection: Any) -> bool:
    # MySQL 8 spells ON DUPLICATE KEY UPDATE with a row alias that INSERT ... SELECT does
    # not take; MariaDB's VALUES(col) works with it. SQLite needs 3.24+ for ON CONFLICT.
    if connection.vendor == "mysql":
        return bool(connection.mysql_is_mariadb)
    return connection.vendor in ("postgresql", "sqlite") and bool(
        connection.features.supports_update_conflicts_with_target
    )


def _record_apart(visitor_pk: int, variations: dict[str, str], now: datetime, using: str) -> None:
    """Other databases: read which experiences have history, then an upsert."""
    known = set(
        Exposure.objects.using(using)
        .filter(visitor_id=visitor_pk, experience_id__in=list(variations))
        .values_list("experience_id", flat=True)
    )
    with_target = connections[using].features.supports_update_conflicts_with_target
    segments = exposure_segments(Visitor.objects.using(using).get(pk=visitor_pk))
    Exposure.objects.using(using).bulk_create(
        [
            Exposure(
                visitor_id=visitor_pk,
                experience_id=experience_id,
                variation_id=variation_id,
                first_seen=now,
                last_seen=now,
                is_first=experience_id not in known,
                **segments,
            )
            for experience_id, variation_id in sorted(variations.items())
        ],
        update_conflicts=True,
        unique_fields=["visitor", "experience_id", "variation_id"] if with_target else None,
        update_fields=["last_seen"],
    )
