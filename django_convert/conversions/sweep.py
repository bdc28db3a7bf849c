"""The reconciliation sweep: conversions that bypassed ``post_save``, recorded late.

``QuerySet.update()``, ``bulk_create()``, ``bulk_update()``, raw SQL, fixtures loaded on
purpose, or another service writing the shop's tables never run a rule. For each rule
the sweep asks the database for the rows of the last ``SWEEP_DAYS`` days (by the rule's
``sweep_since`` date field) that match ``when`` and have no conversion yet, and records
them. It is idempotent (the unique (goal, transaction id) constraint decides, as for
every recording), so it may run often and alongside the web processes.

Its cost follows the new rows, not the table: one query finds them, with an index on
the date field and, when the model and the outbox share a database, an anti-join
(``NOT EXISTS``) on the outbox's unique (goal_id, transaction_id) index, the transaction
id computed in SQL; then one INSERT per new row. Otherwise (another database, a
transaction id or goal computed in Python) candidates are read in chunks of 500 and
checked against the outbox with one ``IN`` query per chunk.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import models, router, transaction
from django.db.models import CharField, Exists, OuterRef, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from django_convert.conf import get_setting
from django_convert.conversions.paths import field_lookup, final_field
from django_convert.conversions.receivers import apply_rule
from django_convert.conversions.registry import active_rules
from django_convert.conversions.routing import outbox_database
from django_convert.conversions.rules import ConversionRule
from django_convert.conversions.values import clean_goal_id, clean_transaction_id
from django_convert.exceptions import ConversionError, InvalidVisitorId
from django_convert.models import Conversion

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


@dataclass
class RuleSweep:
    """What the sweep did for one rule."""

    rule: str
    model: str
    since_field: str | None = None
    #: Rows in the window matching ``when`` without a conversion.
    missing: int = 0
    recorded: int = 0
    #: Rows that still record nothing (no visitor, unusable data: logged per row).
    not_recorded: int = 0
    #: Why the rule was not swept, if it was not.
    skipped: str = ""
    sql_anti_join: bool = False
    dry_run: bool = False
    details: list[str] = field(default_factory=list)


def sweep(days: float | None = None, *, dry_run: bool = False) -> list[RuleSweep]:
    """Record the conversions of the last ``days`` (default ``SWEEP_DAYS``) that are missing.

    With ``dry_run`` nothing is written: the reports count what would be recorded.
    Rules that cannot be swept (a code rule without ``sweep_queryset()``, a model with
    no date field to window on) are reported and logged at WARNING.
    """
    if not get_setting("ENABLED"):
        logger.warning("convert_sweep: ENABLED is False; nothing is recorded.")
        return []
    days = float(get_setting("SWEEP_DAYS") if days is None else days)
    since = timezone.now() - timedelta(days=days)
    reports = [_sweep_rule(model, rule, since, dry_run) for model, rule in active_rules()]
    for report in reports:
        _log(report)
    return reports


def _sweep_rule(
    model: type[models.Model], rule: ConversionRule, since: Any, dry_run: bool
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
        recorded = Conversion.objects.using(outbox).filter(
            goal_id=goal, transaction_id=OuterRef("_convert_transaction_id")
        )
        candidates = candidates.alias(_convert_transaction_id=transaction_id).filter(
            ~Exists(recorded)
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
            for instance in chosen:
                written = apply_rule(rule, instance, created=False, previous=None, using=model_db)
                if written is None:
                    report.not_recorded += 1
                else:
                    report.recorded += 1
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
    existing = set(
        Conversion.objects.using(outbox)
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


def _log(report: RuleSweep) -> None:
    if report.skipped:
        logger.warning(
            "convert_sweep: %s (%s) is NOT swept: %s. Conversions its model gets through "
            "QuerySet.update(), bulk_create(), bulk_update() or raw SQL are not recorded.",
            report.rule,
            report.model,
            report.skipped,
        )
    elif report.not_recorded:
        logger.warning(
            "convert_sweep: %s: %d row(s) match but record no conversion (see the "
            "messages above: no visitor, or unusable data).",
            report.rule,
            report.not_recorded,
        )
    elif report.recorded:
        logger.warning(
            "convert_sweep: %s recorded %d conversion(s) that no save had recorded "
            "(QuerySet.update(), bulk writes, raw SQL or another service?).",
            report.rule,
            report.recorded,
        )


def sweep_counts(days: float | None = None) -> dict[str, int]:
    """:func:`sweep` for a task queue: JSON-serialisable totals over all rules."""
    reports = sweep(days)
    return {
        "rules": len(reports),
        "skipped_rules": sum(1 for report in reports if report.skipped),
        "recorded": sum(report.recorded for report in reports),
        "not_recorded": sum(report.not_recorded for report in reports),
    }
