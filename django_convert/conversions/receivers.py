"""The model-signal receivers that run conversion rules.

One global pre_save and one global post_save receiver, connected once in
AppConfig.ready, dispatch on the sender through :func:`rules_for`. Why not one receiver
per rule model, connected at ready? Rules are read from settings at call time, so
``override_settings`` (and rules registered after ready) work without reconnecting
anything; the price for models without rules is one identity check and one dict lookup
per save, well under a microsecond.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models.signals import post_save, pre_save

from django_convert.conf import get_setting
from django_convert.conversions.enabled import recording_enabled
from django_convert.conversions.registry import rules_for
from django_convert.conversions.rules import ConversionRule
from django_convert.exceptions import ConversionError, InvalidVisitorId

if TYPE_CHECKING:
    from django_convert.models import Conversion

logger = logging.getLogger("django_convert")

# Where pre_save leaves the previous field values for post_save, on the instance itself.
PREVIOUS_ATTRIBUTE = "_django_convert_previous"


def connect() -> None:
    pre_save.connect(remember_previous, dispatch_uid="django_convert.conversions.pre_save")
    post_save.connect(record_conversions, dispatch_uid="django_convert.conversions.post_save")


def remember_previous(
    sender: Any, instance: Any, raw: bool = False, using: str = "default", **kwargs: Any
) -> None:
    """Read the pre-save values of the fields code rules asked for (one query)."""
    if raw:
        return
    rules = rules_for(sender)
    if not rules or instance.pk is None:
        return
    fields = sorted({name for rule in rules for name in rule.previous_fields})
    if not fields or not get_setting("ENABLED"):
        return
    previous = sender._base_manager.using(using).filter(pk=instance.pk).values(*fields).first()
    instance.__dict__[PREVIOUS_ATTRIBUTE] = previous


def record_conversions(
    sender: Any,
    instance: Any,
    created: bool,
    raw: bool = False,
    using: str = "default",
    **kwargs: Any,
) -> None:
    if raw:  # loaddata: fixtures are not conversions
        return
    rules = rules_for(sender)
    if not rules:
        return
    previous = instance.__dict__.pop(PREVIOUS_ATTRIBUTE, None)
    if not recording_enabled():
        return
    update_fields = kwargs.get("update_fields")
    for rule in rules:
        apply_rule(
            rule,
            instance,
            created=created,
            previous=previous,
            using=using,
            update_fields=update_fields,
        )


def apply_rule(
    rule: ConversionRule,
    instance: Any,
    *,
    created: bool,
    previous: Any,
    using: str,
    update_fields: Any = None,
    as_of: Any = None,
) -> Conversion | None:
    """Run one rule on one saved instance; bad instance data is logged, never raised.

    ``as_of``: when the conversion happened, for one recorded after the fact (the sweep).
    """
    try:
        if as_of is not None:
            return rule.record(
                instance,
                created=created,
                previous=previous,
                using=using,
                update_fields=update_fields,
                as_of=as_of,
            )
        return rule.record(
            instance,
            created=created,
            previous=previous,
            using=using,
            update_fields=update_fields,
        )
    except (ConversionError, InvalidVisitorId) as error:
        # Bad data from the instance must not fail the user's save (their order is real
        # even when its analytics data is not): log it loudly instead.
        logger.error(
            "No conversion recorded for %s %s (%s): %s",
            instance._meta.label,
            instance.pk,
            rule.origin,
            error,
        )
        return None
    except Exception:
        if not transaction.get_connection(using).in_atomic_block:
            # Autocommit: the instance is already committed and its conversion is not.
            logger.exception(
                "%s %s was saved (autocommit) but its conversion (%s) was NOT recorded. "
                "Saving it again records it (at most once); use ATOMIC_REQUESTS or "
                "transaction.atomic() to make the save and the conversion all-or-nothing.",
                instance._meta.label,
                instance.pk,
                rule.origin,
            )
        raise
