"""The PII guard: visitor ids must be opaque, never an e-mail address or phone number.

Every check here runs in linear time, whatever the input: a visitor id comes from a
cookie, a request body or a resolver, so its length is the client's choice. Over-long
values are refused before any regex runs, and :func:`looks_like_pii` itself only uses
string methods and a single-character-class regex that cannot backtrack.
"""

from __future__ import annotations

import itertools
import re

from django_convert.exceptions import InvalidVisitorId

MAX_LENGTH = 128

# Seven or more digits, each followed by any phone punctuation. Digits and punctuation are
# disjoint, so each repetition consumes exactly one digit: no backtracking blow-up, and an
# attempt can only fail at a digit with fewer than seven digits left in its run, so each
# run is scanned at most seven times: linear time. (No optional prefix such as "[+(]*" in
# the pattern: tried at every start, a long run of "(" would make that quadratic.)
_PHONE_RUN = re.compile(r"(?:\d[\s().-]*){7,}")
_SEPARATORS = " \t\n\r\f\v().-"
_PHONE_PUNCTUATION = str.maketrans("", "", _SEPARATORS + "+")
# Ids may only use URL- and JavaScript-safe characters.
_ALLOWED = re.compile(r"[A-Za-z0-9_.:\-]+")


def _looks_like_email(value: str) -> bool:
    """Something@something.something in one whitespace-free word."""
    if "@" not in value or "." not in value:
        return False
    for word in value.split():
        parts = word.split("@")
        for local, domain in itertools.pairwise(parts):
            # A dot with something on both sides: "x@example.com".
            if local and "." in domain[1:-1]:
                return True
    return False


def _looks_like_phone(value: str) -> bool:
    """Seven to fifteen digits written as a phone number (a whole value, or punctuated)."""
    for match in _PHONE_RUN.finditer(value):
        # A leading "(", "+" or "+(" belongs to the number.
        start = match.start()
        if start and value[start - 1] == "(":
            start -= 1
        if start and value[start - 1] == "+":
            start -= 1
        run = value[start : match.end()].rstrip(_SEPARATORS)  # it ends with a digit
        digits = run.translate(_PHONE_PUNCTUATION)
        # Long digit runs inside a hex or base64 id are not phone numbers: only flag a run
        # that is the whole value, or that uses phone punctuation.
        if 7 <= len(digits) <= 15 and (run == value or run != digits):
            return True
    return False


def looks_like_pii(value: str) -> bool:
    """True for anything that looks like an e-mail address or a phone number. Linear time."""
    return _looks_like_email(value) or _looks_like_phone(value)


def clean_visitor_id(value: object) -> str:
    """Return ``value`` as a visitor id, or raise InvalidVisitorId saying why not.

    The PII guard every accepted id goes through: a non-empty ``str`` of at most 128
    characters, of letters, digits and ``_ . : -`` only, that does not look like an
    e-mail address or a phone number (:func:`looks_like_pii`). The length is checked
    first, so an over-long value costs one ``len()``; every later check is linear.

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
