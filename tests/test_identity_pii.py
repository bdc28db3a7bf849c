from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from django_convert.exceptions import InvalidVisitorId
from django_convert.identity.pii import clean_visitor_id, looks_like_pii


@pytest.mark.parametrize(
    "value",
    [
        "ann@example.com",
        "user.name+tag@mail.co.uk",
        "+44 20 7946 0958",
        "(555) 123-4567",
        "555-123-4567",
        "+15551234567",
        "5551234567",
        "visitor-ann@example.com",
    ],
)
def test_personal_data_is_detected(value: str) -> None:
    assert looks_like_pii(value)
    with pytest.raises(InvalidVisitorId, match="personal data"):
        clean_visitor_id(value)


@pytest.mark.parametrize(
    "value",
    [
        "3f2b9c1e8a7d4b6c9e0f1a2b3c4d5e6f",  # 128-bit hex
        "visitor-abc123",
        "u1:5f8e2a",
        "1001186427f00d",
        "123456",  # short numeric ids are not phone numbers
    ],
)
def test_opaque_ids_pass(value: str) -> None:
    assert not looks_like_pii(value)
    assert clean_visitor_id(value) == value


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "non-empty"),
        (None, "non-empty"),
        (123, "non-empty"),
        ("x" * 129, "at most 128"),
        ("</script><script>alert(1)</script>", "only contain"),
        ("a'b", "only contain"),
    ],
)
def test_malformed_ids_are_refused(value: object, message: str) -> None:
    with pytest.raises(InvalidVisitorId, match=message):
        clean_visitor_id(value)


# The checks were rewritten to run in linear time (issue 11). The patterns they replace
# stand here as the oracle: on short values (where their cost does not matter) the verdicts
# must not change.
_OLD_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_OLD_PHONE = re.compile(r"\+?\(?\d[\d\s().-]{5,}\d")
_OLD_SEPARATORS = re.compile(r"[\s().+-]")


def old_looks_like_pii(value: str) -> bool:
    if "@" in value and _OLD_EMAIL.search(value):
        return True
    for match in _OLD_PHONE.finditer(value):
        digits = _OLD_SEPARATORS.sub("", match.group())
        if (
            digits.isdigit()
            and 7 <= len(digits) <= 15
            and (match.group() == value or match.group() != digits)
        ):
            return True
    return False


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet="0123456789 ().+-@ab.x\t\n_:", max_size=60))
def test_linear_checks_give_the_verdicts_of_the_patterns_they_replace(value: str) -> None:
    assert looks_like_pii(value) == old_looks_like_pii(value)


@pytest.mark.parametrize(
    "value",
    [
        "(" * 65536 + "1234567",  # an optional "(" in the pattern made this quadratic
        "+" * 65536 + "1",
        ("1" + "-" * 10_000) * 6 + "a",
        "a@" * 32768,
        "@" * 65536,
        "1." * 32768,
    ],
)
def test_hostile_64_kib_values_are_scanned(value: str) -> None:
    looks_like_pii(value)  # finishes (linear; bench_identity has the figures)
