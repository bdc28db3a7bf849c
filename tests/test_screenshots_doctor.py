"""Headless Chromium on the demo shop: buy, then open the admin's Diagnose page and the
changelists with names. Saves screenshots to $DJANGO_CONVERT_SCREENSHOTS when set (the
docs use them: docs/_static/screenshots/)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser import CHROMIUM, HAVE_CHROMIUM, VISITOR_USER_AGENT, launch_chromium
from tests.test_example_project import EXAMPLE, demo_server, query, wait_for

__all__ = ["demo_server"]
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not HAVE_CHROMIUM, reason=f"no Chromium at {CHROMIUM}"),
]

NEWSLETTER = """
from django_convert import track_conversion
track_conversion(visitor_id={visitor!r}, goal_id="100037227", transaction_id="SIGNUP-{visitor}")
"""


def shot(page, tmp_path: Path, name: str) -> Path:
    target = Path(os.environ.get("DJANGO_CONVERT_SCREENSHOTS") or tmp_path) / name
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 10_000
    return target


def test_diagnose_page_and_names_in_the_demo_admin(demo_server, tmp_path) -> None:
    base, database = demo_server
    with launch_chromium() as browser:
        # A visitor's user agent: the ingest endpoint ignores HeadlessChrome's as a crawler's.
        page = browser.new_page(
            viewport={"width": 1280, "height": 860}, user_agent=VISITOR_USER_AGENT
        )
        with page.expect_response(lambda r: r.url.endswith("/convert/context/")):
            page.goto(base + "/")
        # The page's snippet created the visitor's id in the browser's cookie (the page
        # itself carries no id); the newsletter signup below converts that visitor.
        [visitor_id] = [c["value"] for c in page.context.cookies() if c["name"] == "convert_vid"]
        page.click("#add-1")
        page.click("#checkout")
        page.click("#pay")
        [(order,)] = query(database, "SELECT number FROM shop_order")
        wait_for(
            lambda: query(
                database,
                "SELECT 1 FROM django_convert_conversion "
                f"WHERE transaction_id = '{order}' AND status = 'sent'",
            )
        )
        env = {**os.environ, "DEMO_DATABASE": str(database), "DEMO_BASE_URL": base}
        env.pop("DJANGO_SETTINGS_MODULE", None)
        subprocess.run(
            [
                sys.executable,
                str(EXAMPLE / "manage.py"),
                "shell",
                "-c",
                NEWSLETTER.format(visitor=visitor_id),
            ],
            env=env,
            check=True,
            capture_output=True,
            timeout=60,
        )
        [(paid,)] = query(
            database, f"SELECT id FROM django_convert_conversion WHERE transaction_id = '{order}'"
        )
        [(signup,)] = query(
            database, "SELECT id FROM django_convert_conversion WHERE goal_id = '100037227'"
        )

        page.goto(base + "/admin/login/")
        page.fill("#id_username", "admin")
        page.fill("#id_password", "demo-admin")
        page.click("input[type=submit]")

        page.goto(f"{base}/admin/django_convert/conversion/{signup}/diagnose/")
        text = page.inner_text("#content-main")
        assert "1 check failed" in text
        assert "not attached to experience(s) 100127238" in text
        shot(page, tmp_path, "doctor-diagnose.png")

        page.goto(f"{base}/admin/django_convert/conversion/{paid}/diagnose/")
        assert "No check failed." in page.inner_text("#content-main")
        shot(page, tmp_path, "doctor-diagnose-pass.png")

        page.goto(f"{base}/admin/django_convert/conversion/")
        assert "Purchase · " in page.inner_text("#result_list")  # the goal's name, id on hover
        shot(page, tmp_path, "admin-conversions-names.png")
        page.goto(f"{base}/admin/django_convert/experience/")
        assert "Checkout button colour" in page.inner_text("#result_list")
        shot(page, tmp_path, "admin-experiences.png")
