"""ContextSerializer: Convert's enums, ids, limits, and the unknown-code rule."""

from __future__ import annotations

from typing import Any

import pytest

from django_convert.ingest.serializers import ContextSerializer
from tests.fixtures_ingest import example_payload


def _validated(**segments: Any) -> dict[str, Any]:
    payload = example_payload()
    payload["segments"] = segments
    serializer = ContextSerializer(data=payload)
    assert serializer.is_valid(), serializer.errors
    result: dict[str, Any] = serializer.validated_data["segments"]
    return result


def _errors(payload: Any) -> Any:
    serializer = ContextSerializer(data=payload)
    assert not serializer.is_valid()
    return serializer.errors


def test_example_payload_validates_unchanged() -> None:
    serializer = ContextSerializer(data=example_payload())
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data == example_payload()


@pytest.mark.parametrize("code", ["IE", "CH", "FF", "OP", "SF", "OTH"])
def test_api_browsers_are_kept(code: str) -> None:
    assert _validated(browser=code)["browser"] == code


@pytest.mark.parametrize("code", ["EDG", "MO", "NS", "BRAVE", "ch_new"])
def test_browsers_the_api_does_not_accept_are_stored_as_unknown(code: str) -> None:
    # Not "OTH": with enrichData a browser sent overwrites the one Convert stored, so a
    # code the API refuses is left out of conversions rather than replaced by a guess.
    assert _validated(browser=code)["browser"] == ""


def test_codes_are_matched_case_insensitively() -> None:
    segments = _validated(browser="ch", devices=["desk"], source="Direct", visitorType="NEW")
    assert segments == {
        "browser": "CH",
        "devices": ["DESK"],
        "source": "direct",
        "visitorType": "new",
    }


def test_unknown_devices_are_left_out() -> None:
    assert _validated(devices=["IPH", "WATCH", "TV", "IPH"])["devices"] == ["IPH"]
    assert _validated(devices=["WATCH"])["devices"] == []


def test_absent_segments_are_not_made_up() -> None:
    # The listener may report no segments at all (Convert reported none): nothing is filled
    # in, and the visitor's segments stay unknown (blank) and unsent.
    serializer = ContextSerializer(
        data={"visitorId": "visitor-1", "experiences": [], "segments": {}}
    )
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data["segments"] == {}
    bare = ContextSerializer(data={"visitorId": "visitor-1", "experiences": []})
    assert bare.is_valid(), bare.errors
    assert "segments" not in bare.validated_data


def test_unknown_source_and_visitor_type_are_stored_as_unknown() -> None:
    # Neither category has an "other" code: blank means unknown and is never sent.
    assert _validated(source="social", visitorType="frequent") == {"source": "", "visitorType": ""}


def test_null_segment_values_mean_unknown() -> None:
    segments = _validated(
        browser=None, devices=None, source=None, visitorType=None, country=None,
        campaign=None, customSegments=None,
    )  # fmt: skip
    assert segments == {
        "browser": "", "devices": [], "source": "", "visitorType": "", "country": "",
        "campaign": "", "customSegments": [],
    }  # fmt: skip


@pytest.mark.parametrize(("sent", "stored"), [("us", "US"), ("GB", "GB"), ("", ""), ("XX", "")])
def test_country_is_iso_alpha_2(sent: str, stored: str) -> None:
    assert _validated(country=sent)["country"] == stored


@pytest.mark.parametrize("country", ["USA", "U", "1A", "U S", 840])
def test_malformed_country_is_an_error(country: Any) -> None:
    payload = example_payload()
    payload["segments"]["country"] = country
    assert "country" in _errors(payload)["segments"]


@pytest.mark.parametrize("code", ["", "C H", "CH!", "1", "x" * 33, "<script>"])
def test_malformed_codes_are_errors(code: str) -> None:
    payload = example_payload()
    payload["segments"]["browser"] = code
    assert "browser" in _errors(payload)["segments"]


def test_exact_duplicate_experiences_collapse() -> None:
    payload = example_payload()
    payload["experiences"] *= 3
    serializer = ContextSerializer(data=payload)
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data["experiences"] == example_payload()["experiences"]


def test_errors_name_the_offending_item() -> None:
    payload = example_payload()
    payload["experiences"].append({"experienceId": "12", "variationId": "x1"})
    errors = _errors(payload)
    assert errors["experiences"][1]["variationId"] == ["Must be a string of digits."]


def test_custom_segments_are_deduplicated() -> None:
    assert _validated(customSegments=["1", "2", "1"])["customSegments"] == ["1", "2"]


def test_limits_are_inclusive() -> None:
    payload = example_payload()
    payload["experiences"] = [{"experienceId": str(i), "variationId": "1"} for i in range(100)]
    payload["segments"]["customSegments"] = [str(i) for i in range(50)]
    payload["segments"]["campaign"] = "c" * 255
    payload["experiences"][0]["experienceId"] = "9" * 32
    assert ContextSerializer(data=payload).is_valid()


def test_unknown_keys_are_ignored() -> None:
    payload = example_payload()
    payload["extra"] = {"a": 1}
    payload["segments"]["future"] = "x"
    serializer = ContextSerializer(data=payload)
    assert serializer.is_valid(), serializer.errors
    assert "extra" not in serializer.validated_data
    assert "future" not in serializer.validated_data["segments"]
