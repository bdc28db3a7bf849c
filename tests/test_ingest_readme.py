"""The README's forwarding example, run as written against the ingest endpoint."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import responses

from django_convert.signals import experiences_evaluated
from tests.fixtures_ingest import VISITOR_ID, IngestClient, example_payload

README = Path(__file__).resolve().parent.parent / "README.md"
ANALYTICS_URL = "https://analytics.example/v1/batch"


def _forwarding_example() -> str:
    section = README.read_text().split("### Forwarding to other analytics", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match, "the README's forwarding section has no python example"
    return match.group(1)


@pytest.fixture
def readme_receiver(settings: Any) -> Iterator[None]:
    settings.ANALYTICS_URL = ANALYTICS_URL
    namespace: dict[str, Any] = {"__name__": "readme_example"}
    exec(compile(_forwarding_example(), str(README), "exec"), namespace)
    yield
    assert experiences_evaluated.disconnect(dispatch_uid="forward-convert-to-analytics")


@pytest.mark.django_db
@responses.activate
def test_readme_example_forwards_each_experience(
    readme_receiver: None, ingest_client: IngestClient, django_capture_on_commit_callbacks: Any
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
