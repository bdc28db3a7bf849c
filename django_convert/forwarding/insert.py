"""The impressions of one ingest in one statement: ``INSERT ... SELECT`` from the
exposures this ingest made first, joined to their synced names.

The candidates (each experience of the report, for each configured destination, with a
message id made here) are a ``UNION ALL`` of parameters; only those whose exposure is the
visitor's first in the experience and was written at this ingest's moment are inserted.
A conflict on (destination, dedupe key) inserts nothing (``ON CONFLICT DO NOTHING``;
``INSERT IGNORE`` on MariaDB/MySQL). Table and column names come from the models'
metadata, quoted; every value is a parameter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import connections
from django.db.models import Field, Model

from django_convert.models import Experience, Exposure, ForwardedEvent, Variation
from django_convert.models.forwarding import new_message_id


def speaks_insert_select(connection: Any) -> bool:
    """Whether this database takes the one statement (else: select, then insert)."""
    if connection.vendor == "mysql":
        return True
    return connection.vendor in ("postgresql", "sqlite") and bool(
        connection.features.supports_update_conflicts_with_target
    )


def _field(model: type[Model], name: str) -> Field[Any, Any]:
    field = model._meta.get_field(name)
    assert isinstance(field, Field)
    return field


def insert_impressions(
    *,
    visitor_pk: int,
    visitor_id: str,
    experience_ids: Sequence[str],
    destinations: Sequence[str],
    destination_ids: Mapping[str, str],
    now: datetime,
    using: str,
    due: Mapping[str, datetime] | None = None,
) -> int:
    """Insert the impressions; returns the number of rows inserted. ``due`` gives each
    destination's first ``next_attempt_at`` (default ``now``)."""
    connection = connections[using]
    quote = connection.ops.quote_name

    def col(model: type[Model], name: str) -> str:
        return str(quote(str(_field(model, name).column)))

    def prep(name: str, value: Any) -> Any:
        return _field(ForwardedEvent, name).get_db_prep_save(value, connection)

    table = quote(ForwardedEvent._meta.db_table)
    exposure = quote(Exposure._meta.db_table)
    experience = quote(Experience._meta.db_table)
    variation = quote(Variation._meta.db_table)
    candidates: list[Any] = []
    for name in destinations:
        for experience_id in experience_ids:
            candidates += [
                name,
                f"{visitor_id}:{experience_id}",
                new_message_id(),
                destination_ids.get(name, ""),
                experience_id,
                prep("next_attempt_at", (due or {}).get(name, now)),
            ]
    rows = " UNION ALL ".join(
        ["SELECT %s AS d, %s AS k, %s AS m, %s AS i, %s AS e, %s AS n"] * (len(candidates) // 6)
    )
    at = prep("occurred_at", now)
    columns = {
        "destination": "c.d",
        "kind": "%s",
        "dedupe_key": "c.k",
        "message_id": "c.m",
        "visitor_id": "%s",
        "destination_id": "c.i",
        "experience_id": f"x.{col(Exposure, 'experience_id')}",
        "experience_name": f"COALESCE(n.{col(Experience, 'name')}, '')",
        "variation_id": f"x.{col(Exposure, 'variation_id')}",
        "variation_name": f"COALESCE(v.{col(Variation, 'name')}, '')",
        "goal_id": "''",
        "goal_name": "''",
        "currency": "''",
        "occurred_at": "%s",
        "status": "%s",
        "attempts": "0",
        "next_attempt_at": "c.n",
        "retry_reason": "''",
        "unknown_outcomes": "0",
        "last_error": "''",
        "last_response_body": "''",
        "created_at": "%s",
    }
    head_params = [ForwardedEvent.Kind.IMPRESSION.value, visitor_id, at, "pending", at]
    names = ", ".join(col(ForwardedEvent, name) for name in columns)
    ignore = " IGNORE" if connection.vendor == "mysql" else ""
    conflict = "" if connection.vendor == "mysql" else " ON CONFLICT DO NOTHING"
    experience_column = col(Exposure, "experience_id")
    variation_column = col(Exposure, "variation_id")
    # "WHERE true": SQLite would otherwise read ON CONFLICT as part of the SELECT's join.
    sql = (
        f"INSERT{ignore} INTO {table} ({names}) "  # noqa: S608
        f"SELECT {', '.join(columns.values())} FROM ({rows}) c "
        f"INNER JOIN {exposure} x ON x.{col(Exposure, 'visitor')} = %s "
        f"AND x.{col(Exposure, 'experience_id')} = c.e "
        f"AND x.{col(Exposure, 'is_first')} = %s AND x.{col(Exposure, 'first_seen')} = %s "
        f"LEFT JOIN {experience} n ON n.{col(Experience, 'id')} = x.{experience_column} "
        f"LEFT JOIN {variation} v ON v.{col(Variation, 'id')} = x.{variation_column} "
        f"WHERE true{conflict}"
    )
    first_seen = _field(Exposure, "first_seen").get_db_prep_save(now, connection)
    params = [*head_params, *candidates, visitor_pk, True, first_seen]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(int(cursor.rowcount), 0)
