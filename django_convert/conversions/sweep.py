"""The reconciliation sweep: conversions that bypassed ``post_save``, recorded late.

``QuerySet.update()``, ``bulk_create()``, ``bulk_update()``, raw SQL, fixtures loaded on
purpose, or another service writing the shop's tables never run a rule. For each rule
the sweep asks the database for the rows of the last ``SWEEP_DAYS`` days (by the rule's
``sweep_since`` date field) that match ``when`` and have no conversion yet, and records
them. It is idempotent (the unique (goal, transaction id) constraint decides, as for
every recording), so it may run often and alongside the web processes.

Each is recorded as of the moment it happened (the rule's ``occurred_at``), with the
bucketing its visitor had then, and a row that can never record (no visitor) is noted
once and left out afterwards (``conversions.sweep_record``). Each run logs one line.

Its cost follows the new rows, not the table: one query finds them, with an index on
the date field and, when the model and the outbox share a database, two anti-joins
(``NOT EXISTS``) on the unique (goal_id, transaction_id) indexes of the outbox and of the
noted rows, the transaction id computed in SQL; then three queries per chunk of 500 (the
visitors, their exposures and bucketing) and one INSERT per new row. Otherwise (another
database, a transaction id or goal computed in Python) candidates are read in chunks of
500 and checked against both tables with one ``IN`` query each per chunk. The delivery
loops run it once per ``SWEEP_INTERVAL`` for the whole site (:func:`sweep_if_due`).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta
from typing import Any

from django.db import models, router, transaction
from django.db.models import CharField, Exists, OuterRef, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from django_convert.conf import get_setting
from django_convert.conversions.paths import field_lookup, final_field
from django_convert.conversions.registry import active_rules
from django_convert.conversions.routing import outbox_database
from django_convert.conversions.rules import ConversionRule
from django_convert.conversions.schedule import claimed
from django_convert.conversions.sweep_record import RuleSweep, log_summary, record_late, totals
from django_convert.conversions.values import clean_goal_id, clean_transaction_id
from django_convert.exceptions import ConversionError, InvalidVisitorId
from django_convert.models import Conversion, SkippedConversion
from django_convert.models.tenants import in_each_schema

logger = logging.getLogger("django_convert")

CHUNK_SIZE = 500
# Columns whose text in SQL (CAST AS varchar) is exactly Python's str() of the value.
_TEXT_EXACT = {
    "AutoField",
    "BigAutoField",
    "SmallAutoField",
    "IntegerField",
    "BigIntegerField",
    "SmallIntegerField",
    "PositiveIntegerField",
    "PositiveBigIntegerField",
    "PositiveSmallIntegerField",
    "CharField",
    "SlugField",
    "TextField",
}


def sweep(days: float | None = None, *, dry_run: bool = False) -> list[RuleSweep]:
    """Record the conversions of the last ``days`` (default ``SWEEP_DAYS``) that are missing.

    Each is recorded with the bucketing its visitor had when it happened (the rule's
    ``get_occurred_at``), never one first seen later. A row that cannot record because it
    has no visitor is noted once (:class:`~django_convert.models.SkippedConversion`, one
    WARNING) and left out of later sweeps. With ``dry_run`` nothing is written: the
    reports count what would be recorded. Logs one summary line per run.
    """
    if not get_setting("ENABLED"):
        logger.warning("convert_sweep: ENABLED is False; nothing is recorded.")
        return []
    days = float(get_setting("SWEEP_DAYS") if days is None else days)
    visits = in_each_schema(lambda: sweep(days, dry_run=dry_run))  # django-tenants
    if visits is not None:
        return [
            replace(report, rule=f"[schema {schema}] {report.rule}")
            for schema, reports in visits
            for report in reports
        ]
    now = timezone.now()
    since = now - timedelta(days=days)
    reports = [_sweep_rule(model, rule, since, now, dry_run) for model, rule in active_rules()]
    log_summary(reports, days)
    return reports


def _sweep_rule(
    model: type[models.Model], rule: ConversionRule, since: Any, now: Any, dry_run: bool
) -> RuleSweep:
    report = RuleSweep(rule=rule.origin, model=model._meta.label, dry_run=dry_run)
    report.since_field = getattr(rule, "sweep_field", lambda: None)()
    model_db = router.db_for_write(model)  # the primary: a replica may lag behind
    try:
        candidates = rule.sweep_queryset(since, model_db)
    except ConversionError as error:
        report.skipped = str(error)
        return report
    if candidates is None:
        report.skipped = (
            "no date field to window on: name one with 'sweep_since' (a date or datetime "
            "field set when the row is created or becomes a conversion)"
            if hasattr(rule, "sweep_field")
            else "a code rule: define sweep_queryset(since, using) to have it swept"
        )
        return report
    outbox = outbox_database()
    goal, transaction_id = _static_goal(rule), _transaction_id_sql(rule, model)
    if model_db == outbox and goal is not None and transaction_id is not None:
        report.sql_anti_join = True
        key = {"goal_id": goal, "transaction_id": OuterRef("_convert_transaction_id")}
        candidates = (
            candidates.alias(_convert_transaction_id=transaction_id)
            .filter(~Exists(Conversion.objects.using(outbox).filter(**key)))
            .filter(~Exists(SkippedConversion.objects.using(outbox).filter(**key)))
        )
        chunks = _chunks(candidates.iterator(chunk_size=CHUNK_SIZE))
    else:
        chunks = (
            _without_conversion(rule, chunk, outbox)
            for chunk in _chunks(candidates.iterator(chunk_size=CHUNK_SIZE))
        )
    for chunk in chunks:
        chosen = [i for i in chunk if rule.should_record(i, created=False, previous=None)]
        report.missing += len(chosen)
        if dry_run or not chosen:
            continue
        with transaction.atomic(using=outbox):  # one commit per chunk, not per row
            record_late(rule, chosen, now, model_db, outbox, report)
    return report


def _static_goal(rule: ConversionRule) -> str | None:
    if type(rule).get_goal_id is not ConversionRule.get_goal_id:
        return None  # computed per instance
    try:
        return clean_goal_id(rule.goal_id)
    except ConversionError:
        return None


def _transaction_id_sql(rule: ConversionRule, model: type[models.Model]) -> Any:
    """The rule's transaction id as a SQL expression, or None when only Python knows it."""
    if type(rule).get_transaction_id is not ConversionRule.get_transaction_id:
        return None
    path = rule.transaction_id
    if path is None:  # "<app_label>.<model>:<pk>"
        pk = model._meta.pk
        if pk is None or pk.get_internal_type() not in _TEXT_EXACT:
            return None
        return Concat(
            Value(f"{model._meta.label_lower}:"), Cast("pk", CharField()), output_field=CharField()
        )
    lookup = field_lookup(model, path)
    if lookup is None or final_field(model, path).get_internal_type() not in _TEXT_EXACT:
        return None
    return Cast(lookup, CharField())


