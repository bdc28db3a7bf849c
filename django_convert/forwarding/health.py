"""Forwarding health per destination, for ``convert_deliver --check`` and
``convert_doctor``: what waits, what failed, the last error, and what is never sent.

A few indexed counts per destination on (destination, status, next_attempt_at).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Max
from django.utils import timezone

from django_convert.conf import get_setting
from django_convert.forwarding.checks import check_forwarding
from django_convert.forwarding.config import configured, forward_setting
from django_convert.forwarding.outbox import forwarded
from django_convert.models.forwarding import DESTINATIONS
from django_convert.models.tenants import in_each_schema


@dataclass
class DestinationHealth:
    """One destination's state. ``problems``: what needs fixing, one sentence each
    (empty: healthy)."""

    name: str
    configured: bool
    pending: int = 0
    sending: int = 0
    overdue: int = 0
    failed_recently: int = 0
    failed: int = 0
    sent: int = 0
    last_sent_at: datetime | None = None
    last_error: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["last_sent_at"] = self.last_sent_at.isoformat() if self.last_sent_at else None
        return data

    def __str__(self) -> str:
        last = f"{self.last_sent_at:%Y-%m-%d %H:%M:%S %Z}" if self.last_sent_at else "never"
        state = "configured" if self.configured else "NOT configured"
        text = (
            f"{self.name} ({state}): pending {self.pending}, sending {self.sending}, overdue "
            f"{self.overdue}, failed recently {self.failed_recently} ({self.failed} in all), "
            f"sent {self.sent}; last sent: {last}"
        )
        if self.last_error:
            text += f"; last error: {self.last_error[:300]}"
        return text


def forwarding_health(now: datetime | None = None) -> list[DestinationHealth]:
    """The health of every destination that is configured, named in FORWARD, or has
    rows.

    Problems: a configuration error (checks E300-E306); events failed in the last
    ``HEALTH_FAILED_HOURS``; events pending past their due time by more than
    ``HEALTH_OVERDUE_SECONDS`` (no worker delivers them); rows waiting for a destination
    that is no longer configured (never sent until it is again).
    """
    now = now or timezone.now()
    visits = in_each_schema(lambda: forwarding_health(now))  # django-tenants: every schema
    if visits is not None:
        return _merged(visits)
    errors = [m for m in check_forwarding() if m.is_serious()]
    names = set(configured())
    # Named in FORWARD but left out (a missing credential): listed with its error.
    named = {str(name) for name in forward_setting() if name in DESTINATIONS}
    rows = forwarded()
    with_rows = set(rows.values_list("destination", flat=True).distinct())
    overdue_at = now - timedelta(seconds=float(get_setting("HEALTH_OVERDUE_SECONDS")))
    failed_since = now - timedelta(hours=float(get_setting("HEALTH_FAILED_HOURS")))
    report = []
    for name in [d for d in DESTINATIONS if d in names | named | with_rows]:
        mine = rows.filter(destination=name)
        health = DestinationHealth(name=name, configured=name in names)
        for status, count in mine.values_list("status").annotate(n=Count("pk")).order_by():
            setattr(health, status, count)
        health.overdue = mine.filter(status="pending", next_attempt_at__lt=overdue_at).count()
        health.failed_recently = mine.filter(
            status="failed", next_attempt_at__gte=failed_since
        ).count()
        health.last_sent_at = mine.filter(status="sent").aggregate(at=Max("sent_at"))["at"]
        last = (
            mine.exclude(last_error="")
            .order_by("-next_attempt_at")
            .values_list("last_error", flat=True)
            .first()
        )
        health.last_error = last or ""
        health.problems = [
            f"{m.msg} ({m.id})"
            for m in errors
            if f"[{name!r}]" in m.msg or m.id == "django_convert.E300"
        ]
        if not health.configured and health.pending:
            health.problems.append(
                f"{health.pending} event(s) wait for {name}, which is not configured in "
                "FORWARD: they are not sent until it is (or delete them in the admin)."
            )
        if health.configured and health.overdue:
            health.problems.append(
                f"{health.overdue} event(s) pending for more than HEALTH_OVERDUE_SECONDS: "
                "is a worker running (DELIVERY, convert_deliver)?"
            )
        if health.failed_recently:
            health.problems.append(
                f"{health.failed_recently} event(s) failed in the last "
                f"{get_setting('HEALTH_FAILED_HOURS'):g} hour(s): see Forwarded events in "
                "the admin."
            )
        report.append(health)
    return report


_COUNTS = ("pending", "sending", "overdue", "failed_recently", "failed", "sent")


def _merged(visits: Sequence[tuple[str, list[DestinationHealth]]]) -> list[DestinationHealth]:
    """django-tenants: one health per destination over every schema's forwarding outbox:
    counts summed, the latest delivery, and each schema's last error and problems,
    prefixed with ``[schema NAME]`` (configuration problems, the same in every schema,
    once)."""
    merged: dict[str, DestinationHealth] = {}
    for schema, healths in visits:
        for health in healths:
            into = merged.setdefault(
                health.name, DestinationHealth(name=health.name, configured=health.configured)
            )
            for count in _COUNTS:
                setattr(into, count, getattr(into, count) + getattr(health, count))
            if health.last_sent_at and (
                into.last_sent_at is None or health.last_sent_at > into.last_sent_at
            ):
                into.last_sent_at = health.last_sent_at
            if health.last_error and not into.last_error:
                into.last_error = f"[schema {schema}] {health.last_error}"
            for problem in health.problems:
                said = (
                    problem
                    if problem.endswith(")") and "(django_convert." in problem
                    else (f"[schema {schema}] {problem}")
                )
                if said not in into.problems:
                    into.problems.append(said)
    return [merged[name] for name in DESTINATIONS if name in merged]
