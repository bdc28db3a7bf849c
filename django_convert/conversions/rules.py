"""Conversion rules: declarative ones from settings, and code rules for everything else.

A rule says which model's saves count, when, for which visitor and with which goal
data. ``DJANGO_CONVERT["CONVERSIONS"]`` entries become :class:`DeclarativeRule` objects;
a :class:`ConversionRule` subclass registered with :func:`register_rule` covers what a
dict cannot express (previous state, related objects, computed goals).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models

from django_convert.conf import get_setting
from django_convert.conversions.paths import resolve, resolve_visitor
from django_convert.conversions.values import clean_goal_id
from django_convert.exceptions import ConversionError

if TYPE_CHECKING:
    from django_convert.models import Conversion

logger = logging.getLogger("django_convert")

#: The keys a CONVERSIONS entry may have.
RULE_KEYS = frozenset(
    {
        "model",
        "goal_id",
        "when",
        "visitor",
        "amount",
        "products_count",
        "transaction_id",
        "custom_dimensions",
    }
)
REQUIRED_KEYS = ("model", "goal_id", "visitor")
#: Keys whose value is a path on the instance.
PATH_KEYS = ("visitor", "amount", "products_count", "transaction_id")


class ConversionRule:
    """Records a conversion when an instance of ``model`` is saved.

    Set the class attributes (paths, as in the settings form) or override the ``get_*``
    methods. ``should_record`` decides; with ``previous_fields`` it also sees the values
    those fields had in the database before the save (one extra query per save of an
    existing instance, only for models with such a rule)::

        @register_rule
        class OrderPaid(ConversionRule):
            model = "shop.Order"
            goal_id = "100037225"
            visitor = "user"
            amount = "total"
            transaction_id = "number"
            previous_fields = ("status",)

            def should_record(self, instance, *, created, previous):
                was = previous["status"] if previous else None
                return was == "pending" and instance.status == "paid"
    """

    #: "app_label.ModelName" or the model class.
    model: ClassVar[str | type[models.Model]]
    goal_id: ClassVar[str] = ""
    #: Path to a User (their stored visitor) or to a visitor-id string.
    visitor: ClassVar[str] = ""
    amount: ClassVar[str | None] = None
    products_count: ClassVar[str | None] = None
    #: Path to the transaction id; None: "<app_label>.<model>:<pk>".
    transaction_id: ClassVar[str | None] = None
    #: {1..5: path}
    custom_dimensions: ClassVar[Mapping[Any, str] | None] = None
    #: Fields whose pre-save database values ``should_record`` receives as ``previous``.
    previous_fields: ClassVar[Sequence[str]] = ()

    @property
    def origin(self) -> str:
        """What the outbox row's ``origin`` says recorded it."""
        return f"rule {type(self).__module__}.{type(self).__qualname__}"

    def model_class(self) -> type[models.Model]:
        model = self.model
        if isinstance(model, str):
            return apps.get_model(model)
        return model

    def should_record(
        self, instance: Any, *, created: bool, previous: Mapping[str, Any] | None
    ) -> bool:
        """Whether this save is a conversion (default: every save).

        :param instance: the saved model instance.
        :param created: whether the save created it.
        :param previous: ``{field name: value}`` for the ``previous_fields`` of this
            model's rules, as stored before the save; ``None`` for a new instance, and
            when no rule of this model has ``previous_fields``.
        """
        return True

    def get_goal_id(self, instance: Any) -> object:
        """Convert's goal id for this save (a digit string); default: ``goal_id``."""
        return self.goal_id

    def get_visitor(self, instance: Any) -> object:
        """A User (whose stored visitor converts), a visitor-id string, or None.

        Default: the ``visitor`` path. ``None`` (or an empty string) records nothing, with
        a WARNING: nothing is ever sent with an empty or made-up id.
        """
        visitor_id, user_id = resolve_visitor(instance, self.visitor)
        if user_id is not None:
            return _UserKey(user_id)
        return visitor_id

    def get_amount(self, instance: Any) -> object:
        """Revenue (``Decimal``/``int``/``float``, not negative) or None; default: ``amount``."""
        return resolve(instance, self.amount) if self.amount else None

    def get_products_count(self, instance: Any) -> object:
        """A non-negative ``int`` or None; default: the ``products_count`` path."""
        return resolve(instance, self.products_count) if self.products_count else None

    def get_transaction_id(self, instance: Any) -> object:
        """1 to 255 characters; default: the ``transaction_id`` path, else
        ``"<app_label>.<model>:<pk>"`` (one conversion per goal and instance)."""
        if self.transaction_id:
            return resolve(instance, self.transaction_id)
        return default_transaction_id(instance)

    def get_custom_dimensions(self, instance: Any) -> Mapping[Any, Any] | None:
        """``{1..5: str or list of str}`` (at most 32 characters each) or None."""
        if not self.custom_dimensions:
            return None
        return {index: resolve(instance, path) for index, path in self.custom_dimensions.items()}

    def record(
        self,
        instance: Any,
        *,
        created: bool,
        previous: Mapping[str, Any] | None,
        using: str,
    ) -> Conversion | None:
        """Record this save's conversion if the rule matches; the row, or None."""
        if not self.should_record(instance, created=created, previous=previous):
            return None
        from django_convert.conversions.api import record_conversion

        goal_id = self.get_goal_id(instance)
        visitor = self.get_visitor(instance)
        visitor_id: str | None = None
        user_id: Any = None
        if isinstance(visitor, str):  # the common cases first: no user-model lookup
            visitor_id = visitor or None
        # Two checks, so that _UserKey (the usual case) needs no user-model lookup.
        elif isinstance(visitor, _UserKey) or isinstance(visitor, get_user_model()):  # noqa: SIM101
            user_id = visitor.pk
        elif visitor is not None:
            raise ConversionError(
                f"{self.origin} gave a visitor of type {type(visitor).__name__}; "
                "return a User or a visitor-id string."
            )
        if visitor_id is None and user_id is None:
            logger.warning(
                "No conversion recorded for goal %s: %s %s has no visitor (%s). "
                "Nothing is sent with a made-up id.",
                goal_id,
                instance._meta.label,
                instance.pk,
                self.origin,
            )
            return None
        return record_conversion(
            visitor_id=visitor_id,
            user_id=user_id,
            goal_id=goal_id,
            amount=self.get_amount(instance),
            products_count=self.get_products_count(instance),
            transaction_id=self.get_transaction_id(instance),
            custom_dimensions=self.get_custom_dimensions(instance),
            origin=self.origin,
            using=using,
        )


