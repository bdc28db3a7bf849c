"""Bounds on what one visitor can make the ingest endpoint store.

- **Known experiences**: once a project config has been synced, only experience ids in it
  are stored (the local copy: project/sync.py). Convert made every id a real browser can
  report, so an id missing from the config is a forgery or a config older than the
  experience (``convert_sync`` fixes the latter).
- **Experiences per visitor**: at most ``INGEST_MAX_EXPERIENCES`` bucketing rows per
  visitor; new experiences beyond it are dropped (known ones keep updating). This also
  bounds what each of the visitor's conversions carries (``bucketingData``).

A body is already bounded by ``INGEST_MAX_BODY_BYTES`` and the serializer's per-field caps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django_convert.models import Bucketing, ConfigSync, Experience

# (latest successful sync's pk, the experience ids it left): re-read when a new sync lands.
_known: tuple[int, frozenset[str]] | None = None


def known_experience_ids(using: str) -> frozenset[str] | None:
    """The experience ids of the synced config, or None before any successful sync.

    One small query per call (the latest sync's pk); the ids themselves are read again
    only after a new sync.
    """
    global _known
    latest = (
        ConfigSync.objects.using(using)
        .filter(ok=True)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    if latest is None:
        return None
    if _known is None or _known[0] != latest:
        ids = Experience.objects.using(using).values_list("id", flat=True)
        _known = (latest, frozenset(ids))
    return _known[1]


def known_only(
    experiences: Sequence[Mapping[str, str]], using: str
) -> tuple[list[Mapping[str, str]], int]:
    """(the experiences the synced config knows, how many others were dropped)."""
    if not experiences:
        return list(experiences), 0
    known = known_experience_ids(using)
    if known is None:
        return list(experiences), 0
    kept = [experience for experience in experiences if experience["experienceId"] in known]
    return kept, len(experiences) - len(kept)


def within_limit(
    visitor_pk: int,
    experiences: Sequence[Mapping[str, str]],
    limit: int,
    using: str,
    new: bool = False,
) -> tuple[list[Mapping[str, str]], int]:
    """(the experiences that fit the visitor's limit, how many new ones did not).

    Run inside the transaction that upserted the visitor: the upsert locks its row, so
    concurrent posts for one visitor count one after the other. ``new``: the visitor had
    no row before this post, so nothing needs reading.
    """
    stored: set[str] = set()
    if not new:
        stored = set(
            Bucketing.objects.using(using)
            .filter(visitor_id=visitor_pk)
            .values_list("experience_id", flat=True)
        )
    room = max(0, limit - len(stored))
    kept: list[Mapping[str, str]] = []
    dropped = 0
    for experience in experiences:
        if experience["experienceId"] in stored:
            kept.append(experience)
        elif room:
            kept.append(experience)
            room -= 1
        else:
            dropped += 1
    return kept, dropped
