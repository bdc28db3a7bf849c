"""BoundedJSONParser: bounded reads and 400s, never a 500."""

from __future__ import annotations

import io
from typing import Any

import pytest
from rest_framework.exceptions import ParseError

from django_convert.ingest.parsers import BoundedJSONParser, PayloadTooLarge, check_body_size


def test_body_without_content_length_is_read_only_up_to_the_limit(
    convert_settings: Any,
) -> None:
    convert_settings(INGEST_MAX_BODY_BYTES=10)
    stream = io.BytesIO(b'{"a": "' + b"x" * 10_000 + b'"}')
    with pytest.raises(PayloadTooLarge):
        BoundedJSONParser().parse(stream)
    assert stream.tell() == 11  # the limit plus the one byte that proves it is over


def test_body_at_the_limit_parses(convert_settings: Any) -> None:
    convert_settings(INGEST_MAX_BODY_BYTES=8)
    assert BoundedJSONParser().parse(io.BytesIO(b'{"a": 1}')) == {"a": 1}


@pytest.mark.parametrize("body", [b"", b"{", b"[" * 50_000, b"NaN", b"\xff", b"1" * 5000])
def test_bad_json_is_a_parse_error(body: bytes, convert_settings: Any) -> None:
    convert_settings(INGEST_MAX_BODY_BYTES=100_000)
    with pytest.raises(ParseError):
        BoundedJSONParser().parse(io.BytesIO(body))


@pytest.mark.parametrize(
    ("declared", "refused"),
    [("40000", True), ("32768", False), ("", False), ("x", False), ("-1", False)],
)
def test_declared_length_is_checked_before_reading(declared: str, refused: bool) -> None:
    if refused:
        with pytest.raises(PayloadTooLarge):
            check_body_size(declared)
    else:
        check_body_size(declared)
