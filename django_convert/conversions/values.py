"""Validation of conversion data: bad input fails here, before anything is read or written.

Every check raises :class:`~django_convert.exceptions.ConversionError` with a message that
names the field and the rule, so a caller never ends up with a half-written conversion.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django_convert.exceptions import ConversionError

GOAL_ID_MAX_LENGTH = 32
TRANSACTION_ID_MAX_LENGTH = 255
#: Convert accepts customDimension1 to customDimension5.
CUSTOM_DIMENSION_KEYS = range(1, 6)
#: Convert limits each custom dimension value (or array item) to 32 characters.
CUSTOM_DIMENSION_MAX_LENGTH = 32
# Conversion.amount is DecimalField(max_digits=18, decimal_places=4).
AMOUNT_PLACES = Decimal("0.0001")
AMOUNT_LIMIT = Decimal(10) ** 14
# Conversion.products_count is a PositiveIntegerField, 32-bit on every backend.
PRODUCTS_COUNT_LIMIT = 2**31 - 1
ORIGIN_MAX_LENGTH = 255
# A plain decimal number as webhook payloads write amounts: no exponent, NaN or grouping.
_NUMERIC = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


@dataclass(frozen=True, slots=True)
class ConversionValues:
    """What a conversion records besides its visitor: validated, as the outbox stores it."""

    goal_id: str
    transaction_id: str
    amount: Decimal | None
    products_count: int | None
    custom_dimensions: dict[str, str | list[str]]
    origin: str
    #: ``transaction_id`` was made up here (:func:`local_transaction_id`): a deduplication
    #: key for the outbox, never sent to Convert as ``transactionId``.
    transaction_id_is_local: bool = False

    @classmethod
    def clean(
        cls,
        *,
        goal_id: object,
        transaction_id: object,
        amount: object,
        products_count: object,
        custom_dimensions: object,
        origin: str,
        transaction_id_is_local: bool = False,
    ) -> ConversionValues:
        """Validate everything at once; raises :class:`ConversionError` naming the field."""
        return cls(
            goal_id=clean_goal_id(goal_id),
            transaction_id=clean_transaction_id(transaction_id),
            amount=clean_amount(amount),
            products_count=clean_products_count(products_count),
            custom_dimensions=clean_custom_dimensions(custom_dimensions),
            origin=origin[:ORIGIN_MAX_LENGTH],
            transaction_id_is_local=transaction_id_is_local,
        )


#: The prefix of a made-up transaction id, so the admin and logs show it for what it is.
LOCAL_TRANSACTION_PREFIX = "local:"


def local_transaction_id() -> str:
    """A new deduplication key for a conversion nobody gave a transaction id:
    ``local:`` and a uuid4 as 32 hex digits. Stored, never sent to Convert."""
    return f"{LOCAL_TRANSACTION_PREFIX}{uuid.uuid4().hex}"


def clean_goal_id(value: object) -> str:
    """A Convert goal id: a digit string (an int is accepted and turned into one)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ConversionError(f"goal_id must be a digit string such as '100037225', not {value!r}.")
    text = str(value)
    if not text.isdigit() or not text.isascii() or len(text) > GOAL_ID_MAX_LENGTH:
        raise ConversionError(f"goal_id must be a digit string such as '100037225', not {value!r}.")
    return text


