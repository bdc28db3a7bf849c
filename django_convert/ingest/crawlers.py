"""Well-known crawlers, by user agent: their ingest posts are answered 204 and stored nowhere.

The list is the ``crawler-user-agents`` package (PyPI; the monperrus/crawler-user-agents
list of several hundred patterns, released monthly and used by many analytics tools)
rather than a regex of our own: crawlers change names faster than this app is released.
Its patterns are joined into one regex once per process; the user agent is cut to
``MAX_USER_AGENT`` characters first, so a hostile header costs no more than a normal one.
"""

from __future__ import annotations

import functools
import re

MAX_USER_AGENT = 512


@functools.cache
def _pattern() -> re.Pattern[str]:
    from crawleruseragents import CRAWLER_USER_AGENTS_DATA  # type: ignore[import-untyped]

    return re.compile("|".join(entry["pattern"] for entry in CRAWLER_USER_AGENTS_DATA))


def is_crawler(user_agent: str) -> bool:
    """True for a user agent on the crawler list (Googlebot, Bingbot, AhrefsBot, ...)."""
    return crawler_match(user_agent) is not None


def crawler_match(user_agent: str) -> str | None:
    """The part of ``user_agent`` the crawler list matched (``"HeadlessChrome"``,
    ``"Googlebot"``), or None for a browser's."""
    return _matches(user_agent[:MAX_USER_AGENT]) if user_agent else None


# About 1 ms per search for a browser's user agent (hundreds of alternatives), and a site
# sees few distinct user agents: remember the answers.
@functools.lru_cache(maxsize=2048)
def _matches(user_agent: str) -> str | None:
    match = _pattern().search(user_agent)
    return None if match is None else match.group(0)
