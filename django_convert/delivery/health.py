"""Is delivery working? One structured answer for ``convert_deliver --check``, the admin's
conversion list and ``convert_doctor``.

Read-only: indexed queries on the outbox's write database (a lagging replica would
report rows as stuck that were sent long ago) and the hourly ``DeliveryTally``. What
counts as a problem (settings):

- ``overdue``: rows ``pending`` more than ``HEALTH_OVERDUE_SECONDS`` past their due time:
  nothing is delivering (no worker, no cron, no task worker, threads that cannot run).
- ``stuck``: rows ``sending`` more than ``HEALTH_OVERDUE_SECONDS`` past their lease: their
  worker died and nothing has picked them up since.
- ``failed``: rows that failed in the last ``HEALTH_FAILED_HOURS`` hours.
- ``silent``: no delivery for ``HEALTH_SILENCE_HOURS`` hours while conversions recorded
  longer ago than that are still unsent (e.g. Convert refusing every retry for a day).
- ``held``: rows ``sending`` for longer than a request and its recording can take
  (``2 x TIMEOUT + 30`` s) while their lease runs: a worker frozen mid-batch (a thread
  that runs only during requests) holds them; nothing sends them until the lease ends.
- ``foreign``: answers that were not Convert's in the last ``HEALTH_FAILED_HOURS`` hours
  (an HTML page, an empty or truncated body, a redirect): a wrong ``TRACKING_URL``, a
  proxy or a captive portal. They are retried, never counted as delivered.
- ``resent``: conversions delivered in the last ``HEALTH_FAILED_HOURS`` hours after an
  attempt whose outcome is unknown (no complete answer, or an expired lease): Convert
  may have counted them twice.

Besides, ``retries`` gives the conversions sent back to wait in that window by reason
(``unavailable``, ``rate_limited``, ``unreachable``, ``no_answer``, ``truncated``,
``foreign_answer``, ``redirect``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Min
from django.utils import timezone

from django_convert.client.transport import FOREIGN_ANSWER, REDIRECT, TRUNCATED
from django_convert.conf import get_setting
from django_convert.delivery import tally
from django_convert.delivery.claim import outbox, outbox_alias
from django_convert.models.tenants import in_each_schema

#: Retry reasons that mean the answer was not Convert's.
FOREIGN_REASONS = (FOREIGN_ANSWER, REDIRECT, TRUNCATED)
HELD_MARGIN = 30.0  # seconds of recording allowed beyond 2 x TIMEOUT


@dataclass(frozen=True)
class HealthProblem:
    code: str  # "overdue" | "stuck" | "failed" | "silent" | "held" | "foreign" | "resent"
    count: int  # conversions concerned
    message: str  # one sentence a shop owner can act on


@dataclass(frozen=True)
class DeliveryHealth:
    """The state of the outbox at ``checked_at``; ``problems`` is empty when all is well."""

    checked_at: datetime
    database: str  # the alias the outbox was read on
    delivery: str  # the DELIVERY setting
    pending: int
    sending: int
    overdue: int
    overdue_since: datetime | None  # the oldest overdue row's due time
    stuck: int
    failed_recently: int
    last_sent_at: datetime | None
    unsent_old: int  # unsent rows recorded more than HEALTH_SILENCE_HOURS ago
    held: int = 0  # sending longer than a request can take, lease not yet run out
    resent_recently: int = 0  # delivered after an attempt with an unknown outcome
    retries: dict[str, int] = field(default_factory=dict)  # reason -> conversions, recently
    last_foreign: str = ""  # the last answer that was not Convert's, as recorded
    problems: tuple[HealthProblem, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: datetimes as ISO 8601 strings, problems as dicts, plus ``ok``."""
        data = asdict(self)
        for key, value in data.items():
            if isinstance(value, datetime):
                data[key] = value.isoformat()
        data["problems"] = [asdict(problem) for problem in self.problems]
        data["ok"] = self.ok
        return data


