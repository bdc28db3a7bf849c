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
    nothing for this browser (no row, no cookie, no conversion).
    """
    from django_convert.identity.consent import has_consent
    from django_convert.identity.resolvers import anonymous_visitor_id

    if not get_setting("ENABLED") or not has_consent(request):
        return None
    candidate = get_resolver()(request)
    if candidate is not None:
        try:
            return clean_visitor_id(candidate)
        except InvalidVisitorId as error:
            # The message says why, never what: the value may be personal data.
            logger.warning(
                "VISITOR_ID_RESOLVER %s returned an unusable visitor id, so it was not used "
                "and the request gets its anonymous id: %s",
                get_setting("VISITOR_ID_RESOLVER"),
                error,
            )
    return anonymous_visitor_id(request)
