"""convert_doctor with no argument: project-wide checks (config age and source, rules'
goals, delivery health, the deploy checks). Read-only, and never the network."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from django_convert.conf import get_setting
from django_convert.delivery.health import delivery_health
from django_convert.models import ConfigSync, Experience
from django_convert.project.checks import check_goals, rule_goals
from django_convert.project.names import ProjectNames
from django_convert.project.sync import environment_note
from django_convert.reports.deploy_checks import (
    deploy_findings,
    is_local_url,
    standin_script,
    standin_sync,
)
from django_convert.reports.doctor import FAIL, OK, WARN, CheckItem, Diagnosis
from django_convert.reports.srm import configured_shares, format_share


def diagnose_project() -> Diagnosis:
    diagnosis = Diagnosis("project")
    diagnosis.items.append(config_item())
    diagnosis.items.append(allocation_item())
    diagnosis.items.extend(goal_items())
    diagnosis.items.extend(delivery_health_items())
    diagnosis.items.extend(forwarding_items())
    diagnosis.items.extend(go_live_items())
    return diagnosis


def go_live_items() -> list[CheckItem]:
    """The deploy checks (``check --deploy``): stand-ins with DEBUG False, plain http, a
    secret over it. An error fails; a warning warns. With DEBUG True, one line says the
    stand-ins are expected there."""
    title = "Conversions, config and script go to Convert, over https"
    # W043 (a config synced from a stand-in) is the config item's, above.
    findings = [f for f in deploy_findings() if f.message.id != "django_convert.W043"]
    if not findings:
        standins = [name for name, url in _urls() if is_local_url(url)]
        script = standin_script(get_setting("SCRIPT_URL"))
        if settings.DEBUG and (standins or script):
            what = ", ".join(standins + (["SCRIPT_URL"] if script else []))
            return [
                CheckItem(
                    "go_live",
                    title,
                    WARN,
                    f"{what} point at stand-ins: fine while DEBUG is True; `check --deploy` "
                    "reports them once DEBUG is False.",
                    "Remove them from the production settings.",
                )
            ]
        return [CheckItem("go_live", title, OK, "Convert's URLs, over https.")]
    return [
        CheckItem(
            f"go_live:{finding.message.id}",
            title,
            FAIL if finding.message.is_serious() else WARN,
            f"{finding.message.msg} ({finding.message.id})",
            finding.message.hint or "",
        )
        for finding in findings
    ]


def _urls() -> list[tuple[str, object]]:
    return [(name, get_setting(name)) for name in ("TRACKING_URL", "CONFIG_URL")]


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
        f"{good.experiences} experiences, {good.goals} goals{environment_note(good)}."
    )
    standin = standin_sync(good)
    if standin:  # a sample project's names are never fresh, however recent
        return CheckItem(
            "config",
            title,
            WARN if settings.DEBUG else FAIL,
            f"{detail} But {standin}: not your Convert project's config.",
            "Point CONFIG_URL at Convert (the default) and run manage.py convert_sync.",
        )
    if good.warnings:
        return CheckItem(
            "config",
            title,
            WARN,
            f"{detail} {len(good.warnings)} item(s) could not be used and were skipped: "
            + " ".join(good.warnings[:5]),
            "Convert > Config syncs in the admin lists them; ask Convert about the items "
            "named, the rest of the config is in use.",
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


def allocation_item() -> CheckItem:
    """The active experiences' traffic split as the report's sample-ratio check reads it."""
    title = "The active experiences' traffic allocations are known"
    experiences = (
        Experience.objects.filter(in_config=True, status=Experience.Status.ACTIVE)
        .prefetch_related("variations")
        .order_by("id")
    )
    splits, assumed, over = [], [], []
    for experience in experiences:
        variations = list(experience.variations.all())
        shares = configured_shares({v.id: v for v in variations})
        given = [v.traffic_allocation for v in variations if v.traffic_allocation is not None]
        splits.append(f"{experience}: " + " / ".join(format_share(s) for s in shares.values()))
        if len(given) < len(variations):
            assumed.append(str(experience))
        total = sum(given, Decimal(0))
        if total > 100:
            over.append(f"{experience} ({format_share(total)})")
    if not splits:
        return CheckItem("allocation", title, OK, "No active experience in the synced config.")
    detail = "; ".join(splits) + "."
    if over:
        return CheckItem(
            "allocation",
            title,
            WARN,
            f"{detail} Allocations above 100 % in all: {', '.join(over)}.",
            "Check the experience's traffic distribution in Convert: its SDKs give the "
            "variations after the first 100 % no visitors.",
        )
    if assumed:
        return CheckItem(
            "allocation",
            title,
            WARN,
            f"{detail} Equal shares assumed where the config gives no allocation: "
            f"{', '.join(assumed)}.",
            "Set the traffic distribution in Convert and sync again; the report's "
            "sample-ratio check compares with these shares.",
        )
    return CheckItem("allocation", title, OK, detail)


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


#: What to do about each problem delivery/health.py names.
DELIVERY_ADVICE = {
    "overdue": "Start a worker (manage.py convert_deliver --loop), or check DELIVERY, the "
    "worker's log and `manage.py check` (W030: threads that cannot run).",
    "stuck": "Their worker died mid-send; a running worker picks them up after LEASE_SECONDS. "
    "If none does, start one (manage.py convert_deliver --loop).",
    "failed": "Open Conversions in the admin filtered by status 'failed': each shows Convert's "
    "answer. Fix the cause, then 'Retry selected conversions'.",
    "silent": "Convert has refused or been unreachable for a long time: read the last error "
    "of a pending conversion in the admin.",
    "held": "Enable threads where the web server runs the delivery thread (manage.py check: "
    "W030/W031), or deliver with convert_deliver --loop, Celery or Django Tasks.",
    "foreign": "Point TRACKING_URL at Convert's tracking API, or let the tracking POST past "
    "the proxy or captive portal that answers it.",
    "resent": "Nothing to fix here if it was a blip; if it keeps happening, find what cuts "
    "Convert's answers (TIMEOUT too short, a proxy, an unstable database).",
}
DELIVERY_TITLES = {
    "overdue": "No conversion is overdue",
    "stuck": "No conversion is stuck in 'sending'",
    "failed": "No conversion failed recently",
    "silent": "Conversions were delivered recently",
    "held": "No conversion is held by a frozen worker",
    "foreign": "Every answer came from Convert",
    "resent": "No conversion was sent twice",
}


def delivery_health_items() -> list[CheckItem]:
    """The delivery layer's health (:func:`django_convert.delivery.health.delivery_health`)
    as checklist items: one summary, then one failing item per problem."""
    health = delivery_health()
    sent = (
        f"; last sent {health.last_sent_at:%Y-%m-%d %H:%M}"
        if health.last_sent_at
        else "; none sent yet"
    )
    summary = (
        f"Outbox ({health.database}, DELIVERY={health.delivery!r}): {health.pending} pending, "
        f"{health.sending} sending, {health.failed_recently} failed recently{sent}."
    )
    items = [CheckItem("delivery", "Conversions are being delivered", OK, summary)]
    for problem in health.problems:
        items.append(
            CheckItem(
                f"delivery_{problem.code}",
                DELIVERY_TITLES.get(problem.code, problem.code),
                FAIL,
                problem.message,
                DELIVERY_ADVICE.get(problem.code, ""),
            )
        )
    return items


def forwarding_items() -> list[CheckItem]:
    """One item per analytics destination configured in FORWARD or holding rows
    (:func:`django_convert.forwarding.health.forwarding_health`): pass with its counts and
    last error, or fail with what to fix. None configured: one passing line saying so."""
    from django_convert.forwarding.health import forwarding_health

    report = forwarding_health()
    if not report:
        return [
            CheckItem(
                "forwarding",
                "Forwarding to analytics tools",
                OK,
                "FORWARD configures no destination: nothing is forwarded (by design).",
            )
        ]
    return [
        CheckItem(
            f"forwarding_{health.name}",
            f"Forwarding to {health.name}",
            OK if health.ok else FAIL,
            str(health),
            " ".join(health.problems),
        )
        for health in report
    ]


def _hours(age: timedelta) -> str:
    hours = age.total_seconds() / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.0f} days"
