"""Names for experience, variation and goal ids, from the last synced config (read-only).

The whole local copy is loaded in at most four queries, whatever the number of ids to
name: a project has tens to hundreds of experiences, so a page of a thousand bucketing
rows costs the same as a page of ten. :func:`names_scope` shares one load across a
request (the admin wraps its views in it).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from django_convert.models import ConfigSync, Experience, Goal, Variation

ACTIVE = "active"


@dataclass(frozen=True)
class Entry:
    id: str
    name: str
    status: str = ""
    in_config: bool = True
    experience_id: str = ""  # variations only
    type: str = ""  # goals only: Convert's goal type ("revenue", ...)
    traffic_allocation: Decimal | None = None  # variations only: percent, None if not given

    def label(self) -> str:
        return f"{self.name} ({self.id})" if self.name else self.id


@dataclass(frozen=True)
class Verdict:
    """What the config says about one id: its label and, if something is off, why."""

    label: str
    problem: str = ""  # empty when the id is known and in order
    short: str = ""  # the problem in a word or two, for list columns


class ProjectNames:
    """A snapshot of the local copy; each attribute loads on first use (one query)."""

    @cached_property
    def synced(self) -> bool:
        """Whether any sync ever succeeded (before that, no id is called unknown)."""
        return ConfigSync.objects.filter(ok=True).exists()

    @cached_property
    def experiences(self) -> dict[str, Entry]:
        rows = Experience.objects.values_list("id", "name", "status", "in_config")
        return {pk: Entry(pk, name, status, in_config) for pk, name, status, in_config in rows}

    @cached_property
    def variations(self) -> dict[str, Entry]:
        rows = Variation.objects.values_list(
            "id", "name", "status", "in_config", "experience_id", "traffic_allocation"
        )
        return {
            pk: Entry(pk, name, status, in_config, experience_id, traffic_allocation=allocation)
            for pk, name, status, in_config, experience_id, allocation in rows
        }

    @cached_property
    def goals(self) -> dict[str, Entry]:
        rows = Goal.objects.values_list("id", "name", "in_config", "type")
        return {
            pk: Entry(pk, name, in_config=in_config, type=kind)
            for pk, name, in_config, kind in rows
        }

    @cached_property
    def goal_experiences(self) -> dict[str, set[str]]:
        """goal id -> ids of the experiences that track it."""
        links: dict[str, set[str]] = {}
        through = Experience.goals.through.objects.values_list("goal_id", "experience_id")
        for goal_id, experience_id in through:
            links.setdefault(goal_id, set()).add(experience_id)
        return links

    # Verdicts ---------------------------------------------------------------------------
    def experience(self, experience_id: str) -> Verdict:
        entry = self.experiences.get(str(experience_id))
        if entry is None or not entry.in_config:
            label = entry.label() if entry else str(experience_id)
            if not self.synced:
                return Verdict(label)
            return Verdict(label, self._unknown("an experience"), "unknown")
        if entry.status != ACTIVE:
            status = entry.status or "no status"
            return Verdict(entry.label(), f"{status}, not active", status)
        return Verdict(entry.label())

    def variation(self, variation_id: str, experience_id: str | None = None) -> Verdict:
        entry = self.variations.get(str(variation_id))
        if entry is None or not entry.in_config:
            label = entry.label() if entry else str(variation_id)
            if not self.synced:
                return Verdict(label)
            return Verdict(label, self._unknown("a variation"), "unknown")
        if experience_id is not None and entry.experience_id != str(experience_id):
            problem = f"a variation of experience {entry.experience_id}, not of {experience_id}"
            return Verdict(entry.label(), problem, "wrong experience")
        if entry.status and entry.status != "running":
            return Verdict(entry.label(), f"{entry.status}, not running", entry.status)
        if entry.traffic_allocation is not None and not entry.traffic_allocation:
            # Convert's SDKs drop such a variation: "zero-traffic means stopped variation".
            problem = "allocated 0 % of the traffic (Convert's SDKs treat it as stopped)"
            return Verdict(entry.label(), problem, "no traffic")
        return Verdict(entry.label())

    def goal(self, goal_id: str) -> Verdict:
        entry = self.goals.get(str(goal_id))
        if entry is None or not entry.in_config:
            label = entry.label() if entry else str(goal_id)
            if not self.synced:
                return Verdict(label)
            return Verdict(label, "not a goal of the synced project", "unknown")
        return Verdict(entry.label())

    def _unknown(self, kind: str) -> str:
        return f"not in the synced config ({kind} newer than the last sync, or a wrong id)"


_current: ContextVar[ProjectNames | None] = ContextVar("django_convert_names", default=None)


def current_names() -> ProjectNames:
    """The names of the current :func:`names_scope`, or a fresh snapshot outside one."""
    return _current.get() or ProjectNames()


@contextlib.contextmanager
def names_scope() -> Iterator[ProjectNames]:
    """Share one snapshot for the duration of the block (e.g. rendering one admin page)."""
    names = ProjectNames()
    token = _current.set(names)
    try:
        yield names
    finally:
        _current.reset(token)
