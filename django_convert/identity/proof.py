"""Ids that must be earned: proof that a browser holds a visitor id, not just knows it.

A visitor id is not a secret: it sits in a cookie every script on the site can read, and
the page sends it to Convert. So knowing an id proves nothing. What proves it:

- **The id's key**: an HttpOnly cookie (``<COOKIE_NAME>_key``) holding an HMAC of the id,
  keyed from ``SECRET_KEY``, that the server sets beside the id cookie whenever it accepts
  the id (the listener's post, a logged-in user's response). Scripts cannot read it, Convert
  never sees it, and no one can compute it without ``SECRET_KEY``.
- **The session**: a logged-in user's own visitor (``Visitor.user``), or an id the resolver
  made from the session rather than read from the cookie.
- **A first claim**: an id of the form the snippet makes (32 lowercase hex characters: 128
  random bits) that no browser has proven yet, that is, with no row, or with a row stored
  before ids had keys (``Visitor.key_issued`` False) that belongs to no user. Self-chosen
  ids (``1``, ``admin``) never qualify.

Everything else is an id someone borrowed: the ingest endpoint refuses it (403,
``unproven_id``) and login stitching neither merges nor adopts its row.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_cache_control
from django.utils.crypto import constant_time_compare, salted_hmac

from django_convert.conf import get_setting
from django_convert.identity.cookie import (
    cookie_visitor_id,
    logged_in_user,
    set_visitor_cookie,
    visitor_cookie_flags,
)
from django_convert.identity.visitor import RESOLVER as RESOLVER_SOURCE
from django_convert.identity.visitor import id_source
from django_convert.models import Visitor

#: The ids the page's snippet makes: 128 random bits as 32 lowercase hex characters.
SNIPPET_ID = re.compile(r"[0-9a-f]{32}")
KEY_SALT = "django_convert.identity.proof.visitor_key"

# How an id was proven (None: it was not). NEW: a claim of an id no row holds yet.
KEY, SESSION, RESOLVER, CLAIM, NEW = "key", "session", "resolver", "claim", "new"


def key_cookie_name() -> str:
    """The HttpOnly cookie holding the id's key: ``COOKIE_NAME`` + ``"_key"`` (so a
    ``__Host-`` name keeps its prefix)."""
    return f"{get_setting('COOKIE_NAME')}_key"


def visitor_key(visitor_id: str, secret: str | None = None) -> str:
    """The key of ``visitor_id``: 32 hex characters of an HMAC-SHA256 keyed from
    ``secret`` (``SECRET_KEY`` by default)."""
    return salted_hmac(KEY_SALT, visitor_id, secret=secret, algorithm="sha256").hexdigest()[:32]


def holds_key(request: HttpRequest, visitor_id: str) -> bool:
    """Whether the request carries ``visitor_id``'s key (made with ``SECRET_KEY`` or one of
    ``SECRET_KEY_FALLBACKS``, so rotating the key keeps browsers' proofs)."""
    value = request.COOKIES.get(key_cookie_name())
    if not value:
        return False
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return any(constant_time_compare(value, visitor_key(visitor_id, secret)) for secret in secrets)


def set_key_cookie(response: HttpResponseBase, request: HttpRequest, visitor_id: str) -> None:
    """Give the browser ``visitor_id``'s key (HttpOnly), with the id cookie's flags.

    Only for an id the server accepted, on a response no shared cache may store.
    """
    response.set_cookie(
        key_cookie_name(),
        visitor_key(visitor_id),
        httponly=True,
        **visitor_cookie_flags(request),
    )


def delete_key_cookie(response: HttpResponseBase) -> None:
    response.delete_cookie(
        key_cookie_name(), path=get_setting("COOKIE_PATH"), domain=get_setting("COOKIE_DOMAIN")
    )


def is_snippet_id(visitor_id: str) -> bool:
    return bool(SNIPPET_ID.fullmatch(visitor_id))


def prove(request: HttpRequest, visitor_id: str) -> str | None:
    """How the request proves it holds ``visitor_id`` (its own id, as the resolver gave it):
    ``"key"``, ``"session"``, ``"resolver"``, ``"claim"`` (a row stored before keys
    existed) or ``"new"`` (a first claim: no row yet); None when it cannot.

    At most one indexed query, and none when the request carries the id's key.
    """
    if id_source(request) == RESOLVER_SOURCE or visitor_id != cookie_visitor_id(request):
        return RESOLVER  # made from the session by the resolver, not read from the cookie
    if holds_key(request, visitor_id):
        return KEY
    row: tuple[Any, bool] | None = (
        Visitor.objects.filter(visitor_id=visitor_id).values_list("user_id", "key_issued").first()
    )
    user: Any = logged_in_user(request)
    if row is not None and user is not None and row[0] == user.pk:
        return SESSION
    if is_snippet_id(visitor_id) and row is None:
        return NEW
    if is_snippet_id(visitor_id) and row is not None and row[0] is None and not row[1]:
        return CLAIM
    return None


def proves_anonymous_id(request: HttpRequest, visitor_id: str) -> bool:
    """Whether a login may merge or adopt the anonymous visitor ``visitor_id``: the request
    holds its key, or no row exists for it (there is nothing of anyone's to take)."""
    if holds_key(request, visitor_id):
        return True
    return not Visitor.objects.filter(visitor_id=visitor_id).exists()


def refresh_for_user(request: HttpRequest, response: HttpResponseBase) -> None:
    """Give a logged-in user's browser their id when its cookie differs (login included),
    and the id's key when it lacks it: the session proves the id is theirs (see
    :mod:`.proof`). Only for an id the resolver made from the session: the cookie's own id
    is proven by the ingest endpoint instead.

    The response becomes ``Cache-Control: private``: it is that user's page anyway.
    """
    visitor_id: str | None = getattr(request, "convert_visitor_id", None)
    if visitor_id is None or id_source(request) != RESOLVER_SOURCE:
        return
    fresh = request.COOKIES.get(get_setting("COOKIE_NAME")) == visitor_id
    if fresh and holds_key(request, visitor_id):
        return
    if logged_in_user(request) is None:
        return
    set_visitor_cookie(response, request, visitor_id)
    set_key_cookie(response, request, visitor_id)
    patch_cache_control(response, private=True)
