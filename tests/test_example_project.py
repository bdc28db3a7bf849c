"""The example shop end to end, as a person would use it, through the demo stand-ins:
a page view buckets the visitor, the listener's ingest stores it, paying an order records
a conversion, and the background worker delivers it to the local tracking stand-in."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser import CHROMIUM, HAVE_CHROMIUM, VISITOR_USER_AGENT, launch_chromium

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not HAVE_CHROMIUM, reason=f"no Chromium at {CHROMIUM}"),
]

EXAMPLE = Path(__file__).resolve().parent.parent / "example_project"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def demo_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    port = free_port()
    database = tmp_path / "demo.sqlite3"
    env = {**os.environ, "DEMO_DATABASE": str(database), "PYTHONUNBUFFERED": "1"}
    env.pop("CONVERT_ACCOUNT_ID", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, str(EXAMPLE / "manage.py"), "demo", f"127.0.0.1:{port}", "--noreload"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((tmp_path / "server.log").read_text()) from None
                time.sleep(0.2)
        yield base, database
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


def query(database: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(database, timeout=20) as connection:
        return connection.execute(sql).fetchall()


def wait_for(fn, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while not (result := fn()):
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.2)
    return result


def test_shop_flow_from_page_view_to_delivered_conversion(demo_server) -> None:
    base, database = demo_server
    with launch_chromium() as browser:
        page = browser.new_page(user_agent=VISITOR_USER_AGENT)
        with page.expect_response(lambda r: r.url.endswith("/convert/context/")) as ingest:
            page.goto(base + "/")
        assert ingest.value.ok
        # The page's snippet created the id in the browser (pages carry none).
        [visitor_id] = [c["value"] for c in page.context.cookies() if c["name"] == "convert_vid"]

        # The visitor's bucketing is stored, as the admin would show it.
        [(variation,)] = query(
            database,
            "SELECT b.variation_id FROM django_convert_bucketing b JOIN django_convert_visitor v "
            f"ON b.visitor_id = v.id WHERE v.visitor_id = '{visitor_id}' "
            "AND b.experience_id = '100127238'",
        )
        assert variation in ("1001186427", "1001186428")

        page.click("#add-1")
        page.click("#checkout")
        page.click("#pay")
        assert page.inner_text("#order-status") == "paid"

    [(number,)] = query(database, "SELECT number FROM shop_order")
    sent = wait_for(
        lambda: query(
            database,
            # Leaves out the made-up traffic `demo` seeds for the experiment report.
            "SELECT status, transaction_id FROM django_convert_conversion "
            "WHERE status = 'sent' AND origin != 'seed_demo'",
        )
    )
    assert sent == [("sent", number)]
    [(body,)] = query(database, "SELECT body FROM convert_standin_receivedrequest")
    payload = json.loads(body)
    [visitor] = payload["visitors"]
    assert visitor["visitorId"] == visitor_id
    [event] = visitor["events"]
    assert event["eventType"] == "conversion"
    assert event["data"]["goalId"] == "100037225"
    assert event["data"]["bucketingData"] == {"100127238": variation}
    goal_data = {item["key"]: item["value"] for item in event["data"]["goalData"]}
    assert goal_data == {"amount": 24.9, "productsCount": 1, "transactionId": number}
