"""Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by Playwright.

Never ``playwright install``: browser downloads are impossible here, so Playwright is
pointed at the system browser.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Playwright's Chromium says navigator.webdriver = true, and the snippet treats automated
# browsers like crawlers (their posts store nothing) unless a shop's tests opt in. The tests
# that play a visitor play a person's browser: this flag makes navigator.webdriver false.
# tests/test_browser_identity.py drives the automated case and the opt-in.
VISITOR_ARGS = ["--disable-blink-features=AutomationControlled"]
HAVE_CHROMIUM = Path(CHROMIUM).exists()
# Headless Chromium says "HeadlessChrome" in its user agent, which the crawler list (rightly)
# matches: the ingest endpoint ignores its posts. Tests that play a visitor use this one.
VISITOR_USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)


@contextmanager
def launch_chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread, which Django takes
    # for an async context; the ORM calls in these tests are still plain synchronous calls.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *VISITOR_ARGS]
            )
            try:
                yield browser
            finally:
                browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous
