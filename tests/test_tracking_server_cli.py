"""``python -m django_convert.testing.tracking_server``: the standalone stand-in prints one
line per request, so a shell (or CI following the quick start) sees what it accepted."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import requests

BODY = {
    "accountId": "10012345",
    "projectId": "10056789",
    "enrichData": True,
    "source": "js-sdk",
    "visitors": [
        {
            "visitorId": "v1",
            "events": [
                {
                    "eventType": "conversion",
                    "data": {
                        "goalId": "100037225",
                        "goalData": [{"key": "transactionId", "value": "ORDER-1"}],
                        "bucketingData": {"100127238": "1001186427"},
                    },
                }
            ],
        }
    ],
}


def test_standalone_server_logs_what_it_accepted_and_rejected() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "django_convert.testing.tracking_server", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("listening on http://127.0.0.1:")
        url = first.removeprefix("listening on ").strip() + "/10012345/10056789"
        threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True).start()
        agent = {"User-Agent": "ConvertAgent/1.0 (test)"}
        assert requests.post(url, json=BODY, headers=agent, timeout=5).status_code == 200
        bad = requests.post(url, json={**BODY, "enrichData": "yes"}, headers=agent, timeout=5)
        assert bad.status_code == 400
        plain = requests.post(url, json=BODY, timeout=5)  # requests' own User-Agent
        assert plain.status_code == 200
        deadline = time.monotonic() + 5
        while len(lines) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        process.terminate()
        process.wait(5)
    assert lines[0] == (
        "accepted 200 /v1/track/10012345/10056789: 1 conversion(s), goals ['100037225']\n"
    )
    assert lines[1].startswith("rejected 400 /v1/track/10012345/10056789: {'enrichData'")
    assert lines[2] == (
        "rejected 200 /v1/track/10012345/10056789: "
        "not counted: the User-Agent must start with ConvertAgent/\n"
    )
