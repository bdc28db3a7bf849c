"""Property test: whatever a client posts, no 5xx, and either all of it is stored or none."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from django_convert.models import Visitor
from django_convert.segments import API_BROWSERS, COUNTRIES, Device, Source, VisitorType
from tests.fixtures_ingest import VISITOR_ID, IngestClient, stored

pytestmark = pytest.mark.django_db

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**40, max_value=10**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)


def sometimes(good: st.SearchStrategy[Any], odds: int = 12) -> st.SearchStrategy[Any]:
    """Mostly a plausible value, once in ``odds`` draws anything at all."""
    junk = st.sampled_from([False] * (odds - 1) + [True])
    return junk.flatmap(lambda is_junk: json_values if is_junk else good)


digits = st.text(alphabet="0123456789", min_size=1, max_size=32)
readable = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=255)
segment_ids = st.text(alphabet="abcXYZ019_.:-", min_size=1, max_size=64)
codes = st.sampled_from(["CH", "EDG", "ch", "OTH", "DESK", "WATCH", "new", "direct", "ai_tool"])
experience = st.fixed_dictionaries(
    {"experienceId": sometimes(digits, 40), "variationId": sometimes(digits, 40)}
)
segments = st.fixed_dictionaries(
    {},
    optional={
        "browser": sometimes(codes),
        "devices": sometimes(st.lists(codes, max_size=18)),
        "source": sometimes(codes),
        "visitorType": sometimes(codes),
        "country": sometimes(st.sampled_from(["US", "gb", "", "XX", "USA", "É"])),
        "campaign": sometimes(readable),
        "customSegments": sometimes(st.lists(sometimes(segment_ids), max_size=52)),
    },
)
payloads = st.fixed_dictionaries(
    {
        "visitorId": sometimes(st.sampled_from([VISITOR_ID] * 8 + ["someone-else", "a@b.c"])),
        "experiences": sometimes(st.lists(sometimes(experience, 40), max_size=105)),
    },
    optional={"segments": sometimes(segments)},
)


def _bodies() -> st.SearchStrategy[bytes]:
    encoded = st.tuples(payloads, st.booleans()).map(
        lambda pair: json.dumps(pair[0], ensure_ascii=pair[1]).encode()
    )
    anything = st.tuples(json_values, st.booleans()).map(
        lambda pair: json.dumps(pair[0], ensure_ascii=pair[1]).encode()
    )
    return st.one_of(encoded, encoded, encoded, encoded, anything, st.binary(max_size=300))


def _assert_convert_would_accept(visitor: Visitor) -> None:
    assert visitor.browser in API_BROWSERS | {""}
    assert set(visitor.devices) <= set(Device.values)
    assert visitor.source in {*Source.values, ""}
    assert visitor.visitor_type in {*VisitorType.values, ""}
    assert visitor.country in COUNTRIES | {""}
    for experience_id, variation_id in visitor.bucketing_data().items():
        assert experience_id.isdigit()
        assert variation_id.isdigit()


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=_bodies())
def test_any_body_gets_no_5xx_and_is_stored_whole_or_not_at_all(
    ingest_client: IngestClient, convert_settings: Any, body: bytes
) -> None:
    convert_settings(INGEST_THROTTLE_RATE=None)
    before = stored()

    response = ingest_client.ingest(raw=body)
    event(f"HTTP {response.status_code}")

    assert response.status_code in (204, 400, 403, 413), response.content
    if response.status_code != 204:
        assert stored() == before
        return
    payload = json.loads(body)
    visitor = Visitor.objects.get(visitor_id=VISITOR_ID)
    _assert_convert_would_accept(visitor)
    bucketing = visitor.bucketing_data()
    for item in payload["experiences"]:
        assert bucketing[item["experienceId"]] == item["variationId"]
