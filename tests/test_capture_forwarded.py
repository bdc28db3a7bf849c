"""capture_forwarded(): a shop's test sees what each configured destination received, in
its own format, through the real ingest view and the real delivery (issue 22)."""

from __future__ import annotations

import pytest

from django_convert.testing import capture_forwarded
from tests.fixtures_ingest import VISITOR_ID, IngestClient, example_payload

FORWARD = {
    "ga4": {"MEASUREMENT_ID": "G-TEST123", "API_SECRET": "ga-secret"},
    "segment": {"WRITE_KEY": "seg-write-key"},
    "mixpanel": {"PROJECT_TOKEN": "mp-token"},
}
BROWSER_IDS = {"ga4": "1234567890.1700000000", "segment": "ajs-anon-1", "mixpanel": "mp-device-1"}

pytestmark = pytest.mark.django_db(transaction=True)


def test_each_destination_gets_one_impression_with_its_browser_id(
    ingest_client: IngestClient, convert_settings
) -> None:
    convert_settings(FORWARD=FORWARD)
    with capture_forwarded() as capture:
        payload = {**example_payload(), "destinationIds": BROWSER_IDS}
        assert ingest_client.ingest(payload).status_code < 300
        assert ingest_client.ingest(payload).status_code < 300  # seen again: nothing new
        sent = capture.deliver()
        assert capture.problems() == {}
    for name in ("ga4", "segment", "mixpanel"):
        [impression] = sent[name]
        assert impression.visitor_id == VISITOR_ID
        assert impression.browser_id == BROWSER_IDS[name]
        assert (impression.experience_id, impression.variation_id) == ("100127238", "1001186427")
    ga4 = sent["ga4"][0].raw
    assert ga4["params"]["exp_variant_string"] == "CONVERT-100127238-1001186427"
    assert sent["segment"][0].raw["event"] == "Experiment Viewed"
    assert sent["mixpanel"][0].raw["event"] == "$experiment_started"
    # The stand-ins checked the credentials: the requests carried the shop's own.
    assert capture.ga4.received[0].query == {
        "measurement_id": "G-TEST123",
        "api_secret": "ga-secret",
    }


def test_only_configured_destinations_receive_anything(
    ingest_client: IngestClient, convert_settings
) -> None:
    convert_settings(FORWARD={"segment": FORWARD["segment"]})
    with capture_forwarded() as capture:
        ingest_client.ingest(example_payload())
        sent = capture.deliver()
    assert [i.browser_id for i in sent["segment"]] == [None]
    assert capture.ga4.received == []
    assert capture.mixpanel.received == []


def test_wrong_credentials_show_as_problems(ingest_client: IngestClient, convert_settings) -> None:
    """The stand-ins hold the shop's credentials; ``forward=`` sends with others, as a
    mistyped key would: GA4 and Segment answer 2xx and drop, Mixpanel answers 401."""
    convert_settings(FORWARD=FORWARD)
    wrong = {
        "ga4": {**FORWARD["ga4"], "API_SECRET": "typo"},
        "segment": {"WRITE_KEY": "typo"},
        "mixpanel": {"PROJECT_TOKEN": "typo"},
    }
    with capture_forwarded() as capture:
        assert capture.ga4.api_secret == "ga-secret"
        assert capture.segment.write_key == "seg-write-key"
        convert_settings(
            FORWARD={name: {**wrong[name], "URL": capture.servers[name].url} for name in wrong}
        )
        ingest_client.ingest(example_payload())
        sent = capture.deliver()
        problems = capture.problems()
    assert sent == {"ga4": [], "segment": [], "mixpanel": []}
    assert "api_secret: unknown api_secret (VALUE_INVALID)" in problems["ga4"]
    assert problems["segment"] == ["unknown write key"]
    assert problems["mixpanel"] == ["authorization: invalid or missing credentials"]
