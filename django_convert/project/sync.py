"""Fetch the project's configuration from Convert and store it, keeping the last good copy.

Callers: ``manage.py convert_sync``, the "Sync now" button on the Experience admin, and
:func:`sync_if_stale` from workers (``convert_deliver --loop``, the periodic tasks) every
``CONFIG_SYNC_INTERVAL`` seconds. Never from a visitor's request.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from datetime import timedelta

from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connections, models, transaction
from django.utils import timezone

from django_convert.client import ConfigClient, ConfigSource, ProjectConfig
from django_convert.conf import SETTINGS_NAME, get_setting
from django_convert.exceptions import ConvertAPIError
from django_convert.models import ConfigSync, Experience, Goal, Variation

logger = logging.getLogger("django_convert")

UPSERT_BATCH = 500  # rows per INSERT ... ON CONFLICT statement
KEEP_ATTEMPTS = 100  # ConfigSync rows kept; the last good one is always kept too
WORKER_CHECK_SECONDS = 30.0  # a busy delivery loop asks "is the copy stale?" this often
_next_worker_check = 0.0  # time.monotonic() of the next check in this process
_clients: dict[ConfigSource, ConfigClient] = {}
_lock = threading.Lock()


def config_source() -> ConfigSource:
    """A ConfigSource from DJANGO_CONVERT, or ImproperlyConfigured saying what to fix."""

    def text(name: str) -> str | None:
        value = get_setting(name)
        return None if value in (None, "") else str(value)

    try:
        return ConfigSource(
            config_url=str(get_setting("CONFIG_URL")),
            account_id=text("ACCOUNT_ID"),
            project_id=text("PROJECT_ID"),
            sdk_key=text("SDK_KEY"),
            sdk_secret=text("SDK_SECRET"),
            environment=text("ENVIRONMENT"),
            user_agent=str(get_setting("USER_AGENT")),
            timeout=float(get_setting("TIMEOUT")),
        )
    except (TypeError, ValueError) as exc:
        raise ImproperlyConfigured(f"{SETTINGS_NAME}: {exc}") from exc


def get_config_client() -> ConfigClient:
    """The client for the current settings, its session reused across calls."""
    source = config_source()
    with _lock:
        client = _clients.get(source)
        if client is None:
            client = _clients[source] = ConfigClient(source)
        return client


def last_good_sync() -> ConfigSync | None:
    return ConfigSync.objects.filter(ok=True).first()


def what_is_kept() -> str:
    """For failure messages: whether an earlier copy still serves names and checks."""
    if last_good_sync() is None:
        return "there is no synced copy yet: the admin shows ids without names"
    return "the last good copy is kept"


def sync_project_config(*, trigger: str = "command") -> ConfigSync:
    """Fetch and store the configuration; returns the attempt's ConfigSync row.

    A failure (settings, network, Convert's answer) is recorded on the row and logged as
    a WARNING, and the stored copy is left as it was. Never raises for those.
    """
    attempt = ConfigSync.objects.create(trigger=trigger[:32])
    try:
        client = get_config_client()
        attempt.url = client.source.endpoint[:500]
        config = client.fetch()
    except (ConvertAPIError, ImproperlyConfigured) as exc:
        attempt.error = str(exc)
        attempt.finished_at = timezone.now()
        attempt.save(update_fields=["url", "error", "finished_at"])
        logger.warning("Convert project config not synced (%s): %s", what_is_kept(), exc)
        return attempt
    previous = last_good_sync()
    try:
        store_config(config, attempt)
    except DatabaseError as exc:  # e.g. a name the database's charset cannot store
        attempt.error = f"Could not store the config: {exc}"
        attempt.finished_at = timezone.now()
        attempt.save(update_fields=["url", "error", "finished_at"])
        logger.error("Convert project config not stored (%s): %s", what_is_kept(), exc)
        return attempt
    _prune()
    logger.info(
        "Convert project config synced: %d experiences, %d variations, %d goals%s.",
        attempt.experiences,
        attempt.variations,
        attempt.goals,
        environment_note(attempt),
    )
    if attempt.warnings:
        # Said as a WARNING when the list changes; a periodic sync of the same config says
        # it again at INFO, so an hourly sync does not repeat the warning all day.
        same = previous is not None and previous.warnings == attempt.warnings
        logger.log(
            logging.INFO if same else logging.WARNING,
            "Convert project config synced, but %d item(s) could not be used and were "
            "skipped%s (see Convert > Config syncs in the admin): %s",
            len(attempt.warnings),
            ", as in the previous sync" if same else "",
            " ".join(attempt.warnings[:5]) + (" ..." if len(attempt.warnings) > 5 else ""),
        )
    return attempt


def environment_note(attempt: ConfigSync) -> str:
    """``" of environment 'staging' (left out: 2 experience(s) of production)"``, or ""
    when no ENVIRONMENT was asked for."""
    if not attempt.environment:
        return ""
    others = attempt.other_environments or {}
    left_out = (
        f" (left out: {left_out_count(attempt)} experience(s) of {', '.join(sorted(others))})"
        if others
        else ""
    )
    return f" of environment {attempt.environment!r}{left_out}"


def left_out_count(attempt: ConfigSync) -> int:
    """How many experiences of other environments the sync left out."""
    return sum((attempt.other_environments or {}).values())


def sync_if_stale(*, trigger: str = "interval") -> ConfigSync | None:
    """Sync when the last good copy is older than CONFIG_SYNC_INTERVAL; else do nothing.

    A failed attempt is retried after CONFIG_SYNC_RETRY_DELAY, and an attempt still
    running (another worker) is left alone. ``CONFIG_SYNC_INTERVAL = 0`` turns this off.
    Returns the new attempt, or None when none was due. Costs two small queries.
    """
    interval = float(get_setting("CONFIG_SYNC_INTERVAL") or 0)
    if interval <= 0:
        return None
    now = timezone.now()
    last = ConfigSync.objects.first()
    if last is not None:
        age = (now - last.started_at).total_seconds()
        if last.finished_at is None and age < 2 * float(get_setting("TIMEOUT")) + 5:
            return None  # someone is syncing right now
        if not last.ok and age < float(get_setting("CONFIG_SYNC_RETRY_DELAY")):
            return None
    good = last if last is not None and last.ok else last_good_sync()
    if good is not None and now - good.started_at < timedelta(seconds=interval):
        return None
    return sync_project_config(trigger=trigger)


def sync_if_stale_in_worker(trigger: str = "interval") -> None:
    """:func:`sync_if_stale` for worker loops, asking the database at most every
    WORKER_CHECK_SECONDS. Any error is logged, never raised, so a config problem never
    stops conversions from being delivered."""
    global _next_worker_check
    now = time.monotonic()
    if now < _next_worker_check:
        return
    _next_worker_check = now + WORKER_CHECK_SECONDS
    try:
        sync_if_stale(trigger=trigger)
    except Exception:
        logger.exception("Convert project config sync failed; delivery goes on.")


@transaction.atomic
def store_config(config: ProjectConfig, attempt: ConfigSync) -> ConfigSync:
    """Replace the local copy with ``config`` in one transaction, and mark ``attempt`` ok.

    Rows that the new config no longer lists (experiences of other environments
    included) are kept with ``in_config=False``, so old bucketing and conversions keep
    their names. Ids in ``archived_experiences`` are stored with the status "archived".
    The items the parser skipped are stored in ``attempt.warnings``.
    """
    now = timezone.now()
    goals = {
        g.id: Goal(id=g.id, key=g.key, name=g.name, type=g.type, in_config=True, synced_at=now)
        for g in config.goals
    }
    for experience in config.experiences:  # a goal id an experience names but not listed
        for goal_id in experience.goal_ids:
            goals.setdefault(goal_id, Goal(id=goal_id, in_config=True, synced_at=now))
    _upsert(Goal, goals, ["key", "name", "type", "in_config", "synced_at"])
    Goal.objects.exclude(pk__in=list(goals)).update(in_config=False)

    experiences = {
        e.id: Experience(
            id=e.id,
            key=e.key,
            name=e.name,
            status=e.status,
            type=e.type,
            environment=e.environment,
            synced_at=now,
        )
        for e in config.experiences
    }
    archived = config.archived_experience_ids
    known = set(Experience.objects.filter(pk__in=archived).values_list("pk", flat=True))
    for archived_id in config.archived_experience_ids:
        if archived_id in experiences:
            continue
        if archived_id in known:
            Experience.objects.filter(pk=archived_id).update(
                status=Experience.Status.ARCHIVED, in_config=True, synced_at=now
            )
        else:
            experiences[archived_id] = Experience(
                id=archived_id, status=Experience.Status.ARCHIVED, synced_at=now
            )
    _upsert(
        Experience,
        experiences,
        ["key", "name", "status", "type", "environment", "in_config", "synced_at"],
    )
    Experience.objects.exclude(pk__in=[*experiences, *config.archived_experience_ids]).update(
        in_config=False
    )

    through = Experience.goals.through
    synced_ids = [e.id for e in config.experiences]
    through.objects.filter(experience_id__in=synced_ids).delete()
    through.objects.bulk_create(
        [
            through(experience_id=e.id, goal_id=goal_id)
            for e in config.experiences
            for goal_id in dict.fromkeys(e.goal_ids)
        ]
    )

    variations = {
        v.id: Variation(
            id=v.id,
            experience_id=e.id,
            key=v.key,
            name=v.name,
            status=v.status,
            traffic_allocation=v.traffic_allocation,
            synced_at=now,
        )
        for e in config.experiences
        for v in e.variations
    }
    _upsert(
        Variation,
        variations,
        ["experience", "key", "name", "status", "traffic_allocation", "in_config", "synced_at"],
    )
    # Variations of archived experiences stay "in config": the experience is still known.
    Variation.objects.exclude(pk__in=list(variations)).exclude(
        experience_id__in=config.archived_experience_ids
    ).update(in_config=False)

    attempt.ok = True
    attempt.error = ""
    attempt.finished_at = timezone.now()
    attempt.experiences = len(config.experiences)
    attempt.variations = config.variation_count
    attempt.goals = len(config.goals)
    attempt.environment = config.environment[:64]
    attempt.other_environments = dict(config.other_environments)
    attempt.warnings = list(config.warnings)
    attempt.save()
    return attempt


def _upsert(model: type[models.Model], rows: Mapping[str, models.Model], fields: list[str]) -> None:
    """Insert or update by primary key, in one statement per batch (INSERT ... ON CONFLICT
    on PostgreSQL and SQLite, ON DUPLICATE KEY UPDATE on MySQL/MariaDB, which takes no
    conflict target)."""
    manager = model._default_manager
    target = (
        ["pk"] if connections[manager.db].features.supports_update_conflicts_with_target else None
    )
    manager.bulk_create(
        list(rows.values()),
        batch_size=UPSERT_BATCH,
        update_conflicts=True,
        unique_fields=target,
        update_fields=fields,
    )


def _prune() -> None:
    keep = list(ConfigSync.objects.values_list("pk", flat=True)[:KEEP_ATTEMPTS])
    good = last_good_sync()
    if good is not None:
        keep.append(good.pk)
    ConfigSync.objects.exclude(pk__in=keep).delete()


def reset_config_clients() -> None:
    """Forget (and close) every config client, e.g. after settings change in tests."""
    with _lock:
        clients = list(_clients.values())
        _clients.clear()
    for client in clients:
        client.close()
