"""convert_doctor with no argument: project-wide checks (config age, rules' goals,
delivery health). Read-only, and never the network."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Max
from django.utils import timezone

from django_convert.conf import get_setting
from django_convert.models import ConfigSync, Conversion
from django_convert.project.checks import check_goals, rule_goals
from django_convert.project.names import ProjectNames
from django_convert.reports.doctor import FAIL, OK, WARN, CheckItem, Diagnosis

#: A pending conversion overdue by this much means no worker is delivering.
OVERDUE = timedelta(minutes=10)
RECENT = timedelta(hours=24)


def diagnose_project() -> Diagnosis:
    diagnosis = Diagnosis("project")
    diagnosis.items.append(config_item())
    diagnosis.items.extend(goal_items())
    diagnosis.items.extend(delivery_health_items())
    return diagnosis


def config_item() -> CheckItem:
    title = "The project config is synced and fresh"
    last = ConfigSync.objects.first()
    good = last if last is not None and last.ok else ConfigSync.objects.filter(ok=True).first()
    if good is None:
        error = f" The last attempt failed: {last.error}" if last is not None else ""
        return CheckItem(
            "config",
            title,
            FAIL,
            f"No project config was ever synced.{error}",
            "Run manage.py convert_sync; check CONFIG_URL, the ids and SDK_SECRET.",
        )
    age = timezone.now() - good.started_at
    detail = (
        f"Last good copy from {good.started_at:%Y-%m-%d %H:%M} ({_hours(age)} old): "
        f"{good.experiences} experiences, {good.goals} goals."
    )
    if last is not None and not last.ok and last.finished_at is not None:
        return CheckItem(
            "config",
            title,
            WARN,
            f"{detail} The last sync failed: {last.error}",
            "Fix what the error names; the last good copy is used meanwhile.",
        )
    interval = float(get_setting("CONFIG_SYNC_INTERVAL") or 0)
    if interval > 0 and age > timedelta(seconds=2 * interval):
        return CheckItem(
            "config",
            title,
            WARN,
            f"{detail} Older than twice CONFIG_SYNC_INTERVAL.",
            "Run convert_deliver --loop, the periodic task, or cron convert_sync --if-stale.",
        )
    return CheckItem("config", title, OK, detail)


def goal_items() -> list[CheckItem]:
    title = "Each conversion rule's goal belongs to the project and an active experience"
    goals = rule_goals()
    if not goals:
        return [CheckItem("rules", title, OK, "No rule with a fixed goal id.")]
    if not ConfigSync.objects.filter(ok=True).exists():
        return [
            CheckItem(
                "rules",
                title,
                WARN,
                "No project config synced: the goals cannot be checked.",
                "Run manage.py convert_sync.",
            )
        ]
    names = ProjectNames()
    problems = {message.msg.split(":", 1)[0]: message for message in check_goals(names, goals)}
    items = []
    for where, goal_id in goals:
        message = problems.get(where)
        if message is None:
            label = names.goal(goal_id).label
            items.append(CheckItem(f"rule:{where}", title, OK, f"{where}: goal {label}."))
        else:
            fix = message.hint or ""
            items.append(CheckItem(f"rule:{where}", title, FAIL, message.msg, fix))
    return items


def delivery_health_items() -> list[CheckItem]:
    """A minimal delivery health check over the outbox (failed and overdue rows).

    Swap for django_convert.delivery.health once it exists; the items keep this shape.
    """
    title = "Conversions are being delivered"
    now = timezone.now()
    counts = dict(Conversion.objects.values_list("status").annotate(n=Count("pk")).order_by())
    failed = Conversion.objects.filter(
        status=Conversion.Status.FAILED, created_at__gte=now - RECENT
    ).count()
    overdue = Conversion.objects.filter(
        status__in=[Conversion.Status.PENDING, Conversion.Status.SENDING],
        next_attempt_at__lt=now - OVERDUE,
    ).count()
    last_sent = Conversion.objects.aggregate(last=Max("sent_at"))["last"]
    summary = ", ".join(f"{counts.get(s, 0)} {s}" for s in Conversion.Status.values)
    sent = f"; last sent {last_sent:%Y-%m-%d %H:%M}" if last_sent else "; none sent yet"
    items = [CheckItem("delivery", title, OK, f"Outbox: {summary}{sent}.")]
    if failed:
        items.append(
            CheckItem(
                "delivery_failed",
                "No conversion failed in the last 24 hours",
                FAIL,
                f"{failed} conversion(s) failed for good in the last 24 hours.",
                "Open Conversions in the admin filtered by status 'failed': each shows "
                "Convert's answer. Fix the cause, then 'Retry selected conversions'.",
            )
        )
    if overdue:
        items.append(
            CheckItem(
                "delivery_overdue",
                "No conversion is overdue",
                FAIL,
                f"{overdue} conversion(s) were due more than {OVERDUE} ago and are not sent.",
                "Start a worker (manage.py convert_deliver --loop) or check DELIVERY and "
                "the worker's log.",
            )
        )
    return items


def _hours(age: timedelta) -> str:
    hours = age.total_seconds() / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.0f} days"
