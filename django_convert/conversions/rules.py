"""Conversion rules: declarative ones from settings, and code rules for everything else.

A rule says which model's saves count, when, for which visitor and with which goal
data. ``DJANGO_CONVERT["CONVERSIONS"]`` entries become ``DeclarativeRule`` objects
(``conversions.declarative``); a :class:`ConversionRule` subclass registered with
``register_rule`` (``conversions.registry``) covers what a dict cannot express (previous
state, related objects, computed goals).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone

from django_convert.conversions.paths import resolve, resolve_visitor
from django_convert.conversions.values import (
    clean_amount,
    clean_custom_dimensions,
    clean_products_count,
)
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
        "sweep_since",
        "occurred_at",
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
    #: Path to when the conversion happened (``"paid_at"``), for conversions the sweep
    #: records late: they carry the bucketing the visitor had then. None: see
    #: ``get_occurred_at``.
    occurred_at: ClassVar[str | None] = None

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
        return default_transaction_id(instance, self.model_class())

    def get_custom_dimensions(self, instance: Any) -> Mapping[Any, Any] | None:
        """``{1..5: str or list of str}`` (at most 32 characters each) or None."""
        if not self.custom_dimensions:
            return None
        return {index: resolve(instance, path) for index, path in self.custom_dimensions.items()}

    def get_occurred_at(self, instance: Any) -> datetime | None:
        """When this instance became a conversion (an aware datetime), or None if unknown.

        Read only when the conversion is recorded after the fact (``convert_sweep``): at
        save time, now is the moment. Default: the ``occurred_at`` path. A date counts as
        its end (the next midnight, in the current time zone); a naive datetime is read in
        the current time zone. None: the sweep records with the bucketing at sweep time and
        ``manage.py check`` warns (W111) for a rule it sweeps.
        """
        return as_moment(resolve(instance, self.occurred_at)) if self.occurred_at else None

    def matches(
        self,
        instance: Any,
        *,
        created: bool,
        previous: Mapping[str, Any] | None,
        update_fields: Collection[str] | None,
        using: str,
    ) -> bool:
        """Whether this save counts. Code rules decide in ``should_record``."""
        return self.should_record(instance, created=created, previous=previous)

    def sweep_queryset(self, since: datetime, using: str) -> models.QuerySet[Any] | None:
        """Instances that may have become conversions since ``since``, for ``convert_sweep``.

        Return a queryset on ``using`` (the model's database) to have the sweep catch
        conversions that bypassed ``post_save`` (``QuerySet.update()``, ``bulk_create()``,
        raw SQL); each instance is then judged by ``should_record(created=False,
        previous=None)``. None (the default for code rules): the sweep skips this rule and
        says so.
        """
        return None

    def record(
        self,
        instance: Any,
        *,
        created: bool,
        previous: Mapping[str, Any] | None,
        using: str,
        update_fields: Collection[str] | None = None,
        as_of: datetime | None = None,
    ) -> Conversion | None:
        """Record this save's conversion if the rule matches; the row, or None.

        ``using`` is the database the instance was saved to. The row goes to the outbox's
        database (``router.db_for_write(Conversion)``): in the same transaction when that
        is ``using``, else after ``using`` commits (see ``conversions.routing``), and then
        None is returned. A later save that still matches updates the amount, products
        count and custom dimensions of a conversion not yet sent. ``as_of``: when the
        conversion happened if not now (the sweep passes ``get_occurred_at``): the row
        carries the bucketing the visitor had then.
        """
        if not self.matches(
            instance,
            created=created,
            previous=previous,
            update_fields=update_fields,
            using=using,
        ):
            return None
        # Imported here: users import rules (and RecordingQuerySet) from their models.py,
        # before django_convert's models are loaded; these modules need the models.
        from django_convert.conversions.record import record_conversion
        from django_convert.conversions.routing import record_in_outbox

        goal_id = self.get_goal_id(instance)
        visitor_id, user_id = self._visitor(instance)
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
        transaction_id = self.get_transaction_id(instance)
        amount = self._optional(instance, "amount", self.get_amount, clean_amount)
        products_count = self._optional(
            instance, "products_count", self.get_products_count, clean_products_count
        )
        dimensions = self._dimensions(instance)

        def write(outbox: str) -> Conversion | None:
            return record_conversion(
                visitor_id=visitor_id,
                user_id=user_id,
                goal_id=goal_id,
                amount=amount,
                products_count=products_count,
                transaction_id=transaction_id,
                custom_dimensions=dimensions,
                origin=self.origin,
                using=outbox,
                refresh=True,
                as_of=as_of,
            )

        return record_in_outbox(write, saved_to=using, instance=instance, origin=self.origin)

    def visitor_key(self, instance: Any) -> tuple[str | None, Any]:
        """``(visitor_id, user_pk)`` this instance records for: one of them, or both None.

        Raises ConversionError when ``get_visitor`` gives something else than a User or a
        string.
        """
        return self._visitor(instance)

    def _visitor(self, instance: Any) -> tuple[str | None, Any]:
        visitor = self.get_visitor(instance)
        if isinstance(visitor, str):  # the common cases first: no user-model lookup
            return visitor or None, None
        # Two checks, so that _UserKey (the usual case) needs no user-model lookup.
        if isinstance(visitor, _UserKey) or isinstance(visitor, get_user_model()):  # noqa: SIM101
            return None, visitor.pk
        if visitor is not None:
            raise ConversionError(
                f"{self.origin} gave a visitor of type {type(visitor).__name__}; "
                "return a User or a visitor-id string."
            )
        return None, None

    def _optional(
        self,
        instance: Any,
        name: str,
        getter: Callable[[Any], object],
        clean: Callable[[object], Any],
    ) -> Any:
        """An optional goal value; one that cannot be used is dropped, not the conversion."""
        try:
            return clean(getter(instance))
        except ConversionError as error:
            self._dropped(instance, name, error)
            return None

    def _dimensions(self, instance: Any) -> dict[str, Any]:
        """The custom dimensions; each unusable one is dropped alone, loudly."""
        dimensions: object = self.get_custom_dimensions(instance)  # code rules may err
        if dimensions is None:
            return {}
        if not isinstance(dimensions, Mapping):
            self._dropped(
                instance,
                "custom_dimensions",
                f"expected a dict such as {{1: 'gold'}}, got {type(dimensions).__name__}",
            )
            return {}
        cleaned: dict[str, Any] = {}
        for index, value in dimensions.items():
            try:
                cleaned.update(clean_custom_dimensions({index: value}))
            except ConversionError as error:
                self._dropped(instance, f"custom dimension {index!r}", error)
        return cleaned

    def _dropped(self, instance: Any, name: str, reason: object) -> None:
        logger.error(
            "Conversion for %s %s (%s) is recorded WITHOUT its %s: %s",
            instance._meta.label,
            instance.pk,
            self.origin,
            name,
            reason,
        )


class _UserKey:
    """A user known only by primary key: enough to find their visitor, no User query."""

    __slots__ = ("pk",)

    def __init__(self, pk: Any) -> None:
        self.pk = pk


def as_moment(value: object) -> datetime | None:
    """An aware datetime for ``value``: a datetime (naive ones in the current time zone),
    a date (its end: the next midnight), or None for anything else."""
    if isinstance(value, datetime):
        if timezone.is_naive(value) and settings.USE_TZ:
            return timezone.make_aware(value)
        return value
    if isinstance(value, date):
        midnight = datetime.combine(value + timedelta(days=1), time.min)
        return timezone.make_aware(midnight) if settings.USE_TZ else midnight
    return None


def default_transaction_id(instance: Any, model: type[models.Model] | None = None) -> str:
    """``"<app_label>.<model>:<pk>"``: one conversion per goal and instance.

    The label is the rule's ``model`` (else the instance's concrete model), never a proxy's
    or a child's: an order saved once through an admin proxy and once as itself is one
    transaction, not two. Raises ConversionError for an instance without a primary key
    (``bulk_create`` on a database that does not return them, or ``ignore_conflicts``).
    """
    if instance.pk is None:
        raise ConversionError(
            f"{instance._meta.label} has no primary key yet, so it has no default "
            "transaction id (bulk_create without returned keys?). Name a transaction_id "
            "path, or let convert_sweep record it."
        )
    label = (model or instance._meta.concrete_model)._meta.label_lower
    return f"{label}:{instance.pk}"
