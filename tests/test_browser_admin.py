"""The owner's admin in headless Chromium at 1,280 px, on the demo shop after traffic: each
changelist's table fits its container (no horizontal scrolling), a conversion links to its
visitor and order, and Diagnose names the crawler case for a browser whose posts were
dropped as a crawler's. Saves screenshots to $DJANGO_CONVERT_SCREENSHOTS when set."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.browser import CHROMIUM, HAVE_CHROMIUM, VISITOR_USER_AGENT, launch_chromium
from tests.test_example_project import demo_server, query, wait_for

__all__ = ["demo_server"]
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not HAVE_CHROMIUM, reason=f"no Chromium at {CHROMIUM}"),
]

WIDTH = 1280
#: Playwright's headless Chromium, as the docs' testing page drives it: a crawler's UA.
HEADLESS_USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/120.0.0.0 Safari/537.36"
)
CHANGELISTS = [
    "visitor",
    "bucketing",
    "conversion",
    "experience",
    "goal",
    "configsync",
    "skippedconversion",
]
FITS = """(selector) => {
    const table = document.querySelector(selector);
    const box = table.closest('.results, .module') || table.parentElement;
    return {table: table.scrollWidth, box: box.clientWidth,
            page: document.documentElement.scrollWidth, rows: table.tBodies[0].rows.length};
}"""


def execute(database: Path, sql: str) -> None:
    with sqlite3.connect(database, timeout=20) as connection:
        connection.execute(sql)


def shot(page: Any, tmp_path: Path, name: str) -> None:
    folder = Path(os.environ.get("DJANGO_CONVERT_SCREENSHOTS") or tmp_path)
    page.screenshot(path=str(folder / name), full_page=True)
    page.screenshot(path=str(folder / name.replace(".png", "-top.png")))


def buy(browser: Any, base: str, user_agent: str) -> str:
    """A visit and a paid order; the visitor id the page's snippet made."""
    page = browser.new_page(viewport={"width": WIDTH, "height": 860}, user_agent=user_agent)
    with page.expect_response(lambda r: r.url.endswith("/convert/context/")):
        page.goto(base + "/")
    [visitor_id] = [c["value"] for c in page.context.cookies() if c["name"] == "convert_vid"]
    page.click("#add-1")
    page.click("#checkout")
    page.click("#pay")
    page.close()
    return str(visitor_id)


def test_the_owners_admin_at_1280_px(demo_server, tmp_path) -> None:
    base, database = demo_server
    # runserver in the demo says nothing about uWSGI (W031) or an unsynced config (I202).
    log = (tmp_path / "server.log").read_text()
    assert "System check identified no issues" in log
    assert "W031" not in log
    assert "I202" not in log
    with launch_chromium() as browser:
        buyer = buy(browser, base, VISITOR_USER_AGENT)
        crawler = buy(browser, base, HEADLESS_USER_AGENT)
        wait_for(
            lambda: (
                query(
                    database,
                    "SELECT COUNT(*) FROM django_convert_conversion "
                    f"WHERE visitor_id IN ('{buyer}', '{crawler}') AND status = 'sent'",
                )[0][0]
                == 2
            )
        )
        [(paid,)] = query(
            database, f"SELECT id FROM django_convert_conversion WHERE visitor_id = '{buyer}'"
        )
        [(dropped,)] = query(
            database, f"SELECT id FROM django_convert_conversion WHERE visitor_id = '{crawler}'"
        )
        [(visitor_pk,)] = query(
            database, f"SELECT id FROM django_convert_visitor WHERE visitor_id = '{buyer}'"
        )
        assert not query(
            database, f"SELECT id FROM django_convert_visitor WHERE visitor_id = '{crawler}'"
        )

        # A guest order the sweep could not record (no visitor id), as it notes one.
        execute(
            database,
            "INSERT INTO django_convert_skippedconversion "
            "(goal_id, transaction_id, origin, instance, reason, created_at) VALUES "
            "('100037225', 'ORDER-GUEST-0001', 'CONVERSIONS[0] shop.Order', 'shop.order:999', "
            "'the order has no visitor id (no cookie consent, or JavaScript off)', "
            "CURRENT_TIMESTAMP)",
        )
        page = browser.new_page(viewport={"width": WIDTH, "height": 860})
        page.goto(base + "/admin/login/")
        page.fill("#id_username", "admin")
        page.fill("#id_password", "demo-admin")
        page.click("input[type=submit]")

        sizes = {}
        for name in CHANGELISTS:
            page.goto(f"{base}/admin/django_convert/{name}/")
            sizes[name] = page.evaluate(FITS, "#result_list")
            shot(page, tmp_path, f"changelist-{name}.png")
        page.goto(f"{base}/admin/django_convert/experimentreport/")
        sizes["reports"] = page.evaluate(FITS, "#convert-reports")
        assert "Checkout button colour (100127238)" in page.inner_text("#convert-reports")
        shot(page, tmp_path, "reports-index.png")
        for name, size in sizes.items():
            assert size["rows"] > 0, name
            assert size["table"] <= size["box"], f"{name}: {size}"
            assert size["page"] <= WIDTH, f"{name}: {size}"

        page.goto(f"{base}/admin/django_convert/conversion/{paid}/change/")
        content = page.inner_text("#content-main")
        assert "USD" in content
        assert page.locator(f"a[href='/admin/django_convert/visitor/{visitor_pk}/change/']").count()
        assert page.locator("a[href^='/admin/shop/order/']").count()  # the order that caused it
        shot(page, tmp_path, "conversion.png")
        page.goto(f"{base}/admin/django_convert/visitor/{visitor_pk}/change/")
        assert "Checkout button colour" in page.inner_text("#content-main")
        shot(page, tmp_path, "visitor.png")

        page.goto(f"{base}/admin/django_convert/conversion/{dropped}/diagnose/")
        text = page.inner_text("#content-main")
        assert "crawler list" in text
        assert "HeadlessChrome" in text
        assert "desktop browser's user agent" in text
        assert page.locator("a[href*='support.convert.com']").count() == 1
        shot(page, tmp_path, "diagnose-crawler.png")
