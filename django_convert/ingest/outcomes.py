"""Why the ingest endpoint stored nothing (or less than it was sent): stable reason codes.

Each code is named in the answer (the ``X-Convert-Reason`` header, and ``code`` in a 403's
JSON), in the log record (``extra={"convert_reason": code}``) and in :func:`counts`, so the
doctor and a shop's log search can name what happened. Expected cases (a crawler, an
automated browser, a second tab that lost a race) are logged once per process and then at
the 10th, 100th, 1,000th... occurrence, with the count: never a line per page view.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter

logger = logging.getLogger("django_convert.ingest")

DISABLED = "disabled"
CRAWLER = "crawler"
WEBDRIVER = "webdriver"
NO_CONSENT = "no_consent"
NO_COOKIE = "no_cookie"
NOT_OWN_ID = "not_own_id"
UNPROVEN_ID = "unproven_id"
UNKNOWN_EXPERIENCE = "unknown_experience"
EXPERIENCE_LIMIT = "experience_limit"
FORGOTTEN = "forgotten"

#: code -> (log level, what happened and what to do)
REASONS: dict[str, tuple[int, str]] = {
    DISABLED: (logging.INFO, "ignored: DJANGO_CONVERT['ENABLED'] is False"),
    CRAWLER: (logging.INFO, "ignored: a crawler's user agent (nothing stored)"),
    WEBDRIVER: (
        logging.INFO,
        "ignored: an automated browser (navigator.webdriver) that did not opt in; a shop's "
        "own tests opt in with the convert_automation=1 cookie (see the 'Identity' docs)",
    ),
    NO_CONSENT: (
        logging.WARNING,
        "refused (403): the page had consent but DJANGO_CONVERT['CONSENT']['RESOLVER'] says "
        "this request has none; make the consent platform and the resolver agree",
    ),
    NO_COOKIE: (
        logging.INFO,
        "refused (403): the request carries no visitor-id cookie (cookies blocked, or a "
        "page from an older version of the snippet)",
    ),
    NOT_OWN_ID: (
        logging.INFO,
        "refused (403): visitorId is not the id in the browser's cookie (another tab or a "
        "login switched it; the answer re-issues the browser's own id)",
    ),
    UNPROVEN_ID: (
        logging.WARNING,
        "refused (403): the browser cannot prove it holds this visitor id (no key for it, "
        "and it is not a new id of the snippet's form): someone else's id, or a self-chosen "
        "one",
    ),
    UNKNOWN_EXPERIENCE: (
        logging.INFO,
        "experiences not in the synced project config were not stored (run convert_sync "
        "after starting an experience)",
    ),
    EXPERIENCE_LIMIT: (
        logging.WARNING,
        "experiences beyond DJANGO_CONVERT['INGEST_MAX_EXPERIENCES'] per visitor were not stored",
    ),
    FORGOTTEN: (logging.INFO, "forgot a visitor after consent was withdrawn"),
}

_lock = threading.Lock()
_counts: Counter[str] = Counter()


def record(reason: str, amount: int = 1) -> None:
    """Count ``amount`` occurrences of ``reason`` and log when the count reaches 1, 10, 100..."""
    level, text = REASONS[reason]
    with _lock:
        before = _counts[reason]
        _counts[reason] = now = before + amount
    if before == 0 or len(str(now)) > len(str(before)):
        logger.log(
            level,
            "Ingest %s: %s (%d so far in this process).",
            reason,
            text,
            now,
            extra={"convert_reason": reason},
        )


def counts() -> dict[str, int]:
    """How often each reason occurred in this process, since it started."""
    with _lock:
        return dict(_counts)


def reset() -> None:
    """Forget the counts (tests)."""
    with _lock:
        _counts.clear()
