"""Why a browser's bucketing never reached the database: the doctor's table of reasons.

Each reason the ingest endpoint drops a post for (and each reason the listener never
posts) is one :class:`DropReason`: what happened, how to tell, what to do. The ingest
endpoint notes a reason per visitor where it can (``DroppedPost``, see
``ingest/drops.py``); the doctor then names that reason for the visitor's conversions,
and otherwise lists every reason with what the settings say about it. To add a reason:
add it here, and call ``note_dropped(request, CODE, detail)`` where the post is dropped
(``tests/test_reports_drops.py`` checks that every code noted has an entry).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django_convert.conf import get_setting


def _consent_required() -> bool:
    consent = get_setting("CONSENT")
    return isinstance(consent, dict) and bool(consent.get("REQUIRED"))


@dataclass(frozen=True)
class DropReason:
    """One reason a browser's bucketing is not stored.

    ``applies`` says from the settings alone whether it can be the reason now (None: it
    cannot be told from the settings; False: ruled out).
    """

    code: str
    what: str
    fix: str
    #: Whether the ingest endpoint notes it per visitor (a DroppedPost row).
    noted: bool = False
    applies: Callable[[], bool | None] = lambda: None


CRAWLER = "crawler"
WEBDRIVER = "webdriver"

#: Every reason, most specific first. Keys are DroppedPost.reason codes.
DROP_REASONS: dict[str, DropReason] = {
    reason.code: reason
    for reason in (
        DropReason(
            CRAWLER,
            "the browser's user agent is on the crawler list (Googlebot, AhrefsBot, and "
            "headless browsers: Playwright's and Puppeteer's HeadlessChrome), so its posts "
            "are answered 204 and nothing is stored",
            "Crawlers are never counted. If this is your own test or monitoring browser, "
            "give it a desktop browser's user agent (see 'Testing your shop': a visitor's "
            "user agent); nothing needs fixing for real crawlers.",
            noted=True,
        ),
        DropReason(
            WEBDRIVER,
            "the browser is automated (navigator.webdriver: Playwright, Selenium, Cypress, a "
            "monitor or a scraper with a normal user agent): the listener marks its posts "
            "and they are answered 204 without being stored",
            "Expected for scrapers and monitors. For your own end-to-end tests, set the "
            "convert_automation=1 cookie before the first page "
            "(django_convert.testing.AUTOMATION_COOKIE; see 'Testing your shop').",
            noted=True,
        ),
        DropReason(
            "unproven_id",
            "the post's visitor id is in the browser's cookie but the browser could not prove "
            "it holds it (no key for it, and not a new id of the snippet's form): someone "
            "else's id, a self-chosen one, or a browser that lost the key cookie; 403, "
            "nothing stored",
            "Expected for borrowed or made-up ids (see 'Ids that must be earned'). Do not set "
            "the id cookie from your own code; a browser that lost its key gets a new id once "
            "its id cookie is gone.",
        ),
        DropReason(
            "no_cookie",
            "the post came without an id cookie (403), or the browser cannot keep the cookie "
            "at all (cookies blocked, a __Host-/__Secure- name over plain HTTP), in which case "
            "the listener never posts",
            "Expected for browsers that refuse cookies. With a __Host-/__Secure- COOKIE_NAME, "
            "serve every page over HTTPS (check --deploy: django_convert.W022).",
        ),
        DropReason(
            "unknown_experience",
            "the experience is not in the synced project config, so its bucketing was not "
            "stored (an experience started after the last sync)",
            "Run manage.py convert_sync after starting an experience (or lower "
            "CONFIG_SYNC_INTERVAL).",
        ),
        DropReason(
            "experience_limit",
            "the visitor already had DJANGO_CONVERT['INGEST_MAX_EXPERIENCES'] experiences "
            "stored, so new ones were not",
            "Raise INGEST_MAX_EXPERIENCES if your visitors really see that many experiences.",
        ),
        DropReason(
            "disabled",
            "DJANGO_CONVERT['ENABLED'] is False: the tags render nothing and posts are "
            "answered 204 without being stored",
            "Set ENABLED to True where Convert is used.",
            applies=lambda: not get_setting("ENABLED"),
        ),
        DropReason(
            "no_consent",
            "cookie consent is required and the consent platform did not report consent on "
            "the page (declined, withdrawn, or its record expired): no id, no post, nothing "
            "stored (the ingest endpoint answers 403 if it posts anyway)",
            "Expected for visitors who decline. If they did consent, check that "
            "CONSENT['PLATFORM'] names your platform (or that its callback calls "
            "djangoConvert.consentGiven() on every page) and that CONSENT['RESOLVER'] agrees "
            "(see 'Identity and consent').",
            applies=_consent_required,
        ),
        DropReason(
            "not_own_id",
            "the post carried another id than the browser's cookie (403): the page identified "
            "a different visitor to Convert than the server knows",
            "Look for a WARNING 'Refused an ingest post' in the log; keep one "
            "{% convert_head %} per page, and do not set the convert_vid cookie elsewhere.",
        ),
        DropReason(
            "refused",
            "the post failed the anti-CSRF proof (403), was too large (413), not JSON (415) "
            "or invalid (400)",
            "Open the browser's network tab on a page with an experience: the answer to the "
            "POST to the ingest endpoint (…/context/) says which.",
        ),
        DropReason(
            "throttled",
            "the browser's address sent more posts than INGEST_THROTTLE_RATE allows (429)",
            "Raise INGEST_THROTTLE_RATE, or set INGEST_NUM_PROXIES if every visitor seems to "
            "come from your proxy's address.",
        ),
        DropReason(
            "no_post",
            "the listener never posted: no {% convert_head %} on the pages seen, Convert's "
            "script blocked or failed, no active experience on those pages, or JavaScript off",
            "Render {% convert_head %} in the <head> of every page (identify before Convert's "
            "script), and check in the browser's network tab that a page with an active "
            "experience posts to the ingest endpoint.",
        ),
    )
}


def possible_reasons() -> list[DropReason]:
    """The reasons the settings do not rule out, those they confirm first."""
    reasons = [reason for reason in DROP_REASONS.values() if reason.applies() is not False]
    return sorted(reasons, key=lambda reason: reason.applies() is not True)