class _UserKey:
    """A user known only by primary key: enough to find their visitor, no User query."""

    __slots__ = ("pk",)

    def __init__(self, pk: Any) -> None:
        self.pk = pk


class DeclarativeRule(ConversionRule):
    """One ``DJANGO_CONVERT["CONVERSIONS"]`` entry."""

    def __init__(self, index: int, entry: Mapping[str, Any]) -> None:
        missing = [key for key in REQUIRED_KEYS if not entry.get(key)]
        if missing:
            raise ConversionError(f"CONVERSIONS[{index}] has no {', '.join(missing)}.")
        when = entry.get("when") or {}
        if not isinstance(when, Mapping):
            raise ConversionError(f"CONVERSIONS[{index}]['when'] must be a dict.")
        self.index = index
        # Instance attributes shadow the ClassVar defaults: one rule object per entry.
        self.__dict__.update(
            model=entry["model"],
            goal_id=clean_goal_id(entry["goal_id"]),
            visitor=entry["visitor"],
            amount=entry.get("amount"),
            products_count=entry.get("products_count"),
            transaction_id=entry.get("transaction_id"),
            custom_dimensions=entry.get("custom_dimensions"),
        )
        self.when = dict(when)

    @property
    def origin(self) -> str:
        return f"CONVERSIONS[{self.index}] {self.model}"

    def should_record(
        self, instance: Any, *, created: bool, previous: Mapping[str, Any] | None
    ) -> bool:
        return all(resolve(instance, path) == value for path, value in self.when.items())


def default_transaction_id(instance: Any) -> str:
    """``"<app_label>.<model>:<pk>"``: one conversion per goal and instance."""
    return f"{instance._meta.label_lower}:{instance.pk}"


R = TypeVar("R", bound="ConversionRule | type[ConversionRule]")

_registered: list[ConversionRule] = []
_lock = threading.Lock()
# (CONVERSIONS object, registry generation, {model class: rules}); rebuilt when either
# changes, so override_settings and late registrations are honoured.
_index: tuple[object, int, dict[type[models.Model], list[ConversionRule]]] | None = None
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


def rules_for(model: type[models.Model]) -> list[ConversionRule]:
    """The rules for saves of ``model`` (a proxy model gets its concrete model's rules).

    Called on every save in the project, so the common case is one identity check and
    one dict lookup.
    """
    global _index
    conversions = get_setting("CONVERSIONS")
    index = _index
    if index is None or index[0] is not conversions or index[1] != _generation:
        index = (conversions, _generation, build_index(conversions, registered_rules()))
        _index = index
    rules = index[2].get(model)
    if rules is None and model._meta.proxy:
        rules = index[2].get(model._meta.concrete_model)  # type: ignore[arg-type]
    return rules or []


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
