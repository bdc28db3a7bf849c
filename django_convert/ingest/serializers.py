"""Validation of the listener's payload: ``{visitorId, experiences, segments}``.

Field names are the payload's camelCase names, so errors point at what the client sent
and ``validated_data`` keeps the payload's shape for ``experiences_evaluated`` receivers.

Segment enums: a known code is kept; a well-formed code Convert's tracking API does not
accept (the JS SDK's ``EDG``/``MO``/``NS`` browsers, or a code added later) is stored as
the category's "other" (``OTH``, ``OTHDEV``) or, where the category has none, as unknown
(blank). A bucketing report is never lost over a segment, and nothing Convert would refuse
is stored. Anything malformed is a 400.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.core.validators import RegexValidator
from rest_framework import serializers

from django_convert.exceptions import InvalidVisitorId
from django_convert.identity.pii import MAX_LENGTH as VISITOR_ID_MAX_LENGTH
from django_convert.identity.pii import clean_visitor_id
from django_convert.models import CONVERT_ID_MAX_LENGTH
from django_convert.segments import API_BROWSERS, COUNTRIES, Device, Source, VisitorType

MAX_EXPERIENCES = 100
MAX_DEVICES = 16
MAX_CUSTOM_SEGMENTS = 50
CUSTOM_SEGMENT_MAX_LENGTH = 64
CAMPAIGN_MAX_LENGTH = 255

_ENUM_CODE = re.compile(r"[A-Za-z_]{1,32}")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


class StrictCharField(serializers.CharField):
    """A CharField that takes only JSON strings (DRF's also turns numbers into strings)."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return str(super().to_internal_value(data))


class VisitorIdField(StrictCharField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=VISITOR_ID_MAX_LENGTH, trim_whitespace=False, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        try:
            return clean_visitor_id(value)
        except InvalidVisitorId as exc:
            raise serializers.ValidationError(str(exc), code="invalid_visitor_id") from exc


class SegmentCodeField(StrictCharField):
    """One of Convert's enum codes; unknown well-formed codes become ``other``."""

    def __init__(self, known: Iterable[str], other: str, **kwargs: Any) -> None:
        self.known = {code.casefold(): code for code in known}
        self.other = str(other)  # a TextChoices member stores as its value
        super().__init__(trim_whitespace=True, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if not _ENUM_CODE.fullmatch(value):
            raise serializers.ValidationError(
                "Must be a segment code (letters and underscores).", code="invalid_code"
            )
        return self.known.get(value.casefold(), self.other)

    def to_representation(self, value: Any) -> str:
        return str(value)


class CountryField(StrictCharField):
    """ISO 3166-1 alpha-2; a well-formed but unassigned code is stored as unknown."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_blank=True, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data).upper()
        if value and not re.fullmatch(r"[A-Z]{2}", value):
            raise serializers.ValidationError(
                "Must be a two-letter ISO 3166-1 country code.", code="invalid_country"
            )
        return value if value in COUNTRIES else ""


class CampaignField(StrictCharField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=CAMPAIGN_MAX_LENGTH, allow_blank=True, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if _CONTROL_CHARACTERS.search(value):
            raise serializers.ValidationError(
                "Must not contain control characters.", code="invalid_campaign"
            )
        return value


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


class SegmentsSerializer(serializers.Serializer[dict[str, Any]]):
    """Every key is optional; ``null`` means unknown. Only keys sent are stored."""

    browser = SegmentCodeField(known=API_BROWSERS, other="OTH", allow_null=True, required=False)
    devices = serializers.ListField(
        child=SegmentCodeField(known=Device.values, other=Device.OTHER_DEVICE),
        max_length=MAX_DEVICES,
        allow_null=True,
        required=False,
    )
    # DRF's metaclass moves declared fields off the class, so this does not shadow
    # Field.source at runtime; only the type stubs see a clash.
    source = SegmentCodeField(  # type: ignore[assignment]
        known=Source.values, other="", allow_null=True, required=False
    )
    visitorType = SegmentCodeField(
        known=VisitorType.values, other="", allow_null=True, required=False
    )
    country = CountryField(allow_null=True, required=False)
    campaign = CampaignField(allow_null=True, required=False)
    customSegments = serializers.ListField(
        child=StrictCharField(
            max_length=CUSTOM_SEGMENT_MAX_LENGTH,
            validators=[RegexValidator(r"\A[A-Za-z0-9_.:-]+\Z", "Must be a custom segment id.")],
        ),
        max_length=MAX_CUSTOM_SEGMENTS,
        allow_null=True,
        required=False,
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        for name in ("browser", "source", "visitorType", "country", "campaign"):
            if name in attrs and attrs[name] is None:
                attrs[name] = ""
        for name in ("devices", "customSegments"):
            if name in attrs:
                attrs[name] = _unique(attrs[name] or [])
        return attrs


class ExperienceField(serializers.Field[dict[str, str], dict[str, str], dict[str, str], Any]):
    """``{experienceId, variationId}``, both digit strings.

    A field rather than a nested serializer: it is validated up to 100 times per request,
    and a serializer per item costs more than the rest of the request.
    """

    default_error_messages = {"invalid": "Must be an object with experienceId and variationId."}

    def to_internal_value(self, data: Any) -> dict[str, str]:
        if not isinstance(data, dict):
            self.fail("invalid")
        errors: dict[str, list[str]] = {}
        for key in ("experienceId", "variationId"):
            problem = _digit_string_problem(data.get(key, _MISSING))
            if problem:
                errors[key] = [problem]
        if errors:
            raise serializers.ValidationError(errors)
        return {"experienceId": data["experienceId"], "variationId": data["variationId"]}

    def to_representation(self, value: dict[str, str]) -> dict[str, str]:
        return value


_MISSING = object()
_DIGITS = re.compile(r"[0-9]+")


def _digit_string_problem(value: object) -> str:
    if value is _MISSING:
        return "This field is required."
    if not isinstance(value, str):
        return "Must be a string of digits."
    if len(value) > CONVERT_ID_MAX_LENGTH:
        return f"Ensure this field has no more than {CONVERT_ID_MAX_LENGTH} characters."
    if not _DIGITS.fullmatch(value):
        return "Must be a string of digits."
    return ""


class ContextSerializer(serializers.Serializer[dict[str, Any]]):
    """The whole payload the listener posts."""

    visitorId = VisitorIdField()
    experiences = serializers.ListField(child=ExperienceField(), max_length=MAX_EXPERIENCES)
    segments = SegmentsSerializer(required=False)

    def validate_experiences(self, experiences: list[dict[str, str]]) -> list[dict[str, str]]:
        """Drop exact repeats; one experience reported in two variations is an error."""
        variations: dict[str, str] = {}
        for experience in experiences:
            seen = variations.setdefault(experience["experienceId"], experience["variationId"])
            if seen != experience["variationId"]:
                raise serializers.ValidationError(
                    f"Experience {experience['experienceId']} is reported in two variations.",
                    code="conflicting_variations",
                )
        return [{"experienceId": e, "variationId": v} for e, v in variations.items()]