def _without_conversion(rule: ConversionRule, chunk: list[Any], outbox: str) -> list[Any]:
    """The instances of ``chunk`` whose (goal, transaction id) is not in the outbox."""
    keys: dict[tuple[str, str], Any] = {}
    for instance in chunk:
        try:
            key = (
                clean_goal_id(rule.get_goal_id(instance)),
                clean_transaction_id(rule.get_transaction_id(instance)),
            )
        except (ConversionError, InvalidVisitorId):
            key = ("", f"unusable:{instance.pk}")  # recorded through the rule: it logs why
        keys[key] = instance
    existing: set[tuple[str, str]] = set()
    for table in (Conversion, SkippedConversion):
        existing.update(
            table.objects.using(outbox)
            .filter(
                goal_id__in={goal for goal, _ in keys},
                transaction_id__in={transaction_id for _, transaction_id in keys},
            )
            .values_list("goal_id", "transaction_id")
        )
    return [instance for key, instance in keys.items() if key not in existing]


def _chunks(iterator: Any) -> Any:
    chunk: list[Any] = []
    for item in iterator:
        chunk.append(item)
        if len(chunk) == CHUNK_SIZE:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def sweep_counts(days: float | None = None) -> dict[str, int]:
    """:func:`sweep` for a task queue: JSON-serialisable totals over all rules."""
    return totals(sweep(days))


def sweep_if_due() -> dict[str, int] | None:
    """The delivery loops' periodic job: :func:`sweep` once per ``SWEEP_INTERVAL`` for the
    whole site, whatever the number of processes (the interval is claimed in the
    database: ``conversions.schedule``). None when it was not this process's turn."""
    interval = float(get_setting("SWEEP_INTERVAL"))
    if interval <= 0:
        return None
    with claimed("sweep", interval) as run:
        if run is None:
            return None
        counts = sweep_counts()
        run.result = counts
        return counts
