"""The demo shop serves and shows the project config: names from the first page, and
``convert_sync`` fetching over HTTP from the demo's stand-in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request

from tests.test_example_project import EXAMPLE, demo_server, query

__all__ = ["demo_server"]  # the fixture, imported for this module's tests


def test_demo_seeds_and_serves_the_project_config(demo_server) -> None:
    base, database = demo_server
    names = dict(query(database, "SELECT id, name FROM django_convert_experience"))
    assert names["100127238"] == "Checkout button colour"
    variations = dict(query(database, "SELECT id, name FROM django_convert_experience_variation"))
    assert variations["1001186427"] == "A: blue button"
    assert variations["1001186428"] == "B: green button"
    assert dict(query(database, "SELECT id, name FROM django_convert_goal"))["100037225"] == (
        "Purchase"
    )
    url = f"{base}/demo-convert/api/v1/config/10012345/10056789"
    with urllib.request.urlopen(url, timeout=10) as response:
        served = json.load(response)
    assert served["project"]["id"] == "10056789"
    assert {e["id"] for e in served["experiences"]} >= {"100127238"}

    env = {**os.environ, "DEMO_DATABASE": str(database), "DEMO_BASE_URL": base}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    synced = subprocess.run(
        [sys.executable, str(EXAMPLE / "manage.py"), "convert_sync"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert synced.returncode == 0, synced.stderr
    assert "Synced 3 experiences, 7 variations and 3 goals" in synced.stdout
