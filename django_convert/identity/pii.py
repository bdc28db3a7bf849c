"""The PII guard: visitor ids must be opaque, never an e-mail address or phone number."""

from __future__ import annotations

import re

from django_convert.exceptions import InvalidVisitorId

MAX_LENGTH = 128

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# Seven or more digits, optionally with a leading + and the usual separators: a phone number.
_PHONE = re.compile(r"\+?\(?\d[\d\s().-]{5,}\d")
_PHONE_SEPARATORS = re.compile(r"[\s().+-]")
# Ids may only use URL- and JavaScript-safe characters.
_ALLOWED = re.compile(r"[A-Za-z0-9_.:\-]+")


def looks_like_pii(value: str) -> bool:
    """True for anything that looks like an e-mail address or a phone number.

    A phone number is 7 to 15 digits (the E.164 maximum), optionally with ``+``, spaces,
    dots, dashes or brackets, that is the whole value or written with such punctuation;
    long digit runs inside hex ids are not phone numbers. Convert's guide (section 1)
    forbids "raw emails, phone numbers, names" as visitor ids.
    """
    if "@" in value and _EMAIL.search(value):
        return True
    for match in _PHONE.finditer(value):
        digits = _PHONE_SEPARATORS.sub("", match.group())
        # Long digit runs inside a hex or base64 id are not phone numbers: only flag a
        # match that is the whole value, or that uses phone punctuation.
        if (
            digits.isdigit()
            and 7 <= len(digits) <= 15
            and (match.group() == value or match.group() != digits)
        ):
            return True
    return False


def clean_visitor_id(value: object) -> str:
    """Return ``value`` as a visitor id, or raise InvalidVisitorId saying why not.

    The PII guard every accepted id goes through: a non-empty ``str`` of at most 128
    characters, of letters, digits and ``_ . : -`` only, that does not look like an
    e-mail address or a phone number (:func:`looks_like_pii`).

    :raises InvalidVisitorId: with the reason (never the value itself).
    """
    if not isinstance(value, str) or not value:
        raise InvalidVisitorId("A visitor id must be a non-empty string.")
    if len(value) > MAX_LENGTH:
        raise InvalidVisitorId(f"A visitor id must be at most {MAX_LENGTH} characters.")
    if looks_like_pii(value):
        raise InvalidVisitorId(
            "The visitor id looks like personal data (an e-mail address or phone number); "
            "use an opaque id instead."
        )
    if not _ALLOWED.fullmatch(value):
        raise InvalidVisitorId(
            "A visitor id may only contain letters, digits and the characters _ . : -"
        )
    return value
