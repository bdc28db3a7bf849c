# ruff: noqa: F811 - start_server is the WSGI tests' fixture, taken as a parameter here
"""The exit send under real ASGI servers: uvicorn (one process and --workers 2), gunicorn
with UvicornWorker, and daphne. SIGTERM while a paid order's conversion is being sent:
the batch in flight is recorded and the process's own rows are sent before it exits;
with Convert down, the process says how many it could not send.

The application is ``tests/asgi_server.py``: Django's, wrapped by
``django_convert.asgi.with_lifespan`` as the docs say.
"""

from __future__ import annotations

import shutil
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from django_convert.models import Conversion
from tests.test_delivery_servers import (
    BIN,
    Server,
    guest_order,
    sent,
    server_env,
    start_server,  # noqa: F401 - a fixture
    wait_for,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.servers]

APP = "tests.asgi_server:application"
HAVE = {name: shutil.which(name, path=str(BIN)) is not None for name in ("uvicorn", "daphne")}
SERVERS: dict[str, list[str]] = {
    "uvicorn": [str(BIN / "uvicorn"), APP, "--host", "127.0.0.1", "--port", "{port}"],
    "uvicorn --workers 2": [
        str(BIN / "uvicorn"), APP, "--host", "127.0.0.1", "--port", "{port}", "--workers", "2",
    ],
    "gunicorn UvicornWorker": [
        str(BIN / "gunicorn"), "-k", "uvicorn.workers.UvicornWorker", "-w", "1",
        "-b", "127.0.0.1:{port}", APP,
    ],
    "daphne": [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", "{port}", APP],
}  # fmt: skip


def needs(name: str) -> Any:
    program = "daphne" if name == "daphne" else "uvicorn"
    return pytest.param(
        name, marks=pytest.mark.skipif(not HAVE[program], reason=f"{program} is not installed")
    )


def paid_and_stopped(server: Server, convert_server: Any) -> float:
    """Pay A-1 (its conversion goes out on the worker thread, Convert answering slowly),
    then SIGTERM the server while that request is in flight; returns how long it took."""
    guest_order("A-1")
    server.get("/pay/A-1/", method="POST")
    wait_for(lambda: convert_server.received, 10, "the conversion's request")
    workers = children(server.process.pid)  # uvicorn --workers: the processes that serve
    started = time.monotonic()
    server.process.send_signal(signal.SIGTERM)
    server.process.wait(30)
    # A supervisor may exit before its workers have: wait for them too (by their pids).
    wait_for(lambda: not any(Path(f"/proc/{pid}").exists() for pid in workers), 20, "workers")
    return time.monotonic() - started


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


@pytest.mark.parametrize("name", [needs(name) for name in SERVERS])
def test_sigterm_mid_send_records_the_answer_and_sends_before_exit(
    name: str, convert_server: Any, start_server: Callable[..., Server]
) -> None:
    convert_server.latency = 1.0  # Convert answers slowly: the stop comes mid-request
    server = start_server(SERVERS[name], server_env(convert_server, EXIT_TIMEOUT=5.0))
    took = paid_and_stopped(server, convert_server)
    assert took < 15, server.log
    assert sent("A-1"), server.log
    assert convert_server.accepted_transaction_ids() == ["A-1"]
    assert "were not sent" not in server.log
    assert "Traceback" not in server.log


@pytest.mark.parametrize("name", [needs(name) for name in SERVERS])
def test_convert_down_at_sigterm_is_said_with_the_count(
    name: str, convert_server: Any, start_server: Callable[..., Server]
) -> None:
    convert_server.fail(503, times=None)
    server = start_server(SERVERS[name], server_env(convert_server, EXIT_TIMEOUT=2.0))
    paid_and_stopped(server, convert_server)
    assert (
        "1 conversion(s) recorded by this process were not sent to Convert before it exited"
        in server.log
    )
    assert Conversion.objects.get(transaction_id="A-1").status == "pending"


@pytest.mark.skipif(not HAVE["uvicorn"], reason="uvicorn is not installed")
def test_uvicorn_without_the_lifespan_wrapper_says_so_once(
    convert_server: Any, start_server: Callable[..., Server]
) -> None:
    args = [*SERVERS["uvicorn"][:1], "tests.asgi_server:django_only", *SERVERS["uvicorn"][2:]]
    server = start_server(args, server_env(convert_server))
    for _ in range(3):
        server.get("/ping/")
    server.stop()
    assert server.log.count("django_convert.asgi.with_lifespan") == 1
