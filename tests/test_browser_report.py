"""The experiment report in headless Chromium: under a strict nonce-based CSP (nothing
refused, the chart drawn), and on the demo shop after ``manage.py demo`` seeded its traffic.

Saves screenshots to $DJANGO_CONVERT_SCREENSHOTS when set (docs/_static/screenshots/).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from tests.browser import CHROMIUM, HAVE_CHROMIUM, launch_chromium
from tests.test_admin_report import RANGE, URL
from tests.test_example_project import demo_server
from tests.test_reports_experiment import GREEN, ORIGINAL, configure, seed

__all__ = ["demo_server"]
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not HAVE_CHROMIUM, reason=f"no Chromium at {CHROMIUM}"),
]
STRICT_CSP = (
    "default-src 'none'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'nonce-{nonce}'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)


def add_strict_csp(page: Any) -> None:
    """Every response from the server gets a strict CSP (no 'unsafe-inline' for scripts or
    styles, so an inline style attribute or script would be refused and logged)."""

    def handle(route: Any) -> None:
        response = route.fetch()
        nonce = secrets.token_urlsafe(16)
        headers = {**response.headers, "content-security-policy": STRICT_CSP.format(nonce=nonce)}
        route.fulfill(response=response, headers=headers)

    page.route("**/*", handle)


def shot(page: Any, tmp_path: Path, name: str) -> Path:
    target = Path(os.environ.get("DJANGO_CONVERT_SCREENSHOTS") or tmp_path) / name
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 10_000
    return target


def watch(page: Any, base: str) -> list[str]:
    """Console errors and warnings (CSP refusals among them), and any request elsewhere."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda message: (
            message.type in ("error", "warning")
            # A failed load is reported by URL below (a missing favicon is not a problem).
            and not message.text.startswith("Failed to load resource")
            and problems.append(message.text)
        ),
    )
    page.on(
        "response",
        lambda r: r.status >= 400 and not r.url.endswith("/favicon.ico") and problems.append(r.url),
    )
    page.on("request", lambda r: r.url.startswith(base + "/") or problems.append(r.url))
    return problems


@pytest.mark.django_db(transaction=True)
def test_report_under_a_strict_csp(live_server, tmp_path) -> None:
    configure({ORIGINAL: 50, GREEN: 50})
    seed({ORIGINAL: 500, GREEN: 500}, {ORIGINAL: 0.05, GREEN: 0.08})
    get_user_model().objects.create_superuser("boss", password="pw")
    with launch_chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        add_strict_csp(page)
        problems = watch(page, live_server.url)
        page.goto(live_server.url + "/admin/login/")
        page.fill("#id_username", "boss")
        page.fill("#id_password", "pw")
        page.click("input[type=submit]")
        query = "&".join(f"{key}={value}" for key, value in RANGE.items())
        response = page.goto(f"{live_server.url}{URL}?{query}")
        assert "nonce-" in response.headers["content-security-policy"]
        page.wait_for_selector("svg.convert-report-chart")
        assert page.locator("svg.convert-report-chart rect").count() == 2
        chart = page.text_content("svg.convert-report-chart")
        assert "Original" in chart
        assert "Green button" in chart
        # The stylesheet applied (it is linked, not inline): numbers are right-aligned.
        align = page.eval_on_selector("td.number", "td => getComputedStyle(td).textAlign")
        assert align == "right"
        page.screenshot(path=str(tmp_path / "report-csp.png"), full_page=True)
    assert problems == []


def test_report_in_the_demo_shop(demo_server, tmp_path) -> None:
    base, _database = demo_server
    with launch_chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        problems = watch(page, base)
        page.goto(base + "/admin/login/")
        page.fill("#id_username", "admin")
        page.fill("#id_password", "demo-admin")
        page.click("input[type=submit]")
        page.goto(base + "/admin/django_convert/bucketing/report/")
        page.click("text=Checkout button colour (100127238)")
        page.wait_for_selector("svg.convert-report-chart")
        text = page.inner_text("#content-main")
        assert "A: blue button" in text
        assert "B: green button" in text
        assert "The split matches the configured traffic allocation" in text
        shot(page, tmp_path, "experiment-report.png")
        # The admin's dark theme: the chart's text and axes follow it (currentColor).
        page.emulate_media(color_scheme="dark")
        fill = page.eval_on_selector("svg.convert-report-chart", "s => getComputedStyle(s).color")
        assert fill != "rgb(0, 0, 0)"
        page.screenshot(path=str(tmp_path / "report-dark.png"))
        page.emulate_media(color_scheme="light")
        page.goto(base + "/admin/django_convert/bucketing/report/100127239/")
        assert page.locator("svg.convert-report-chart rect").count() == 3
        shot(page, tmp_path, "experiment-report-three-way.png")
    assert problems == []
