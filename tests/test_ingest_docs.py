"""The forwarding example of docs/ingest.rst, run as written against the ingest endpoint."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import responses

from django_convert.signals import experiences_evaluated
from tests.docblocks import DOCS, rst_blocks
from tests.fixtures_ingest import VISITOR_ID, IngestClient, example_payload

PAGE = DOCS / "ingest.rst"
ANALYTICS_URL = "https://analytics.example/v1/batch"


def _forwarding_example() -> str:
    [block] = [block for block in rst_blocks(PAGE) if "experiences_evaluated" in block.code]
    return block.code


@pytest.fixture
def docs_receiver(settings: Any) -> Iterator[None]:
    settings.ANALYTICS_URL = ANALYTICS_URL
    namespace: dict[str, Any] = {"__name__": "docs_example"}
    exec(compile(_forwarding_example(), str(PAGE), "exec"), namespace)
    yield
    assert experiences_evaluated.disconnect(dispatch_uid="forward-convert-to-analytics")


@pytest.mark.django_db
@responses.activate
def test_docs_example_forwards_each_experience(
    docs_receiver: None, ingest_client: IngestClient, django_capture_on_commit_callbacks: Any
) -> None:
    responses.add(responses.POST, ANALYTICS_URL, json={"ok": True})

    with django_capture_on_commit_callbacks(execute=True):
        assert ingest_client.ingest(example_payload()).status_code == 204

    [call] = responses.calls
    batch = json.loads(call.request.body)["batch"]
    assert batch == [
        {
            "event": "Experiment Viewed",
            "userId": VISITOR_ID,
            "experimentId": "100127238",
            "variationId": "1001186427",
            "segments": example_payload()["segments"],
        }
    ]
