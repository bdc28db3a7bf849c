"""System checks against the last synced project config (django_convert.W200-W207, I202).

They read the local copy only and never the network, so ``manage.py check`` stays fast
and works offline. Before the first sync there is one Info hint, not a warning per rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from django.core.checks import CheckMessage, Info, Warning
from django.db import DatabaseError, connections, router
from django.utils import timezone

from django_convert.conf import SETTINGS_NAME, get_setting
from django_convert.conversions.registry import registered_rules
from django_convert.models import ConfigSync, Experience
from django_convert.project.names import ProjectNames
from django_convert.project.sync import left_out_count

SYNC_HINT = "Run `python manage.py convert_sync` (or the Experience admin's 'Sync now' button)."


def rule_goals() -> list[tuple[str, str]]:
    """``(where, goal_id)`` for each conversion rule with a fixed goal id."""
    found: list[tuple[str, str]] = []
    conversions = get_setting("CONVERSIONS")
    if isinstance(conversions, list | tuple):
        for index, entry in enumerate(conversions):
            if isinstance(entry, Mapping) and entry.get("goal_id") not in (None, ""):
                where = f"{SETTINGS_NAME}['CONVERSIONS'][{index}]"
                found.append((where, str(entry["goal_id"])))
    for rule in registered_rules():
        if rule.goal_id:
            found.append((rule.origin, str(rule.goal_id)))
    return found


def check_project_config() -> list[CheckMessage]:
    try:
        if not _migrated():
            return []  # before migrate: migrate creates the tables, nothing to check yet
        last = ConfigSync.objects.first()
        good = last if last is not None and last.ok else ConfigSync.objects.filter(ok=True).first()
        messages = _sync_messages(last, good)
        if good is not None:
            messages.extend(check_environment(good))
            messages.extend(check_goals(ProjectNames(), rule_goals()))
        return messages
    except DatabaseError:  # no database to read (e.g. check run in a build step)
        return []


def _migrated() -> bool:
    connection = connections[router.db_for_read(ConfigSync)]
    return ConfigSync._meta.db_table in connection.introspection.table_names()


def _sync_messages(last: ConfigSync | None, good: ConfigSync | None) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    if last is not None and not last.ok and last.finished_at is not None:
        kept = (
            f"the checks use the copy from {good.started_at:%Y-%m-%d %H:%M}"
            if good
            else ("there is no good copy")
        )
        messages.append(
            Warning(
                f"The last project config sync ({last.started_at:%Y-%m-%d %H:%M}) failed: "
                f"{last.error}; {kept}.",
                hint=f"Check CONFIG_URL, the ids and SDK_SECRET, then: {SYNC_HINT}",
                id="django_convert.W203",
            )
        )
    if good is None:
        if not messages:
            messages.append(
                Info(
                    "No project config has been synced from Convert yet, so goal ids are not "
                    "checked and the admin shows ids without names.",
                    hint=SYNC_HINT,
                    id="django_convert.I202",
                )
            )
        return messages
    interval = float(get_setting("CONFIG_SYNC_INTERVAL") or 0)
    if interval > 0 and timezone.now() - good.started_at > timedelta(seconds=2 * interval):
        messages.append(
            Warning(
                f"The project config was last synced at {good.started_at:%Y-%m-%d %H:%M}, more "
                f"than twice CONFIG_SYNC_INTERVAL ({interval:g} s) ago.",
                hint="Run `convert_deliver --loop`, the periodic task or a cron job calling "
                "`convert_sync --if-stale`; see the project config docs.",
                id="django_convert.W204",
            )
        )
    return messages


def check_environment(good: ConfigSync) -> list[CheckMessage]:
    """W205: the good copy skipped items; W206: it mixes environments while ENVIRONMENT is
    not set; W207: ENVIRONMENT left out every experience the config has."""
    messages: list[CheckMessage] = []
    if good.warnings:
        shown = " ".join(good.warnings[:3]) + (" ..." if len(good.warnings) > 3 else "")
        messages.append(
            Warning(
                f"The project config synced at {good.started_at:%Y-%m-%d %H:%M} had "
                f"{len(good.warnings)} item(s) that could not be used and were skipped: "
                f"{shown}",
                hint="The rest of the config is in use. Convert > Config syncs in the admin "
                "lists every skipped item; ask Convert about them if they matter to you.",
                id="django_convert.W205",
            )
        )
    environment = get_setting("ENVIRONMENT")
    if not environment:
        found = sorted(
            set(
                Experience.objects.filter(in_config=True)
                .exclude(environment="")
                .values_list("environment", flat=True)
            )
        )
        if len(found) > 1:
            messages.append(
                Warning(
                    "The synced project config holds experiences of several environments "
                    f"({', '.join(found)}), and ENVIRONMENT is not set: names, checks and "
                    "the doctor treat them all as this site's.",
                    hint=f'Set {SETTINGS_NAME}["ENVIRONMENT"] to the environment this site '
                    f"runs in (one of {', '.join(found)}), then: {SYNC_HINT}",
                    id="django_convert.W206",
                )
            )
    elif good.other_environments and not good.experiences:
        others = ", ".join(sorted(good.other_environments))
        messages.append(
            Warning(
                f"{SETTINGS_NAME}['ENVIRONMENT'] is {environment!r}, and the project config "
                f"has no experience of it: all {left_out_count(good)} were left out as "
                f"experiences of other environments ({others}).",
                hint=f"Use one of the environment names the project uses ({others}), "
                f"then: {SYNC_HINT}",
                id="django_convert.W207",
            )
        )
    return messages


def check_goals(names: ProjectNames, goals: list[tuple[str, str]]) -> list[CheckMessage]:
    """W200 for a goal the project does not have; W201 for one no active experience tracks."""
    messages: list[CheckMessage] = []
    for where, goal_id in goals:
        verdict = names.goal(goal_id)
        if verdict.problem:
            messages.append(
                Warning(
                    f"{where}: goal_id {goal_id} is not a goal of the synced Convert project, "
                    "so Convert will not count these conversions.",
                    hint="Copy the goal id from Convert (Goals), or create the goal there and "
                    f"sync again. {SYNC_HINT}",
                    id="django_convert.W200",
                )
            )
            continue
        experience_ids = names.goal_experiences.get(goal_id, set())
        active = [e for e in experience_ids if not names.experience(e).problem]
        if not active:
            messages.append(
                Warning(
                    f"{where}: goal {verdict.label} is attached to no active experience, so "
                    "its conversions show in no experience report.",
                    hint="Attach the goal to the experience in Convert (the experience's "
                    f"goals), or activate the experience, then sync again. {SYNC_HINT}",
                    id="django_convert.W201",
                )
            )
    return messages
