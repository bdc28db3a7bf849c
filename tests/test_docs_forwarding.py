"""The forwarding pages (docs/forwarding/*.rst, issue 22) say what really happens: the
shop-test example of docs/testing.rst runs against the real ingest view and delivery, and
each page's "What is sent" JSON has exactly the fields the destination's stand-in really
receives (the values are examples; the names and the event are checked)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from django_convert.testing import capture_forwarded
from tests.docblocks import DOCS as BLOCKS_ROOT_DOCS
from tests.docblocks import all_blocks

DOCS = BLOCKS_ROOT_DOCS / "forwarding"
FORWARD = {
    "ga4": {"MEASUREMENT_ID": "G-DOCS00001", "API_SECRET": "docs-secret"},
    "segment": {"WRITE_KEY": "docs-write-key"},
    "mixpanel": {"PROJECT_TOKEN": "docs-token"},
}
VISITOR = "3f2a9c1be8d04a7f9b1c2d3e4f5a6b7c"
JSON_BLOCK = re.compile(r"^\.\. code-block:: json\n\n((?:   .*\n|\n)+)", re.M)


def documented_body(page: str) -> Any:
    """The first JSON block of ``docs/forwarding/<page>.rst`` (its "What is sent")."""
    text = (DOCS / f"{page}.rst").read_text(encoding="utf-8")
    match = JSON_BLOCK.search(text)
    assert match, f"{page}.rst shows no JSON body"
    return json.loads(match.group(1))


def shape(value: Any) -> Any:
    """The field names of a JSON value, recursively (lists by their first item)."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__ if isinstance(value, bool) else "value"


@pytest.mark.django_db
def test_the_testing_page_example_runs(client: Client, settings: Any) -> None:
    [block] = [b for b in all_blocks() if "def test_the_hero_test_reaches_segment" in b.code]
    namespace: dict[str, Any] = {"__name__": "docs_example"}
    exec(compile(block.code, block.name, "exec"), namespace)
    namespace["test_the_hero_test_reaches_segment"](client, settings)


@pytest.mark.django_db
def test_each_page_shows_the_body_really_sent(client: Client, settings: Any) -> None:
    settings.DJANGO_CONVERT = {**settings.DJANGO_CONVERT, "FORWARD": FORWARD}
    client.cookies["convert_vid"] = VISITOR
    body = {
        "visitorId": VISITOR,
        "experiences": [{"experienceId": "100127238", "variationId": "1001186427"}],
        "destinationIds": {"ga4": "1.2", "segment": "ajs-1", "mixpanel": "dev-1"},
    }
    with capture_forwarded() as capture:
        answer = client.post(
            "/convert/context/",
            json.dumps(body),
            content_type="application/json",
            headers={"X-Convert-Listener": "1"},
        )
        assert answer.status_code == 204
        capture.deliver()
        assert capture.problems() == {}
        sent = {name: server.received[0].body for name, server in capture.servers.items()}
    for page in ("ga4", "segment", "mixpanel"):
        documented = documented_body(page)
        assert shape(documented) == shape(sent[page]), page
    assert documented_body("ga4")["events"][0]["name"] == sent["ga4"]["events"][0]["name"]
    assert documented_body("segment")["batch"][0]["event"] == sent["segment"]["batch"][0]["event"]
    assert documented_body("mixpanel")[0]["event"] == sent["mixpanel"][0]["event"]


def test_every_forwarding_page_is_in_the_toctree() -> None:
    index = (BLOCKS_ROOT_DOCS / "index.rst").read_text(encoding="utf-8")
    for page in sorted(Path(DOCS).glob("*.rst")):
        assert f"forwarding/{page.stem}" in index
