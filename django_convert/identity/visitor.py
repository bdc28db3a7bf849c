"""Resolving a request's visitor id through the configured resolver and the PII guard."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from django.http import HttpRequest
from django.utils.module_loading import import_string

from django_convert.conf import get_setting
from django_convert.exceptions import InvalidVisitorId
from django_convert.identity.pii import clean_visitor_id

logger = logging.getLogger("django_convert")

Resolver = Callable[[HttpRequest], str | None]


@functools.lru_cache(maxsize=8)
def _import_resolver(path: str) -> Resolver:
    resolver = import_string(path)
    if not callable(resolver):
        raise TypeError(f"{path} is not callable.")
    return resolver  # type: ignore[no-any-return]


def get_resolver() -> Resolver:
    """The resolver ``VISITOR_ID_RESOLVER`` names now (the path is read on every call)."""
    return _import_resolver(get_setting("VISITOR_ID_RESOLVER"))


def resolve_visitor_id(request: HttpRequest) -> str | None:
    """The request's visitor id, or None: app disabled, no consent, or no id yet.

    The resolver's answer if it is safe, else the anonymous (cookie) id. None means: record
    nothing for this browser (no row, no cookie, no conversion). Records on the request
    where the id came from (:func:`id_source`).
    """
    from django_convert.identity.consent import has_consent
    from django_convert.identity.cookie import cookie_visitor_id, logged_in_user

    request._convert_id_source = COOKIE  # type: ignore[attr-defined]
    if not get_setting("ENABLED") or not has_consent(request):
        return None
    candidate = get_resolver()(request)
    cookie_id = cookie_visitor_id(request)
    if candidate is not None:
        try:
            visitor_id = clean_visitor_id(candidate)
        except InvalidVisitorId as error:
            # The message says why, never what: the value may be personal data.
            logger.warning(
                "VISITOR_ID_RESOLVER %s returned an unusable visitor id, so it was not used "
                "and the request gets its anonymous id: %s",
                get_setting("VISITOR_ID_RESOLVER"),
                error,
            )
        else:
            if visitor_id != cookie_id or logged_in_user(request) is not None:
                request._convert_id_source = RESOLVER  # type: ignore[attr-defined]
            return visitor_id
    return cookie_id


#: Where a request's id came from: read from its cookie (anyone can write any id there, so
#: it must be proven: identity.proof), or made by the resolver from the session.
COOKIE, RESOLVER = "cookie", "resolver"


def id_source(request: HttpRequest) -> str:
    """``"resolver"`` when the resolver made the request's id from the session (a logged-in
    user's id), else ``"cookie"``."""
    return str(getattr(request, "_convert_id_source", COOKIE))


def why_user_has_no_visitor() -> str:
    """Why a user may have no Visitor row, for the configured resolver (a log message's part)."""
    from django_convert.identity.consent import consent_setting

    path = get_setting("VISITOR_ID_RESOLVER")
    if path == "django_convert.identity.resolvers.default_resolver":
        why = "they never visited a page with the Convert tags while logged in"
    else:
        why = (
            f"with VISITOR_ID_RESOLVER {path}, a user is linked to a visitor when they log in "
            "through a request ConvertVisitorMiddleware sees, or when the listener posts "
            "while they are logged in; they have done neither since"
        )
    if consent_setting("REQUIRED"):
        why += ", or not with cookie consent"
    return why
