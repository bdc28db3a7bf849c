"""Visitor-id resolvers: ``resolver(request) -> str | None``.

A resolver decides which id a request belongs to. ``VISITOR_ID_RESOLVER`` names the one in
use; whatever it returns passes the PII guard in :mod:`django_convert.identity.visitor`
before anything embeds or sends it. Returning None means "no opinion": the request gets
its anonymous (cookie) id.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.db import IntegrityError, OperationalError, transaction
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from django_convert.deadlocks import is_deadlock
from django_convert.identity.cookie import cookie_visitor_id
from django_convert.models import Visitor

HMAC_SALT = "django_convert.identity.hmac_resolver"
# Attempts to link a user to a visitor before giving up; each lost race costs one attempt.
LINK_ATTEMPTS = 3


def new_visitor_id() -> str:
    """A random, opaque id of 128 bits."""
    return secrets.token_hex(16)


def anonymous_visitor_id(request: HttpRequest) -> str:
    """The cookie's id, or a new one that stays the same for the rest of this request."""
    visitor_id = cookie_visitor_id(request)
    if visitor_id is None:
        visitor_id = getattr(request, "_convert_new_visitor_id", None) or new_visitor_id()
        request._convert_new_visitor_id = visitor_id  # type: ignore[attr-defined]
    return visitor_id


def linked_visitor_id(user: Any) -> str | None:
    """The id stored for ``user``, if they have one."""
    return Visitor.objects.filter(user_id=user.pk).values_list("visitor_id", flat=True).first()


def user_visitor_id(user: Any, candidate: str) -> str:
    """The user's id: the one they already have, else ``candidate`` becomes theirs.

    A user keeps the first id they ever had. Concurrent first logins of one user (two
    devices) race on Visitor.user's unique constraint: the loser (or the one the database
    rolled back to break a deadlock) reads the winner's id.
    An id that already belongs to another user is never shared; a fresh one is used.
    """
    for _ in range(LINK_ATTEMPTS):
        existing = linked_visitor_id(user)
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                claimed = Visitor.objects.filter(visitor_id=candidate, user__isnull=True).update(
                    user=user
                )
                if claimed:
                    return candidate
                if Visitor.objects.filter(visitor_id=candidate).exists():
                    candidate = new_visitor_id()
                Visitor.objects.create(visitor_id=candidate, user=user)
                return candidate
        except IntegrityError:
            # Another request linked this user, or created this id, first: look again.
            continue
        except OperationalError as error:
            # InnoDB breaks the unique-key lock cycle of concurrent first logins by rolling
            # one back (docs/databases.rst). Look again, if the transaction was ours alone.
            if transaction.get_connection().in_atomic_block or not is_deadlock(error):
                raise
            continue
    existing = linked_visitor_id(user)
    if existing is None:
        raise RuntimeError(f"Could not link user {user.pk} to a visitor id.")
    return existing


def default_resolver(request: HttpRequest) -> str:
    """Logged-in users: their stored id (adopting the cookie's on first sight).
    Everyone else: the cookie's id, or a new random one."""
    anonymous_id = anonymous_visitor_id(request)
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user_visitor_id(user, candidate=anonymous_id)
    return anonymous_id


def hmac_resolver(request: HttpRequest) -> str | None:
    """Logged-in users: an HMAC of their primary key, keyed from SECRET_KEY; no database
    lookup per request. Everyone else: the anonymous (cookie) id.

    Rotating SECRET_KEY gives every user a new id (Convert then sees new visitors).
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return "u" + salted_hmac(HMAC_SALT, str(user.pk), algorithm="sha256").hexdigest()[:32]
