"""Real workers for DELIVERY="task" (django-tasks-db's ``db_worker``) and "celery" (a
Celery worker on the local Redis), started as subprocesses on this test database."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from importlib.util import find_spec
from typing import Any

import django
import pytest
from django.conf import settings

from tests.fixtures_convert import worker_env

CELERY_QUEUE = "django-convert-tests"
TASK_QUEUE = "convert"  # one of the QUEUES in tests/settings.py's TASKS
# Run what is queued, then exit.
DB_WORKER_ARGS = ["--batch", "--no-startup-delay", "--queue-name", TASK_QUEUE]
# One task at a time, in the worker process, without cluster chatter (starts in ~1 s).
CELERY_WORKER_ARGS = [
    "--pool=solo",
    "-c",
    "1",
    "--without-gossip",
    "--without-mingle",
    "--without-heartbeat",
    "-Q",
    CELERY_QUEUE,
    "--loglevel=INFO",
]


def tasks_framework_missing() -> str | None:
    """Why DELIVERY="task" cannot run here at all, or None."""
    if django.VERSION >= (6, 0) or find_spec("django_tasks") is not None:
        return None
    return "the django-tasks backport is not installed (Django < 6 has no django.tasks)"


def db_backend_missing() -> str | None:
    """Why the django-tasks-db worker tests cannot run here, or None."""
    if "django_tasks_db" not in settings.INSTALLED_APPS:
        return "django-tasks-db is not installed: pip install 'django-convert[tasks]'"
    return None


needs_tasks_framework = pytest.mark.skipif(
    tasks_framework_missing() is not None, reason=str(tasks_framework_missing())
)
needs_db_backend = pytest.mark.skipif(
    db_backend_missing() is not None, reason=str(db_backend_missing())
)


@pytest.fixture
def db_worker() -> Callable[..., subprocess.CompletedProcess[str]]:
    """``db_worker(server, **DJANGO_CONVERT)``: run django-tasks-db's worker over what is
    queued on TASK_QUEUE, until the queue is empty (``--batch``)."""

    def run(server: Any, **convert: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "django", "db_worker", *DB_WORKER_ARGS],
            env=worker_env(server, **convert),
            capture_output=True,
            text=True,
            timeout=60,
        )

    return run


# What Celery/kombu keep in the broker database: queues (ours, Celery's default), their
# bindings, and the acks_late bookkeeping. Anything else there belongs to someone else.
CELERY_KEY_PREFIXES = ("_kombu.", "unacked", CELERY_QUEUE, "celery")


def empty_test_redis(url: str) -> None:
    """Empty the tests' Redis database, refusing when it holds keys the tests did not make
    (a shared database: emptying it would destroy someone's data)."""
    import redis

    client = redis.Redis.from_url(url, socket_timeout=2)
    try:
        foreign = [
            key
            for key in client.scan_iter(count=1000)
            if not key.decode(errors="replace").startswith(CELERY_KEY_PREFIXES)
        ]
        if foreign:
            pytest.fail(
                f"The tests' Redis database {url} holds keys the tests did not make "
                f"(e.g. {sorted(foreign)[:3]!r}), and the Celery tests empty it before each "
                "test. Point DJANGO_CONVERT_TEST_REDIS_URL at a database nothing else uses, "
                "e.g. redis://127.0.0.1:6379/15."
            )
        client.flushdb()
    except redis.exceptions.ConnectionError as exc:
        pytest.fail(
            f"Celery tests need Redis at {url} ({exc}). Start it with: "
            'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no'
            ", or set DJANGO_CONVERT_TEST_REDIS_URL."
        )


@pytest.fixture
def celery_app() -> Any:
    """The tests' Celery app, current in this process, on an empty tests' Redis database
    (``DJANGO_CONVERT_TEST_REDIS_URL``)."""
    from celery import current_app

    from tests.celery_app import app

    empty_test_redis(settings.CELERY_BROKER_URL)
    previous = current_app._get_current_object()
    app.set_current()
    yield app
    previous.set_current()


class CeleryWorker:
    """A ``celery worker`` subprocess; its log (stderr) is collected on a thread."""

    def __init__(self, server: Any, env: dict[str, str] | None = None, **convert: Any) -> None:
        self.lines: list[str] = []
        self._ready = threading.Event()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "tests.celery_app",
                "worker",
                *CELERY_WORKER_ARGS,
            ],
            env={
                **worker_env(server, DELIVERY="celery", CELERY_QUEUE=CELERY_QUEUE, **convert),
                **(env or {}),
            },
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()
        if not self._ready.wait(30):
            self.stop()
            raise AssertionError("the Celery worker did not start:\n" + self.log)

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)
            if " ready." in line:
                self._ready.set()

    @property
    def log(self) -> str:
        return "".join(self.lines)

    def succeeded(self) -> list[str]:
        return [line for line in self.lines if "succeeded in" in line]

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, no acknowledgement, as when a machine dies."""
        self.process.kill()
        self.process.wait(10)

    def stop(self) -> int:
        """Warm shutdown (SIGTERM): the task in progress is finished first."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        return self.process.returncode


@pytest.fixture
def celery_worker(celery_app: Any) -> Iterator[Callable[..., CeleryWorker]]:
    """``celery_worker(server, env=None, **DJANGO_CONVERT)``: a started worker consuming
    CELERY_QUEUE, stopped (by its own pid) at teardown, before the database is flushed."""
    started: list[CeleryWorker] = []

    def start(server: Any, env: dict[str, str] | None = None, **convert: Any) -> CeleryWorker:
        worker = CeleryWorker(server, env, **convert)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()
