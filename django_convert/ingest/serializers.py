"""Validation of the listener's payload: ``{visitorId, experiences, segments}``.

Field names are the payload's camelCase names, so errors point at what the client sent
and ``validated_data`` keeps the payload's shape for ``experiences_evaluated`` receivers.

Segments: every key is optional, and a key that is absent or ``null`` is stored as
unknown (blank): nothing is made up for it. A known code is kept; a well-formed code
Convert's tracking API does not accept (the JS SDK's ``EDG``/``MO``/``NS`` browsers, or a
code added later) is stored as unknown too, not as the category's "other": with
``enrichData`` a value sent overwrites the one Convert stored, so an unknown one is left
out of the conversions and Convert keeps its own. A bucketing report is never lost over a
segment, and nothing Convert would refuse is stored. Anything malformed is a 400.

The fields below are small ``serializers.Field`` subclasses rather than compositions of
CharField and ListField: DRF builds every field anew for every request, and with the
stock fields that construction cost more than the rest of the request's Python work.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, NoReturn

from rest_framework import serializers

from django_convert.exceptions import InvalidVisitorId
from django_convert.identity.pii import clean_visitor_id
from django_convert.models import CONVERT_ID_MAX_LENGTH
from django_convert.models.forwarding import DESTINATION_ID_MAX_LENGTH, DESTINATIONS
from django_convert.segments import API_BROWSERS, COUNTRIES, Device, Source, VisitorType

MAX_EXPERIENCES = 100
MAX_DEVICES = 16
MAX_CUSTOM_SEGMENTS = 50
CUSTOM_SEGMENT_MAX_LENGTH = 64
CAMPAIGN_MAX_LENGTH = 255

_CODE = re.compile(r"[A-Za-z_]{1,32}")
_DIGITS = re.compile(r"[0-9]+")
_COUNTRY = re.compile(r"[A-Za-z]{2}")
_SEGMENT_ID = re.compile(rf"[A-Za-z0-9_.:-]{{1,{CUSTOM_SEGMENT_MAX_LENGTH}}}")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def _by_casefold(codes: Iterable[str]) -> dict[str, str]:
    return {code.casefold(): code for code in codes}


#: category -> known codes by their case-folded spelling (any other code is unknown: "")
CODES: dict[str, dict[str, str]] = {
    "browser": _by_casefold(API_BROWSERS),
    "device": _by_casefold(Device.values),
    "source": _by_casefold(Source.values),
    "visitorType": _by_casefold(VisitorType.values),
}


class _PlainField(serializers.Field[Any, Any, Any, Any]):
    def to_representation(self, value: Any) -> Any:
        return value


class VisitorIdField(_PlainField):
    default_error_messages = {"invalid": "Must be a string."}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            return clean_visitor_id(data)
        except InvalidVisitorId as exc:
            raise serializers.ValidationError(str(exc), code="invalid_visitor_id") from exc


def _code(category: str, data: Any) -> str:
    """Map one code of ``category``; raise for anything that is not a code at all."""
    if not isinstance(data, str) or not _CODE.fullmatch(data):
        raise serializers.ValidationError(
            "Must be a segment code (letters and underscores).", code="invalid_code"
        )
    return CODES[category].get(data.casefold(), "")


def _list(data: Any, max_length: int) -> list[Any]:
    if not isinstance(data, list):
        raise serializers.ValidationError("Must be a list.", code="not_a_list")
    if len(data) > max_length:
        raise serializers.ValidationError(
            f"Ensure this field has no more than {max_length} elements.", code="max_length"
        )
    return data


def _raise_item_errors(errors: dict[int, Any]) -> NoReturn:
    """Item errors by index, as DRF's ListField reports them (the type stubs know only
    string keys)."""
    detail: Any = errors
    raise serializers.ValidationError(detail)


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


class CodeField(_PlainField):
    """One of Convert's enum codes (see ``CODES``)."""

    def __init__(self, category: str, **kwargs: Any) -> None:
        self.category = category
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        return _code(self.category, data)


class CodeListField(_PlainField):
    """A list of enum codes, mapped like CodeField, without repeats."""

    def __init__(self, category: str, max_length: int, **kwargs: Any) -> None:
        self.category = category
        self.max_length = max_length
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> list[str]:
        codes, errors = [], {}
        for index, item in enumerate(_list(data, self.max_length)):
            try:
                codes.append(_code(self.category, item))
            except serializers.ValidationError as exc:
                errors[index] = exc.detail
        if errors:
            _raise_item_errors(errors)
        return _unique(code for code in codes if code)


class CountryField(_PlainField):
    """ISO 3166-1 alpha-2, or blank; a well-formed but unassigned code is stored blank."""

    default_error_messages = {"invalid": "Must be a two-letter ISO 3166-1 country code."}

    def to_internal_value(self, data: Any) -> str:
        if data == "":
            return ""
        if not isinstance(data, str) or not _COUNTRY.fullmatch(data):
            self.fail("invalid")
        code = data.upper()
        return code if code in COUNTRIES else ""


