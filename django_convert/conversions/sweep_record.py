"""How the sweep records what it found: as of each order's moment, noting the unrecordable.

For a chunk of rows the sweep found (``conversions.sweep``):

- each row's moment is its rule's ``get_occurred_at`` (``occurred_at``, else the sweep's
  date field); the visitors of the whole chunk, their exposure history and bucketing are
  read in three queries, and each conversion carries the bucketing its visitor had at
  that moment (``snapshot.snapshot_as_of``);
- a row without a visitor (no id on the order, a user who never visited with the tags)
  is noted once as a :class:`~django_convert.models.SkippedConversion`, with one WARNING,
  and the sweep's anti-join leaves it out from then on: no query, no log line per run.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django_convert.conversions.receivers import apply_rule
from django_convert.conversions.rules import ConversionRule
from django_convert.conversions.snapshot import load_snapshots_as_of, preloaded
from django_convert.conversions.values import clean_goal_id, clean_transaction_id
from django_convert.exceptions import ConversionError, InvalidVisitorId
from django_convert.models import SkippedConversion

logger = logging.getLogger("django_convert")


@dataclass
class RuleSweep:
    """What the sweep did for one rule."""

    rule: str
    model: str
    since_field: str | None = None
    #: Rows in the window matching ``when`` without a conversion (or a note).
    missing: int = 0
    recorded: int = 0
    #: Rows noted once as unable to record (no visitor): not looked at again.
    noted: int = 0
    #: Rows that record nothing for another reason (unusable data: logged per row).
    not_recorded: int = 0
    #: Rows recorded with the bucketing at sweep time: the rule gives no moment.
    undated: int = 0
    #: Why the rule was not swept, if it was not.
    skipped: str = ""
    sql_anti_join: bool = False
    dry_run: bool = False
    details: list[str] = field(default_factory=list)


def record_late(
    rule: ConversionRule,
    instances: Sequence[Any],
    now: datetime,
    model_db: str,
    outbox: str,
    report: RuleSweep,
) -> None:
    """Record ``instances`` (matching, without a conversion) as of their own moments."""
    prepared: list[tuple[Any, tuple[str, Any] | None, datetime]] = []
    notes: list[SkippedConversion] = []
    for instance in instances:
        as_of = _occurred_at(rule, instance)
        if as_of is None:
            report.undated += 1
            as_of = now
        try:
            visitor_id, user_id = rule.visitor_key(instance)
        except (ConversionError, InvalidVisitorId):
            prepared.append((instance, None, as_of))  # recorded through the rule: it logs why
            continue
        if visitor_id is None and user_id is None:
            _note(rule, instance, "the order has no visitor", notes)
            continue
        key = ("user", user_id) if user_id is not None else ("visitor_id", visitor_id)
        prepared.append((instance, key, as_of))
    snapshots = load_snapshots_as_of([(*k, at) for _, k, at in prepared if k], outbox)
    with preloaded(snapshots):
        for instance, visitor, as_of in prepared:
            if visitor is not None and snapshots[(*visitor, as_of)] is None:
                _note(rule, instance, f"user {visitor[1]} has no Convert visitor", notes)
                continue
            written = apply_rule(
                rule, instance, created=False, previous=None, using=model_db, as_of=as_of
            )
            if written is None:
                report.not_recorded += 1
            else:
                report.recorded += 1
    if notes:
        SkippedConversion.objects.using(outbox).bulk_create(notes, ignore_conflicts=True)
        report.noted += len(notes)


def _occurred_at(rule: ConversionRule, instance: Any) -> datetime | None:
    try:
        return rule.get_occurred_at(instance)
    except Exception:  # a path or code rule that fails: logged, the row still records
        logger.exception(
            "convert_sweep: %s could not tell when %s %s happened; recorded with the "
            "bucketing at sweep time.",
            rule.origin,
            instance._meta.label,
            instance.pk,
        )
        return None


def _note(rule: ConversionRule, instance: Any, reason: str, notes: list[SkippedConversion]) -> None:
    try:
        goal_id = clean_goal_id(rule.get_goal_id(instance))
        transaction_id = clean_transaction_id(rule.get_transaction_id(instance))
    except ConversionError as error:
        logger.error(
            "convert_sweep: %s %s (%s) has no visitor and no usable key: %s",
            instance._meta.label,
            instance.pk,
            rule.origin,
            error,
        )
        return
    label = f"{instance._meta.label} {instance.pk}"
    logger.warning(
        "convert_sweep: no conversion recorded for goal %s (%s, transaction %s): %s %s. "
        "Noted once (admin: Skipped conversions); later sweeps leave it out. Nothing is "
        "sent with a made-up id.",
        goal_id,
        rule.origin,
        transaction_id,
        label,
        reason,
    )
    notes.append(
        SkippedConversion(
            goal_id=goal_id,
            transaction_id=transaction_id,
            origin=rule.origin[:255],
            instance=label[:255],
            reason=f"{label}: {reason}",
        )
    )


def totals(reports: Sequence[RuleSweep]) -> dict[str, int]:
    """JSON-serialisable totals over all rules."""
    return {
        "rules": len(reports),
        "skipped_rules": sum(1 for report in reports if report.skipped),
        "recorded": sum(report.recorded for report in reports),
        "noted": sum(report.noted for report in reports),
        "not_recorded": sum(report.not_recorded for report in reports),
        "undated": sum(report.undated for report in reports),
    }


def log_summary(reports: Sequence[RuleSweep], days: float) -> None:
    """One line per run: the counts, and the rules that cannot be swept (WARNING when
    something needs a look, INFO when nothing was missing)."""
    if not reports:
        return
    counts = totals(reports)
    line = (
        f"convert_sweep (last {days:g} days, {counts['rules']} rule(s)): recorded "
        f"{counts['recorded']} conversion(s) that no save had recorded (QuerySet.update(), "
        f"bulk writes, raw SQL or another service?); noted {counts['noted']} without a "
        f"visitor; {counts['not_recorded']} with unusable data (logged above)"
    )
    if counts["undated"]:
        line += (
            f"; {counts['undated']} recorded with the bucketing at sweep time (the rule "
            "gives no 'occurred_at')"
        )
    not_swept = [
        f"{report.rule} ({report.model}): {report.skipped}" for report in reports if report.skipped
    ]
    if not_swept:
        line += (
            ". NOT swept (conversions they get through QuerySet.update(), bulk writes or "
            "raw SQL are not recorded): " + "; ".join(not_swept)
        )
    attention = any(counts[key] for key in ("recorded", "noted", "not_recorded", "undated"))
    logger.log(logging.WARNING if attention or not_swept else logging.INFO, "%s.", line)
