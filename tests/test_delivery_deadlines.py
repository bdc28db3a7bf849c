"""Deadlines bound delivery, whatever the other side does: a worker asked to stop ends
within TIMEOUT plus a few seconds even while Convert trickles its answer, and a config
endpoint that trickles never holds up delivery (``convert_deliver --loop`` and a cron
``convert_deliver``)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from django_convert.models import Conversion
from tests.fixtures_convert import make_conversions, worker_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.servers]


def deliver_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "django", "convert_deliver", *args]


def test_sigterm_mid_answer_stops_within_the_deadline(convert_server, tmp_path) -> None:
    make_conversions(3)
    convert_server.trickle(0.5, times=None)  # 27 bytes at 2 a second: 13 s per answer
    log = (tmp_path / "loop.log").open("w")
    loop = subprocess.Popen(
        deliver_command("--loop", "--interval", "0.2"),
        env=worker_env(convert_server, TIMEOUT=2.0, LEASE_SECONDS=6),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while not convert_server.received and time.monotonic() < deadline:
        time.sleep(0.05)
    assert convert_server.received, "no request was made"
    stopped = time.monotonic()
    loop.send_signal(signal.SIGTERM)
    loop.wait(30)
    took = time.monotonic() - stopped
    assert took < 2.0 + 4.0, took  # TIMEOUT, then the answer is recorded (no waiting on bytes)
    assert not Conversion.objects.filter(status="sent").exists()  # no answer, no "sent"
    assert set(Conversion.objects.values_list("status", flat=True)) == {"pending"}


def test_a_trickling_config_endpoint_never_holds_up_delivery(convert_server, tmp_path) -> None:
    convert_server.trickle_config(0.5)  # headers at once, then a byte every 0.5 s
    make_conversions(5)
    env = worker_env(convert_server, TIMEOUT=2.0, CONFIG_SYNC_INTERVAL=3600)
    env["DJANGO_CONVERT_JSON"] = env["DJANGO_CONVERT_JSON"].replace(
        '"TRACKING_URL"', f'"CONFIG_URL": "{convert_server.config_url}", "TRACKING_URL"'
    )
    started = time.monotonic()
    once = subprocess.run(
        deliver_command(), env=env, capture_output=True, text=True, timeout=60
    )  # a cron run: sends first, then waits at most TIMEOUT for the sync
    took = time.monotonic() - started
    assert once.returncode == 0, once.stderr
    assert "sent 5" in once.stdout
    assert took < 15, took  # Django start-up, sending, and the sync's 2 s deadline
    assert "not synced" in once.stderr  # the sync gave up at its deadline, and said so

    make_conversions(5, start=5)
    log = (tmp_path / "loop.log").open("w")
    loop = subprocess.Popen(
        deliver_command("--loop", "--interval", "0.2"), env=env, stdout=log, stderr=log
    )
    try:
        deadline = time.monotonic() + 20
        while Conversion.objects.exclude(status="sent").exists():
            assert time.monotonic() < deadline, (tmp_path / "loop.log").read_text()
            time.sleep(0.05)
    finally:
        loop.send_signal(signal.SIGTERM)
        loop.wait(30)
