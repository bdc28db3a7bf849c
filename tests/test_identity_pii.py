from __future__ import annotations

import pytest

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