def delivery_health(now: datetime | None = None) -> DeliveryHealth:
    """Measure the outbox now (or at ``now``) and name what is wrong.

    Raises the database's errors (e.g. the table does not exist before ``migrate``).
    """
    now = now or timezone.now()
    visits = in_each_schema(lambda: delivery_health(now))  # django-tenants: every schema
    if visits is not None:
        return _merged_health(visits)
    overdue_after = timedelta(seconds=float(get_setting("HEALTH_OVERDUE_SECONDS")))
    failed_hours = float(get_setting("HEALTH_FAILED_HOURS"))
    silence_hours = float(get_setting("HEALTH_SILENCE_HOURS"))
    rows = outbox()
    counts = rows.filter(status__in=("pending", "sending")).values("status").annotate(n=Count("pk"))
    by_status = {item["status"]: item["n"] for item in counts}
    overdue = rows.filter(status="pending", next_attempt_at__lt=now - overdue_after).aggregate(
        n=Count("pk"), since=Min("next_attempt_at")
    )
    stuck = rows.filter(status="sending", next_attempt_at__lt=now - overdue_after).count()
    # A failed row's next_attempt_at is when it failed (outcome.mark_failed).
    failed = rows.filter(
        status="failed", next_attempt_at__gte=now - timedelta(hours=failed_hours)
    ).count()
    # The most recently claimed sent row, found on the (status, next_attempt_at) index;
    # sent_at has no index of its own (one more write per conversion).
    last_sent_at = (
        rows.filter(status="sent").order_by("-next_attempt_at").values_list("sent_at", flat=True)
    ).first()
    unsent_old = rows.filter(
        status__in=("pending", "sending"), created_at__lt=now - timedelta(hours=silence_hours)
    ).count()
    # A sending row's next_attempt_at is its lease expiry: claimed LEASE_SECONDS before.
    lease = timedelta(seconds=float(get_setting("LEASE_SECONDS")))
    expected = timedelta(seconds=2 * float(get_setting("TIMEOUT")) + HELD_MARGIN)
    held = rows.filter(
        status="sending",
        next_attempt_at__lt=now + lease - expected,
        next_attempt_at__gte=now - overdue_after,
    ).count()
    counted = tally.since(now - timedelta(hours=failed_hours))
    retries = {
        event.removeprefix("retry:"): n
        for event, n in counted.items()
        if event.startswith("retry:")
    }
    last_foreign = ""
    if any(retries.get(reason) for reason in FOREIGN_REASONS):
        last_foreign = (
            rows.filter(status="pending", retry_reason__in=FOREIGN_REASONS)
            .order_by("-next_attempt_at")
            .values_list("last_error", flat=True)
            .first()
        ) or ""
    health = DeliveryHealth(
        checked_at=now,
        database=outbox_alias(),
        delivery=str(get_setting("DELIVERY")),
        pending=by_status.get("pending", 0),
        sending=by_status.get("sending", 0),
        overdue=overdue["n"],
        overdue_since=overdue["since"],
        stuck=stuck,
        failed_recently=failed,
        last_sent_at=last_sent_at,
        unsent_old=unsent_old,
        held=held,
        resent_recently=counted.get("resent", 0),
        retries=retries,
        last_foreign=last_foreign[:300],
    )
    problems = _problems(health, overdue_after, failed_hours, silence_hours)
    return DeliveryHealth(**{**health.__dict__, "problems": tuple(problems)})


def _who_delivers(mode: str) -> str:
    return {
        "manual": "run `manage.py convert_deliver` (cron, or --loop as a service)",
        "task": "check that the Django Tasks worker runs, and run `convert_deliver` from cron",
        "celery": "check that the Celery worker runs, and schedule django_convert.deliver_due "
        "with celery beat",
    }.get(
        mode,
        "check that the web processes serve requests and can run threads (manage.py check), "
        "or run `manage.py convert_deliver --loop`",
    )


