"""Run the Convert stand-in in its own process, so it does not share the GIL with the code
being measured."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def stand_in_process(latency_ms: float, *, other_posts: bool = False) -> Iterator[str]:
    """Yield the TRACKING_URL of a stand-in answering after ``latency_ms``; with
    ``other_posts``, it also answers 200 to POSTs on other paths (another client)."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "django_convert.testing.tracking_server",
            "--port",
            "0",
            "--latency-ms",
            str(latency_ms),
            *(["--other-posts"] if other_posts else []),
        ],
        cwd=Path(__file__).resolve().parent.parent,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("listening on "):
            raise RuntimeError(f"the stand-in did not start: {line!r}")
        yield line.removeprefix("listening on ").strip()
    finally:
        process.terminate()
        process.wait(10)
