"""Delivery health over every tenant schema (django-tenants): one answer for all outboxes.

``convert_deliver --check`` must never say OK while rows wait in a schema it did not look
at: with the app in django-tenants' ``TENANT_APPS``, :func:`health.delivery_health` measures
each schema (``models.tenants.in_each_schema``) and :func:`merged_health` adds them up,
each problem naming its schema.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django_convert.delivery.health import DeliveryHealth


def merged_health(visits: Sequence[tuple[str, DeliveryHealth]]) -> DeliveryHealth:
    """The schemas' health as one: counts summed, the oldest overdue row, the latest
    delivery, and every schema's problems, prefixed with ``[schema NAME]``."""
    from django_convert.delivery.health import DeliveryHealth, HealthProblem

    schemas = [schema for schema, _ in visits]
    healths = [health for _, health in visits]
    if not healths:  # no tenant yet
        from django.utils import timezone

        from django_convert.conf import get_setting
        from django_convert.delivery.claim import outbox_alias

        return DeliveryHealth(
            checked_at=timezone.now(),
            database=f"{outbox_alias()} (no tenant schema yet)",
            delivery=str(get_setting("DELIVERY")),
            pending=0,
            sending=0,
            overdue=0,
            overdue_since=None,
            stuck=0,
            failed_recently=0,
            last_sent_at=None,
            unsent_old=0,
        )
    first = healths[0]
    overdue_since = [h.overdue_since for h in healths if h.overdue_since is not None]
    last_sent = [h.last_sent_at for h in healths if h.last_sent_at is not None]
    problems = tuple(
        HealthProblem(problem.code, problem.count, f"[schema {schema}] {problem.message}")
        for schema, health in visits
        for problem in health.problems
    )
    return replace(
        first,
        database=f"{first.database} (schemas {', '.join(schemas)})",
        pending=sum(h.pending for h in healths),
        sending=sum(h.sending for h in healths),
        overdue=sum(h.overdue for h in healths),
        overdue_since=min(overdue_since) if overdue_since else None,
        stuck=sum(h.stuck for h in healths),
        failed_recently=sum(h.failed_recently for h in healths),
        last_sent_at=max(last_sent) if last_sent else None,
        unsent_old=sum(h.unsent_old for h in healths),
        problems=problems,
    )