class CampaignField(serializers.CharField):
    """Any text up to 255 characters but control characters (CharField refuses NUL and
    lone surrogates, which PostgreSQL cannot store)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            max_length=CAMPAIGN_MAX_LENGTH, allow_blank=True, trim_whitespace=False, **kwargs
        )

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):  # CharField would also take numbers
            self.fail("invalid")
        value = str(super().to_internal_value(data))
        if _CONTROL_CHARACTERS.search(value):
            raise serializers.ValidationError(
                "Must not contain control characters.", code="invalid_campaign"
            )
        return value


class SegmentIdListField(_PlainField):
    """Custom segment ids: up to 50 strings of letters, digits and ``_ . : -``."""

    def to_internal_value(self, data: Any) -> list[str]:
        errors = {
            index: ["Must be a custom segment id of at most 64 letters, digits, _ . : -"]
            for index, item in enumerate(_list(data, MAX_CUSTOM_SEGMENTS))
            if not isinstance(item, str) or not _SEGMENT_ID.fullmatch(item)
        }
        if errors:
            _raise_item_errors(errors)
        return _unique(data)


class SegmentsSerializer(serializers.Serializer[dict[str, Any]]):
    """Every key is optional; ``null`` means unknown. Only keys sent are stored."""

    browser = CodeField("browser", allow_null=True, required=False)
    devices = CodeListField("device", MAX_DEVICES, allow_null=True, required=False)
    # DRF's metaclass moves declared fields off the class, so this does not shadow
    # Field.source at runtime; only the type stubs see a clash.
    source = CodeField("source", allow_null=True, required=False)  # type: ignore[assignment]
    visitorType = CodeField("visitorType", allow_null=True, required=False)
    country = CountryField(allow_null=True, required=False)
    campaign = CampaignField(allow_null=True, required=False)
    customSegments = SegmentIdListField(allow_null=True, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        for name in ("browser", "source", "visitorType", "country", "campaign"):
            if name in attrs and attrs[name] is None:
                attrs[name] = ""
        for name in ("devices", "customSegments"):
            if name in attrs and attrs[name] is None:
                attrs[name] = []
        return attrs


def _digit_string_problem(value: object) -> str:
    if not isinstance(value, str) or not _DIGITS.fullmatch(value):
        return "Must be a string of digits."
    if len(value) > CONVERT_ID_MAX_LENGTH:
        return f"Ensure this field has no more than {CONVERT_ID_MAX_LENGTH} characters."
    return ""


class ExperiencesField(_PlainField):
    """``[{experienceId, variationId}]``, both digit strings, at most 100 experiences.

    Exact repeats are dropped; one experience reported in two variations is an error.
    """

    def to_internal_value(self, data: Any) -> list[dict[str, str]]:
        errors: dict[int, Any] = {}
        variations: dict[str, str] = {}
        for index, item in enumerate(_list(data, MAX_EXPERIENCES)):
            if not isinstance(item, dict):
                errors[index] = ["Must be an object with experienceId and variationId."]
                continue
            problems = {}
            for key in ("experienceId", "variationId"):
                problem = (
                    _digit_string_problem(item[key]) if key in item else "This field is required."
                )
                if problem:
                    problems[key] = [problem]
            if problems:
                errors[index] = problems
                continue
            seen = variations.setdefault(item["experienceId"], item["variationId"])
            if seen != item["variationId"]:
                errors[index] = [f"Experience {item['experienceId']} is reported twice."]
        if errors:
            _raise_item_errors(errors)
        return [{"experienceId": e, "variationId": v} for e, v in variations.items()]


class DestinationIdsField(_PlainField):
    """``{"ga4": client id, "segment": anonymous id, "mixpanel": device id}``: each
    analytics tool's own id for this browser, read by the listener (GA4's from the ``_ga``
    cookie, Segment's ``ajs_anonymous_id``, Mixpanel's device id), all optional.

    Each value is a string of at most 255 printable characters (no control characters);
    ``null`` or ``""`` is the same as leaving it out. Other keys are refused, so a typo in
    a listener is an error, not an id silently dropped. Stored on the forwarded rows
    (``forwarding.record``) and sent as GA4's ``client_id``, Segment's ``anonymousId``,
    Mixpanel's ``$device_id``.
    """

    def to_internal_value(self, data: Any) -> dict[str, str]:
        if not isinstance(data, dict):
            raise serializers.ValidationError("Must be an object.", code="invalid")
        errors: dict[str, list[str]] = {}
        ids: dict[str, str] = {}
        for key, value in data.items():
            if key not in DESTINATIONS:
                errors[str(key)[:40]] = [f"Not a destination: one of {', '.join(DESTINATIONS)}."]
            elif value is None or value == "":
                continue
            elif not isinstance(value, str):
                errors[key] = ["Must be a string."]
            elif len(value) > DESTINATION_ID_MAX_LENGTH:
                errors[key] = [
                    f"Ensure this field has no more than {DESTINATION_ID_MAX_LENGTH} characters."
                ]
            elif not value.isprintable():
                errors[key] = ["Must not contain control characters."]
            else:
                ids[key] = value
        if errors:
            raise serializers.ValidationError(errors)
        return ids


class ContextSerializer(serializers.Serializer[dict[str, Any]]):
    """The whole payload the listener posts."""

    visitorId = VisitorIdField()
    experiences = ExperiencesField()
    segments = SegmentsSerializer(required=False)
    destinationIds = DestinationIdsField(required=False, allow_null=True)
