"""The example shop on a SQLite file, served by a real server: 48 guests check out and pay
at the same moment. No "database is locked", and every guest's conversion is recorded with
their own visitor id and delivered to the demo tracking stand-in."""

from __future__ import annotations

import os
import re
import secrets
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

EXAMPLE = Path(__file__).resolve().parent.parent / "example_project"
GUESTS = 48


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    """The example shop in demo mode (`manage.py demo --noreload`: runserver, threaded)."""
    port = free_port()
    database = tmp_path / "shop.sqlite3"
    log_path = tmp_path / "server.log"
    env = {**os.environ, "DEMO_DATABASE": str(database), "PYTHONUNBUFFERED": "1"}
    for name in ("CONVERT_ACCOUNT_ID", "DJANGO_SETTINGS_MODULE", "DATABASE_URL"):
        env.pop(name, None)
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, str(EXAMPLE / "manage.py"), "demo", f"127.0.0.1:{port}", "--noreload"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(log_path.read_text()) from None
                    time.sleep(0.2)
            yield f"http://127.0.0.1:{port}", database, log_path
        finally:
            server.terminate()
            server.wait(timeout=20)


def query(database: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(database, timeout=30) as connection:
        return connection.execute(sql).fetchall()


class Guest:
    """One anonymous visitor with their own cookies (visitor id, session, CSRF): a browser
    that ran the page's snippet, without the cost of 48 Chromiums."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = requests.Session()
        self.errors: list[str] = []
        self.number = ""

    def post(self, path: str) -> requests.Response:
        token = self.http.cookies.get("csrftoken", "")
        response = self.http.post(
            self.base + path,
            data={"csrfmiddlewaretoken": token},
            headers={"Referer": self.base + "/"},
            allow_redirects=False,
            timeout=60,
        )
        if response.status_code != 302:
            self.errors.append(f"POST {path}: {response.status_code} {response.text[:300]}")
        return response

    def shop_until_payment(self) -> None:
        self.http.get(self.base + "/", timeout=60).raise_for_status()
        # What the page's inline snippet does in a browser: create the visitor's id cookie
        # (the server never sets one on an anonymous page view).
        assert "convert_vid" not in self.http.cookies
        self.http.cookies.set("convert_vid", secrets.token_hex(16))
        self.post("/cart/add/1/")
        self.post("/cart/add/3/")
        location = self.post("/checkout/").headers.get("Location", "")
        match = re.search(r"/orders/([^/]+)/$", location)
        if match is None:
            self.errors.append(f"checkout did not lead to an order: {location!r}")
            return
        self.number = match.group(1)

    def pay(self) -> None:
        if self.number:
            self.post(f"/orders/{self.number}/pay/")


def test_48_concurrent_guest_checkouts_without_database_is_locked(
    shop: tuple[str, Path, Path],
) -> None:
    base, database, log_path = shop
    guests = [Guest(base) for _ in range(GUESTS)]
    # Everyone fills a cart and places an order at once, then everyone pays at once.
    for step in ("shop_until_payment", "pay"):
        start = threading.Barrier(GUESTS)

        def run(guest: Guest, step: str = step, start: threading.Barrier = start) -> None:
            start.wait()
            try:
                getattr(guest, step)()
            except requests.RequestException as error:
                guest.errors.append(f"{step}: {error!r}")

        threads = [threading.Thread(target=run, args=(guest,)) for guest in guests]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

    log = log_path.read_text()
    assert "database is locked" not in log
    assert [error for guest in guests for error in guest.errors] == []
    orders = dict(query(database, "SELECT number, visitor_id FROM shop_order WHERE status='paid'"))
    assert len(orders) == GUESTS
    # Each guest's own visitor id (their cookie) is on their order and their conversion.
    for guest in guests:
        assert orders[guest.number] == guest.http.cookies["convert_vid"]
    deadline = time.monotonic() + 90
    while True:
        # The guests' conversions only: `manage.py demo` may seed made-up ones, already
        # marked sent, for the experiment report (origin "seed_demo").
        sent = query(
            database,
            "SELECT transaction_id, visitor_id, amount FROM django_convert_conversion "
            "WHERE status = 'sent' AND origin != 'seed_demo'",
        )
        if len(sent) == GUESTS or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert sorted((number, visitor) for number, visitor, _ in sent) == sorted(orders.items())
    assert {float(amount) for _, _, amount in sent} == {24.90 + 12.50}
    assert "database is locked" not in log_path.read_text()
