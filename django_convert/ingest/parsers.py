"""A JSON parser that reads at most INGEST_MAX_BODY_BYTES and never fails with a 500."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import IO, Any

from rest_framework import exceptions, status
from rest_framework.parsers import BaseParser

from django_convert.conf import get_setting


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON.")


def check_body_size(declared_length: object) -> None:
    """Refuse a body whose declared Content-Length is over the limit, before reading it."""
    try:
        length = int(str(declared_length))
    except ValueError:
        return  # no usable length: the parser still stops reading at the limit
    if length > get_setting("INGEST_MAX_BODY_BYTES"):
        raise PayloadTooLarge()


class BoundedJSONParser(BaseParser):
    media_type = "application/json"

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        limit = get_setting("INGEST_MAX_BODY_BYTES")
        # Read one byte more than allowed: a body without Content-Length is still bounded.
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise PayloadTooLarge()
        try:
            return json.loads(raw, parse_constant=_reject_constant)
        # RecursionError: deeply nested arrays, which the C decoder does not turn into a
        # ValueError. UnicodeDecodeError and number-length limits are ValueErrors.
        except (ValueError, RecursionError) as exc:
            raise exceptions.ParseError(f"JSON parse error: {exc}") from exc
