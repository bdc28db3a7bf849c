"""A Convert project's configuration as plain, validated data (no models).

The shape is ``ConfigResponseData`` as Convert publishes it in ``@convertcom/js-sdk`` 4.4.3
(``lib/types/src/config/types.gen.d.ts``) and ``convert-python-sdk`` 2.1.0
(``_generated/serving_config.pyi``)::

    {account_id, project: {id, name, ...},
     goals: [{id, key, name, type, ...}],
     experiences: [{id, key, name, status, type, goals: [goal id],
                    variations: [{id, key, name, status, traffic_allocation}], ...}],
     archived_experiences: [experience id], ...}

Only what the app uses is kept; every other field is ignored, so a field Convert adds
later never breaks a sync. ``traffic_allocation`` is a number from 0 to 10000 (10000 is
100 %) in Convert's units. Ids are strings in the types; numbers are accepted and turned
into strings, since Convert's knowledge-base examples show ids as numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django_convert.exceptions import ConvertConfigError

MAX_ID_LENGTH = 32
MAX_TRAFFIC_ALLOCATION = 10_000


@dataclass(frozen=True)
class GoalConfig:
    id: str
    key: str = ""
    name: str = ""
    type: str = ""


@dataclass(frozen=True)
class VariationConfig:
    id: str
    key: str = ""
    name: str = ""
    status: str = ""
    traffic_allocation: int = 0  # 0-10000


@dataclass(frozen=True)
class ExperienceConfig:
    id: str
    key: str = ""
    name: str = ""
    status: str = ""
    type: str = ""
    goal_ids: tuple[str, ...] = ()
    variations: tuple[VariationConfig, ...] = ()


@dataclass(frozen=True)
class ProjectConfig:
    account_id: str
    project_id: str
    project_name: str = ""
    goals: tuple[GoalConfig, ...] = ()
    experiences: tuple[ExperienceConfig, ...] = ()
    archived_experience_ids: tuple[str, ...] = ()

    @property
    def variation_count(self) -> int:
        return sum(len(experience.variations) for experience in self.experiences)


def parse_project_config(data: Any) -> ProjectConfig:
    """Validate decoded JSON and return a :class:`ProjectConfig`.

    Raises :class:`~django_convert.exceptions.ConvertConfigError` naming the first field
    that is not the published shape, e.g. ``experiences[1].variations[0].id: required``.
    """
    top = _mapping(data, "the config")
    project = _mapping(top.get("project"), "project")
    goals = tuple(
        _goal(item, f"goals[{n}]") for n, item in enumerate(_list(top.get("goals"), "goals"))
    )
    experiences = tuple(
        _experience(item, f"experiences[{n}]")
        for n, item in enumerate(_list(top.get("experiences"), "experiences"))
    )
    archived = tuple(
        _id(item, f"archived_experiences[{n}]")
        for n, item in enumerate(_list(top.get("archived_experiences"), "archived_experiences"))
    )
    _unique([g.id for g in goals], "goals")
    _unique([e.id for e in experiences], "experiences")
    _unique([v.id for e in experiences for v in e.variations], "variations")
    return ProjectConfig(
        account_id=_id(top.get("account_id"), "account_id"),
        project_id=_id(project.get("id"), "project.id"),
        project_name=_text(project.get("name"), "project.name"),
        goals=goals,
        experiences=experiences,
        archived_experience_ids=archived,
    )


def _goal(item: Any, where: str) -> GoalConfig:
    goal = _mapping(item, where)
    return GoalConfig(
        id=_id(goal.get("id"), f"{where}.id"),
        key=_text(goal.get("key"), f"{where}.key"),
        name=_text(goal.get("name"), f"{where}.name"),
        type=_text(goal.get("type"), f"{where}.type"),
    )


def _experience(item: Any, where: str) -> ExperienceConfig:
    experience = _mapping(item, where)
    goal_ids = _list(experience.get("goals"), f"{where}.goals")
    variations = _list(experience.get("variations"), f"{where}.variations")
    return ExperienceConfig(
        id=_id(experience.get("id"), f"{where}.id"),
        key=_text(experience.get("key"), f"{where}.key"),
        name=_text(experience.get("name"), f"{where}.name"),
        status=_text(experience.get("status"), f"{where}.status"),
        type=_text(experience.get("type"), f"{where}.type"),
        goal_ids=tuple(_id(g, f"{where}.goals[{n}]") for n, g in enumerate(goal_ids)),
        variations=tuple(
            _variation(v, f"{where}.variations[{n}]") for n, v in enumerate(variations)
        ),
    )


def _variation(item: Any, where: str) -> VariationConfig:
    variation = _mapping(item, where)
    return VariationConfig(
        id=_id(variation.get("id"), f"{where}.id"),
        key=_text(variation.get("key"), f"{where}.key"),
        name=_text(variation.get("name"), f"{where}.name"),
        status=_text(variation.get("status"), f"{where}.status"),
        traffic_allocation=_allocation(
            variation.get("traffic_allocation"), f"{where}.traffic_allocation"
        ),
    )


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConvertConfigError(f"{where}: must be an object, got {_kind(value)}.")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if value is None:  # every field is optional in the published types
        return []
    if not isinstance(value, list):
        raise ConvertConfigError(f"{where}: must be an array, got {_kind(value)}.")
    return value


def _id(value: Any, where: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise ConvertConfigError(f"{where}: required, an id string; got {_kind(value)}.")
    if len(value) > MAX_ID_LENGTH:
        raise ConvertConfigError(f"{where}: an id longer than {MAX_ID_LENGTH} characters.")
    return value.strip()


def _text(value: Any, where: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ConvertConfigError(f"{where}: must be a string, got {_kind(value)}.")
    # NUL cannot be stored in PostgreSQL text; 255 is the models' length.
    return value.replace("\x00", "")[:255]


def _allocation(value: Any, where: str) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConvertConfigError(f"{where}: must be a number, got {_kind(value)}.")
    if not 0 <= value <= MAX_TRAFFIC_ALLOCATION:
        raise ConvertConfigError(f"{where}: must be from 0 to 10000, got {value!r}.")
    return round(value)


def _unique(ids: list[str], where: str) -> None:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            raise ConvertConfigError(f"{where}: id {item!r} appears twice.")
        seen.add(item)


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    text = repr(value)
    return f"{type(value).__name__} {text[:60]}"
