"""A Convert project's configuration as plain data (no models), parsed item by item.

The shape is ``ConfigResponseData`` as Convert publishes it in ``@convertcom/js-sdk`` 4.4.3
(``lib/types/src/config/types.gen.d.ts``) and ``convert-python-sdk`` 2.1.0
(``_generated/serving_config.pyi``)::

    {account_id, project: {id, name, ...},
     goals: [{id, key, name, type, ...}],
     experiences: [{id, key, name, status, type, environment, goals: [goal id],
                    variations: [{id, key, name, status, traffic_allocation}], ...}],
     archived_experiences: [experience id], ...}

Every field is optional in those types, and Convert's own shared SDK test config holds a
variation that is an empty object. So an item that cannot be used (no id, not an object,
a duplicate id) is skipped and a field of the wrong type is left empty: each is recorded
in :attr:`ProjectConfig.warnings`, and the rest of the config is kept. Only an answer that
is not a project config at all raises. Fields the app does not use are ignored, so a field
Convert adds later never breaks a sync.

``traffic_allocation`` is a **percentage** (``50.0``): every config in Convert's SDK
repositories uses percent, one of them captured from Convert's CDN, and the JS and Python
SDKs multiply it by 100 into their 0-10000 bucket space, although the generated type's
comment says "0 to 10000" (see ``tests/convert_artifacts/README.md``). A missing one is
``None`` here; what it means for the split is :func:`traffic_shares`.

Ids are strings in the types; numbers are accepted and turned into strings, since
Convert's knowledge-base examples show ids as numbers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django_convert.exceptions import ConvertConfigError

MAX_ID_LENGTH = 32
MAX_TEXT_LENGTH = 255
#: Warnings kept per parse; the rest are counted in a last one.
MAX_WARNINGS = 50
HUNDRED = Decimal(100)
ALLOCATION_PLACES = Decimal("0.0001")
#: Top-level keys of ConfigResponseData; an object with none of them is not a config.
CONFIG_KEYS = frozenset({"account_id", "project", "goals", "experiences", "archived_experiences"})

T = TypeVar("T")


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
    #: Percent of the experience's visitors (0-100, up to 4 places); None when the config
    #: gives none (or one that cannot be used: see the warnings).
    traffic_allocation: Decimal | None = None


@dataclass(frozen=True)
class ExperienceConfig:
    id: str
    key: str = ""
    name: str = ""
    status: str = ""
    type: str = ""
    #: ``environment``, or the deprecated ``environments`` list joined by ", "; "" for all.
    environment: str = ""
    goal_ids: tuple[str, ...] = ()
    variations: tuple[VariationConfig, ...] = ()


@dataclass(frozen=True)
class ProjectConfig:
    account_id: str = ""
    project_id: str = ""
    project_name: str = ""
    goals: tuple[GoalConfig, ...] = ()
    experiences: tuple[ExperienceConfig, ...] = ()
    archived_experience_ids: tuple[str, ...] = ()
    #: The environment asked for (``?environment=``); "" when none was.
    environment: str = ""
    #: Experiences left out because they belong to another environment: {environment: n}.
    other_environments: Mapping[str, int] = field(default_factory=dict)
    #: What could not be used and was skipped or left empty, one sentence each.
    warnings: tuple[str, ...] = ()

    @property
    def variation_count(self) -> int:
        return sum(len(experience.variations) for experience in self.experiences)

    @property
    def skipped_experiences(self) -> int:
        return sum(self.other_environments.values())


def traffic_shares(allocations: Sequence[Decimal | None]) -> list[Decimal]:
    """The share of an experience's visitors (percent) each variation should receive.

    A configured allocation is its own share; an explicit 0 is 0 (Convert's SDKs drop a
    zero-traffic variation: "zero-traffic means stopped variation"). The variations
    without one share equally what the configured ones leave of 100 % (none when those
    already reach 100 %), so a config without allocations reads as equal shares.

    Convert's SDKs differ on that last point: they read a missing allocation as 100 %
    (``traffic_allocation || 100.0`` in the JS SDK's data manager, ``100.0`` in the Python
    SDK's ``evaluation/experiences.py``) and walk the variations in order, so the first
    such variation takes every visitor from its start to the end of the bucket space and
    the ones after it none. No Convert config seen carries a variation without an
    allocation but the shared SDK test config's empty one, and the report's sample-ratio
    check compares with what the web tracking script did, which is not published: equal
    shares are the reading that raises no false alarm on an even split.
    """
    given = sum((share for share in allocations if share is not None), Decimal(0))
    missing = sum(1 for share in allocations if share is None)
    rest = max(Decimal(0), HUNDRED - given) / missing if missing else Decimal(0)
    return [rest if share is None else share for share in allocations]


def parse_project_config(data: Any, *, environment: str | None = None) -> ProjectConfig:
    """Read decoded JSON into a :class:`ProjectConfig`, skipping what cannot be used.

    With ``environment``, experiences whose ``environment`` is another one are left out
    (counted in ``other_environments``), as Convert's JS, PHP and Ruby SDKs do: an
    experience without ``environment`` matches, and one with only the deprecated
    ``environments`` list matches when the list is empty or names it.

    Raises :class:`~django_convert.exceptions.ConvertConfigError` only when ``data`` is
    not a JSON object, or has none of ConfigResponseData's top-level keys.
    """
    if not isinstance(data, Mapping):
        raise ConvertConfigError(f"The config must be a JSON object, got {_kind(data)}.")
    if not CONFIG_KEYS & set(data):
        raise ConvertConfigError(
            "The answer is not a project config: it has none of "
            f"{', '.join(sorted(CONFIG_KEYS))} (keys: {sorted(map(str, data))[:10]})."
        )
    parser = _Parser()
    project = parser.mapping(data.get("project"), "project", required=False) or {}
    goals = parser.items(data.get("goals"), "goals", parser.goal)
    experiences = parser.items(data.get("experiences"), "experiences", parser.experience)
    archived = parser.items(
        data.get("archived_experiences"), "archived_experiences", parser.archived_id
    )
    kept, others = _in_environment(parser.unique_variations(experiences), environment)
    return ProjectConfig(
        account_id=parser.optional_id(data.get("account_id"), "account_id"),
        project_id=parser.optional_id(project.get("id"), "project.id"),
        project_name=parser.text(project.get("name"), "project.name"),
        goals=tuple(goals),
        experiences=tuple(experience for experience, _environments in kept),
        archived_experience_ids=tuple(archived),
        environment=environment or "",
        other_environments=others,
        warnings=parser.finish(),
    )


def _in_environment(
    experiences: list[tuple[ExperienceConfig, tuple[str, ...]]], environment: str | None
) -> tuple[list[tuple[ExperienceConfig, tuple[str, ...]]], dict[str, int]]:
    if not environment:
        return experiences, {}
    kept = []
    others: dict[str, int] = {}
    for experience, environments in experiences:
        if not environments or environment in environments:
            kept.append((experience, environments))
        else:
            label = experience.environment
            others[label] = others.get(label, 0) + 1
    return kept, others


class _Parser:
    """Reads items, recording what it skips; ``finish()`` returns the warnings."""

    def __init__(self) -> None:
        self.warnings: list[str] = []
        self.dropped = 0

    def warn(self, text: str) -> None:
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(text)
        else:
            self.dropped += 1

    def finish(self) -> tuple[str, ...]:
        if self.dropped:
            self.warnings.append(f"... and {self.dropped} more.")
        return tuple(self.warnings)

    # Collections -------------------------------------------------------------------------
    def items(self, value: Any, where: str, read: Callable[[Any, str], T | None]) -> list[T]:
        """The readable items of a list, each once (by id); None or a non-list: none."""
        if value is None:
            return []
        if not isinstance(value, list):
            self.warn(f"{where}: skipped, an array was expected, got {_kind(value)}.")
            return []
        found: list[T] = []
        seen: set[str] = set()
        for index, item in enumerate(value):
            read_item = read(item, f"{where}[{index}]")
            if read_item is None:
                continue
            item_id = _item_id(read_item)
            if item_id in seen:
                self.warn(f"{where}[{index}]: skipped, id {item_id} appears twice.")
                continue
            seen.add(item_id)
            found.append(read_item)
        return found

    def mapping(self, value: Any, where: str, required: bool = True) -> Mapping[str, Any] | None:
        if isinstance(value, Mapping):
            return value
        if value is not None or required:
            self.warn(f"{where}: skipped, an object was expected, got {_kind(value)}.")
        return None

    def unique_variations(
        self, experiences: list[tuple[ExperienceConfig, tuple[str, ...]]]
    ) -> list[tuple[ExperienceConfig, tuple[str, ...]]]:
        """Each variation id in one experience only: a later repeat is skipped."""
        seen: dict[str, str] = {}
        unique = []
        for experience, environments in experiences:
            variations = []
            for variation in experience.variations:
                owner = seen.setdefault(variation.id, experience.id)
                if owner != experience.id:
                    self.warn(
                        f"experiences ({experience.id}).variations ({variation.id}): skipped, "
                        f"the id is a variation of experience {owner} too."
                    )
                    continue
                variations.append(variation)
            if len(variations) != len(experience.variations):
                experience = replace(experience, variations=tuple(variations))
            unique.append((experience, environments))
        return unique

    # Items -------------------------------------------------------------------------------
    def goal(self, item: Any, where: str) -> GoalConfig | None:
        goal = self.mapping(item, where)
        goal_id = self.item_id(goal, where)
        if goal is None or goal_id is None:
            return None
        return GoalConfig(
            id=goal_id,
            key=self.text(goal.get("key"), f"{where}.key"),
            name=self.text(goal.get("name"), f"{where}.name"),
            type=self.text(goal.get("type"), f"{where}.type"),
        )

    def experience(self, item: Any, where: str) -> tuple[ExperienceConfig, tuple[str, ...]] | None:
        experience = self.mapping(item, where)
        experience_id = self.item_id(experience, where)
        if experience is None or experience_id is None:
            return None
        where = f"{where} ({experience_id})"
        environments = self.environments(experience, where)
        goal_ids = self.items(experience.get("goals"), f"{where}.goals", self.goal_ref)
        variations = self.items(experience.get("variations"), f"{where}.variations", self.variation)
        return (
            ExperienceConfig(
                id=experience_id,
                key=self.text(experience.get("key"), f"{where}.key"),
                name=self.text(experience.get("name"), f"{where}.name"),
                status=self.text(experience.get("status"), f"{where}.status"),
                type=self.text(experience.get("type"), f"{where}.type"),
                environment=", ".join(environments)[:64],
                goal_ids=tuple(goal_ids),
                variations=tuple(variations),
            ),
            environments,
        )

    def environments(self, experience: Mapping[str, Any], where: str) -> tuple[str, ...]:
        """``(environment,)``, else the deprecated ``environments`` list ("empty means all")."""
        single = self.text(experience.get("environment"), f"{where}.environment")
        if single:
            return (single,)
        listed = experience.get("environments")
        if isinstance(listed, list) and all(isinstance(name, str) for name in listed):
            return tuple(name for name in listed if name)
        if listed is not None:
            self.warn(f"{where}.environments: ignored, an array of strings was expected.")
        return ()

    def variation(self, item: Any, where: str) -> VariationConfig | None:
        variation = self.mapping(item, where)
        variation_id = self.item_id(variation, where)
        if variation is None or variation_id is None:
            return None
        return VariationConfig(
            id=variation_id,
            key=self.text(variation.get("key"), f"{where}.key"),
            name=self.text(variation.get("name"), f"{where}.name"),
            status=self.text(variation.get("status"), f"{where}.status"),
            traffic_allocation=self.allocation(
                variation.get("traffic_allocation"), f"{where} ({variation_id})"
            ),
        )

    def goal_ref(self, item: Any, where: str) -> str | None:
        goal_id = _id(item)
        if goal_id is None:
            self.warn(f"{where}: skipped, a goal id was expected, got {_kind(item)}.")
        return goal_id

    def archived_id(self, item: Any, where: str) -> str | None:
        experience_id = _id(item)
        if experience_id is None:
            self.warn(f"{where}: skipped, an experience id was expected, got {_kind(item)}.")
        return experience_id

    # Fields ------------------------------------------------------------------------------
    def item_id(self, item: Mapping[str, Any] | None, where: str) -> str | None:
        if item is None:
            return None
        item_id = _id(item.get("id"))
        if item_id is None and item.get("id") is None:
            self.warn(f"{where}: skipped, it has no id ({_kind(item)}).")
        elif item_id is None:
            self.warn(f"{where}: skipped, its id is not an id string ({_kind(item['id'])}).")
        return item_id

    def optional_id(self, value: Any, where: str) -> str:
        if value is None:
            return ""
        found = _id(value)
        if found is None:
            self.warn(f"{where}: ignored, an id was expected, got {_kind(value)}.")
        return found or ""

    def text(self, value: Any, where: str) -> str:
        if value is None:
            return ""
        if not isinstance(value, str):
            self.warn(f"{where}: left empty, a string was expected, got {_kind(value)}.")
            return ""
        # NUL cannot be stored in PostgreSQL text; 255 is the models' length.
        return value.replace("\x00", "")[:MAX_TEXT_LENGTH]

    def allocation(self, value: Any, where: str) -> Decimal | None:
        if value is None:
            return None
        number: Decimal | None = None
        if isinstance(value, int | float) and not isinstance(value, bool):
            if math.isfinite(value):
                number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        elif isinstance(value, str):  # the Python SDK reads it with float() too
            try:
                number = Decimal(value.strip())
            except InvalidOperation:
                number = None
            if number is not None and not number.is_finite():
                number = None
        if number is None or not 0 <= number <= HUNDRED:
            self.warn(
                f"{where}.traffic_allocation: ignored, a percentage from 0 to 100 was "
                f"expected, got {_kind(value)}."
            )
            return None
        return number.quantize(ALLOCATION_PLACES)


def _id(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        value = str(value)
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > MAX_ID_LENGTH:
        return None
    return text


def _item_id(item: Any) -> str:
    if isinstance(item, tuple):  # an experience and its environments
        item = item[0]
    return item if isinstance(item, str) else str(item.id)


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    text = repr(value)
    return f"{type(value).__name__} {text[:60]}"