def _problems(
    health: DeliveryHealth, overdue_after: timedelta, failed_hours: float, silence_hours: float
) -> list[HealthProblem]:
    problems = []
    seconds = f"{overdue_after.total_seconds():g}s"
    if health.overdue:
        problems.append(
            HealthProblem(
                "overdue",
                health.overdue,
                f"{health.overdue} conversion(s) pending more than {seconds} past their due time "
                f"(the oldest due since {health.overdue_since:%Y-%m-%d %H:%M:%S %Z}): nothing is "
                f"delivering them. DELIVERY is {health.delivery!r}: "
                f"{_who_delivers(health.delivery)}.",
            )
        )
    if health.stuck:
        problems.append(
            HealthProblem(
                "stuck",
                health.stuck,
                f"{health.stuck} conversion(s) still 'sending' more than {seconds} after their "
                "lease ran out: the worker that claimed them died and no worker has taken them "
                f"over. DELIVERY is {health.delivery!r}: {_who_delivers(health.delivery)}.",
            )
        )
    if health.failed_recently:
        problems.append(
            HealthProblem(
                "failed",
                health.failed_recently,
                f"{health.failed_recently} conversion(s) failed in the last {failed_hours:g} "
                "hour(s): the admin's Conversions list (status: failed) shows Convert's answer; "
                "fix the cause, then use the 'Retry selected conversions' action.",
            )
        )
    silent_since = health.checked_at - timedelta(hours=silence_hours)
    if health.unsent_old and (health.last_sent_at is None or health.last_sent_at < silent_since):
        last = f"{health.last_sent_at:%Y-%m-%d %H:%M:%S %Z}" if health.last_sent_at else "never"
        problems.append(
            HealthProblem(
                "silent",
                health.unsent_old,
                f"No conversion delivered for more than {silence_hours:g} hour(s) (last: "
                f"{last}) while {health.unsent_old} recorded before then are still unsent: "
                "see their last error in the admin.",
            )
        )
    if health.held:
        problems.append(
            HealthProblem(
                "held",
                health.held,
                f"{health.held} conversion(s) 'sending' for longer than a request to Convert and "
                "its recording can take, their lease still running: the worker that claimed "
                "them is frozen or hung (a thread that runs only during requests: manage.py "
                "check, W030/W031). They go out again when the lease ends.",
            )
        )
    foreign = sum(health.retries.get(reason, 0) for reason in FOREIGN_REASONS)
    if foreign:
        last = f" Last: {health.last_foreign}" if health.last_foreign else ""
        problems.append(
            HealthProblem(
                "foreign",
                foreign,
                f"{foreign} conversion(s) got an answer that is not Convert's in the last "
                f"{failed_hours:g} hour(s) (an HTML page, an empty or truncated body, a "
                "redirect): check TRACKING_URL and any proxy or captive portal in between. "
                f"They are retried, not counted as delivered.{last}",
            )
        )
    if health.resent_recently:
        problems.append(
            HealthProblem(
                "resent",
                health.resent_recently,
                f"{health.resent_recently} conversion(s) delivered in the last {failed_hours:g} "
                "hour(s) had been sent before without an answer (a timeout, a lost connection, "
                "a worker's lease that ran out): Convert may have counted them twice.",
            )
        )
    return problems


def _merged_health(visits: Sequence[tuple[str, DeliveryHealth]]) -> DeliveryHealth:
    """django-tenants: the schemas' health as one (``--check`` never says OK while rows
    wait in a schema it did not look at): counts summed, the oldest overdue row, the latest
    delivery, and every schema's problems, prefixed with ``[schema NAME]``."""
    schemas = [schema for schema, _ in visits]
    healths = [health for _, health in visits]
    if not healths:  # no tenant yet
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
        held=sum(h.held for h in healths),
        resent_recently=sum(h.resent_recently for h in healths),
        retries={
            reason: sum(h.retries.get(reason, 0) for h in healths)
            for reason in sorted({reason for h in healths for reason in h.retries})
        },
        last_foreign=next((h.last_foreign for h in healths if h.last_foreign), ""),
        problems=problems,
    )
