"""The rule registry: declarative rules from settings and registered code rules, by model.

Rules are read from settings at call time (an identity check per save), so
``override_settings`` and rules registered after ``ready()`` work without reconnecting.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from django.db import models

from django_convert.conf import get_setting
from django_convert.conversions.declarative import DeclarativeRule
from django_convert.conversions.rules import ConversionRule
from django_convert.exceptions import ConversionError

logger = logging.getLogger("django_convert")

R = TypeVar("R", bound="ConversionRule | type[ConversionRule]")

_registered: list[ConversionRule] = []
_lock = threading.Lock()
# (CONVERSIONS object, registry generation, {rule model: rules}, {saved model: rules});
# rebuilt when either changes, so override_settings and late registrations are honoured.
_index: tuple[object, int, Any, Any] | None = None
_generation = 0


def register_rule(rule: R) -> R:
    """Register a code rule (a ConversionRule subclass or instance); usable as a decorator.

    Register from your ``AppConfig.ready()`` (or a module it imports). A class is
    instantiated once. Rules take effect on the next save; ``manage.py check`` validates
    them (``django_convert.E104``-``E109``), and a rule whose model is not installed is
    skipped with an ERROR on the ``django_convert`` logger.

    :returns: ``rule`` unchanged, so the class stays usable under its name.
    """
    global _generation
    instance = rule() if isinstance(rule, type) else rule
    with _lock:
        _registered.append(instance)
        _generation += 1
    return rule


def unregister_rule(rule: ConversionRule | type[ConversionRule]) -> None:
    """Remove a registered rule: that instance, or every registered instance of a class.

    Removing a rule that is not registered does nothing. Useful in tests.
    """
    global _generation
    with _lock:
        _registered[:] = [
            registered
            for registered in _registered
            if registered is not rule and type(registered) is not rule
        ]
        _generation += 1


def registered_rules() -> list[ConversionRule]:
    return list(_registered)


Index = dict[type[models.Model], list[ConversionRule]]


def _current_index() -> tuple[Index, Index]:
    """``(rules by their model, rules by saved model)``; the second fills in as models
    are saved, and both are rebuilt when CONVERSIONS or the registry change."""
    global _index
    conversions = get_setting("CONVERSIONS")
    index = _index
    if index is None or index[0] is not conversions or index[1] != _generation:
        index = (conversions, _generation, build_index(conversions, registered_rules()), {})
        _index = index
    return index[2], index[3]


def active_rules() -> list[tuple[type[models.Model], ConversionRule]]:
    """Every rule that works (declarative, then code rules), with its model."""
    return [(model, rule) for model, rules in _current_index()[0].items() for rule in rules]


def rules_for(model: type[models.Model]) -> list[ConversionRule]:
    """The rules for saves of ``model``: its own, its concrete model's (a proxy) and its
    parents' (multi-table inheritance: saving a child writes its parent's row too, but
    Django sends ``post_save`` for the child only).

    Called on every save in the project, so the common case is one identity check and
    one dict lookup: the answer for each model is remembered until the rules change.
    """
    built, by_saved_model = _current_index()
    rules = by_saved_model.get(model)
    if rules is None:
        concrete: Any = model._meta.concrete_model or model
        owners = dict.fromkeys((model, concrete, *concrete._meta.get_parent_list()))
        rules = [rule for owner in owners for rule in built.get(owner, ())]
        by_saved_model[model] = rules
    return rules


def build_index(
    conversions: object, code_rules: Sequence[ConversionRule]
) -> dict[type[models.Model], list[ConversionRule]]:
    """Map each model class to its rules, skipping (and logging) rules that cannot work.

    ``manage.py check`` reports the same problems as django_convert.E1xx errors.
    """
    rules: list[ConversionRule] = []
    if isinstance(conversions, list | tuple):
        for position, entry in enumerate(conversions):
            try:
                if not isinstance(entry, Mapping):
                    raise ConversionError(f"CONVERSIONS[{position}] is not a dict.")
                rules.append(DeclarativeRule(position, entry))
            except ConversionError as error:
                logger.error("Conversion rule skipped: %s Run manage.py check.", error)
    elif conversions:
        logger.error("DJANGO_CONVERT['CONVERSIONS'] must be a list; no rules are active.")
    rules.extend(code_rules)
    index: dict[type[models.Model], list[ConversionRule]] = {}
    for rule in rules:
        try:
            model = rule.model_class()
        except (LookupError, ValueError, AttributeError) as error:
            logger.error(
                "Conversion rule %s skipped: no model %r (%s).",
                rule.origin,
                getattr(rule, "model", None),
                error,
            )
            continue
        index.setdefault(model, []).append(rule)
    return index