def clean_transaction_id(value: object) -> str:
    """A non-empty string (or int) of at most 255 characters."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ConversionError(f"transaction_id must be a string, not {type(value).__name__}.")
    text = str(value)
    if not text or len(text) > TRANSACTION_ID_MAX_LENGTH:
        raise ConversionError(
            f"transaction_id must be 1 to {TRANSACTION_ID_MAX_LENGTH} characters long."
        )
    return text


def clean_amount(value: object) -> Decimal | None:
    """Revenue as a Decimal with at most 4 decimal places (rounded half up), or None.

    Accepted: Decimal, int, float (through its shortest repr: ``149.99`` stays ``149.99``),
    a numeric string such as ``"49.90"`` (webhook payloads), and an object with a numeric
    ``.amount`` (django-money's ``Money``; its currency is not sent: Convert reports
    revenue in the project's currency). Any other string, such as a label reached by a
    mistyped path, is refused.
    """
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if not _NUMERIC.fullmatch(text):
            raise ConversionError(f"amount {value[:40]!r} is not a number such as '49.90'.")
        value = Decimal(text)
    elif not isinstance(value, Decimal | int | float) and hasattr(value, "amount"):
        inner = value.amount  # django-money's Money, or any object holding a number
        if inner is None or isinstance(inner, str) or hasattr(inner, "amount"):
            raise ConversionError(
                f"amount {type(value).__name__}.amount must be a number, not {inner!r}."
            )
        return clean_amount(inner)
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float):
        raise ConversionError(
            "amount must be a Decimal, int, float, numeric string or an object with a "
            f"numeric .amount (Money), not {type(value).__name__}."
        )
    try:
        amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation as error:  # pragma: no cover - Decimal(int) never fails
        raise ConversionError(f"amount {value!r} is not a number.") from error
    if not amount.is_finite():
        raise ConversionError(f"amount must be a finite number, not {value!r}.")
    if amount < 0:
        raise ConversionError(f"amount must not be negative ({value!r}).")
    amount = amount.quantize(AMOUNT_PLACES, rounding=ROUND_HALF_UP)
    if amount >= AMOUNT_LIMIT:
        raise ConversionError(f"amount {value!r} is too large (limit: {AMOUNT_LIMIT}).")
    return amount


def clean_products_count(value: object) -> int | None:
    """A non-negative int (a digit string such as ``"3"`` is accepted), or None."""
    if value is None:
        return None
    if isinstance(value, str) and value.strip().isdigit() and value.strip().isascii():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConversionError(f"products_count must be an int, not {type(value).__name__}.")
    if not 0 <= value <= PRODUCTS_COUNT_LIMIT:
        raise ConversionError(f"products_count must be between 0 and {PRODUCTS_COUNT_LIMIT}.")
    return value


def clean_custom_dimensions(value: object) -> dict[str, str | list[str]]:
    """``{1..5: str | [str, ...]}`` as stored: keys become "1".."5".

    None and empty values (``""``, an empty list; empty items of a list) are left out:
    Convert would otherwise report an empty string as a dimension value of its own.

    Each string (or each item of a list) must be at most 32 characters: Convert may
    truncate longer values, which would silently split one value into another.
    """
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConversionError(
            f"custom_dimensions must be a dict such as {{1: 'gold'}}, not {type(value).__name__}."
        )
    cleaned: dict[str, str | list[str]] = {}
    for key, item in value.items():
        index = _dimension_index(key)
        if item is None or item == "":
            continue
        name = f"customDimension{index}"
        if isinstance(item, str):
            cleaned[str(index)] = _dimension_text(name, item)
        elif isinstance(item, list | tuple):
            parts = [_dimension_text(name, part) for part in item if part not in (None, "")]
            if parts:
                cleaned[str(index)] = parts
        else:
            raise ConversionError(
                f"{name} must be a string or a list of strings, not {type(item).__name__}."
            )
    return cleaned


def _dimension_index(key: Any) -> int:
    if isinstance(key, bool) or not isinstance(key, int | str):
        raise ConversionError(f"custom dimension keys are 1 to 5, not {key!r}.")
    text = str(key)
    if not text.isdigit() or int(text) not in CUSTOM_DIMENSION_KEYS:
        raise ConversionError(f"custom dimension keys are 1 to 5, not {key!r}.")
    return int(text)


def _dimension_text(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise ConversionError(
            f"{name} values must be strings, not {type(value).__name__} ({value!r})."
        )
    if len(value) > CUSTOM_DIMENSION_MAX_LENGTH:
        raise ConversionError(
            f"{name} value {value[:40]!r}... is {len(value)} characters long; "
            f"Convert allows at most {CUSTOM_DIMENSION_MAX_LENGTH} per value."
        )
    return value
