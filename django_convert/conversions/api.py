"""``track_conversion`` and the recording step every rule goes through."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db import router

from django_convert.conf import get_setting
from django_convert.conversions.record import record_conversion
from django_convert.conversions.values import local_transaction_id
from django_convert.exceptions import ConversionError

if TYPE_CHECKING:
    from django.db.models import Model

    from django_convert.models import Conversion

logger = logging.getLogger("django_convert")


def track_conversion(
    visitor_id: str | None = None,
    goal_id: str | int | None = None,
    amount: Decimal | int | float | None = None,
    products_count: int | None = None,
    transaction_id: str | int | None = None,
    custom_dimensions: dict[Any, Any] | None = None,
    *,
    user: Model | None = None,
    origin: str = "track_conversion",
    using: str | None = None,
    source: Model | None = None,
) -> Conversion | None:
    """Record a conversion in the outbox, in the current transaction, and return its row.

    Also importable as ``django_convert.track_conversion``. Recording never talks to
    Convert: the row is delivered after commit by the ``DELIVERY`` mode. The row snapshots
    the visitor's stored bucketing (sent as ``bucketingData``) and segments.

    :param visitor_id: the visitor's id, e.g. ``request.convert_visitor_id``; checked by
        the PII guard (no e-mail address or phone number, at most 128 characters of
        letters, digits and ``_ . : -``). Give this or ``user``, not both.
    :param goal_id: Convert's goal id, a digit string of at most 32 digits (an ``int`` is
        accepted), sent as ``goalId`` (guide, section 4).
    :param amount: revenue, ``Decimal``, ``int`` or ``float``; finite, not negative, below
        10**14, rounded half-up to 4 decimal places; sent as the JSON number
        ``goalData`` ``amount`` (guide, section 9: "amount as a number").
    :param products_count: a non-negative ``int``, sent as ``productsCount``.
    :param transaction_id: 1 to 255 characters (an ``int`` becomes a string), sent as
        ``transactionId`` in ``goalData`` when the conversion has goal data (an amount,
        a products count or a custom dimension). The outbox keeps one conversion per
        (goal, transaction id): a second call with the same pair returns the first row
        (its data wins). Without it every call records a new conversion, keyed by a
        local id (``local:`` and a uuid4) that is never sent: no Convert SDK and not the
        source guide invent a ``transactionId``.
    :param custom_dimensions: ``{1..5: value}`` (keys ``int`` or ``"1"``), each value a
        string or a list of strings of at most 32 characters each (Convert truncates
        longer values: guide, section 4); ``None`` values are left out. Sent as
        ``customDimension1``-``customDimension5``.
    :param user: a user instead of ``visitor_id``: their stored visitor converts.
    :param origin: what the row's ``origin`` column says recorded it (shown in the admin).
    :param using: the database alias to write to; default: the router's for
        ``Conversion``.
    :param source: the saved model instance that caused the conversion (an order, a
        subscription); the admin's conversion page links to it. Not sent to Convert.
    :returns: the :class:`~django_convert.models.Conversion` row (``status`` ``"pending"``
        when new), or ``None``, recording nothing, when ``ENABLED`` is ``False``, when
        both ``visitor_id`` and ``user`` are ``None`` (no consent yet, or no visitor
        cookie), or when ``user`` has no stored visitor (each with a WARNING on the
        ``django_convert`` logger). A
        ``visitor_id`` with nothing stored yet still records, with empty bucketing and
        segments (Convert's ``enrichData`` can fill them in).
    :raises ConversionError: a value breaks its rule (the message names which), both
        ``visitor_id`` and ``user`` are given, or ``goal_id`` is missing.
    :raises InvalidVisitorId: ``visitor_id`` fails the PII guard.
        Everything is validated before the first query: bad input writes nothing.
    """
    if visitor_id is not None and user is not None:
        raise ConversionError("Pass exactly one of visitor_id or user to track_conversion().")
    if goal_id is None:
        raise ConversionError("track_conversion() needs a goal_id.")
    if visitor_id is None and user is None and not get_setting("ENABLED"):
        _say_disabled_once()
        return None
    if visitor_id is None and user is None:
        # get_visitor_id(request) is None before consent, when the app is disabled, and on
        # a browser's first page before the snippet has created the id: not a caller's bug
        # worth failing a checkout for, but never silent either.
        logger.warning(
            "track_conversion(goal %s, transaction %s) recorded nothing: no visitor id "
            "(no cookie consent yet, ENABLED is False, or the browser has not run the "
            "snippet yet). Pass user= for a logged-in buyer, or store the visitor id "
            "on the order earlier in the checkout.",
            goal_id,
            transaction_id,
        )
        return None
    if user is not None and not isinstance(user, get_user_model()):
        raise ConversionError(
            f"user must be a {get_user_model().__name__}, not {type(user).__name__}."
        )
    from django_convert.models import Conversion

    return record_conversion(
        visitor_id=visitor_id,
        user_id=None if user is None else user.pk,
        goal_id=goal_id,
        amount=amount,
        products_count=products_count,
        transaction_id=local_transaction_id() if transaction_id is None else transaction_id,
        transaction_id_is_local=transaction_id is None,
        custom_dimensions=custom_dimensions,
        origin=origin,
        using=using or router.db_for_write(Conversion),
        source=source,
    )


_said_disabled = False


def _say_disabled_once() -> None:
    # ENABLED False is the shop's own switch (development, CI): once per process, not a
    # WARNING on every checkout.
    global _said_disabled
    if not _said_disabled:
        _said_disabled = True
        logger.info("ENABLED is False: track_conversion() records nothing in this process.")
