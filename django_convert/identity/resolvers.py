"""Visitor-id resolvers: ``resolver(request) -> str | None``.

A resolver decides which id a request belongs to. ``VISITOR_ID_RESOLVER`` names the one in
use; whatever it returns passes the PII guard in :mod:`django_convert.identity.visitor`
before anything sends it. Returning None means "no opinion": the request gets its anonymous
(cookie) id, or none when the browser has no cookie yet (its snippet creates one).
Resolvers are only asked once the consent check (:mod:`django_convert.identity.consent`)
has passed.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.db import IntegrityError, OperationalError, transaction
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from django_convert.deadlocks import is_deadlock
from django_convert.identity.cookie import cookie_visitor_id, logged_in_user
from django_convert.identity.proof import proves_anonymous_id
from django_convert.models import Visitor

HMAC_SALT = "django_convert.identity.hmac_resolver"
# Attempts to link a user to a visitor before giving up; each lost race costs one attempt.
LINK_ATTEMPTS = 3


def new_visitor_id() -> str:
    """A random, opaque id of 128 bits."""
    return secrets.token_hex(16)


def anonymous_visitor_id(request: HttpRequest) -> str | None:
    """The cookie's id, or None: a browser without one gets it from the snippet, so a
    request that runs no JavaScript (a crawler) never costs a row or a cookie."""
    return cookie_visitor_id(request)


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


def default_resolver(request: HttpRequest) -> str | None:
    """The default ``VISITOR_ID_RESOLVER``: one id per person, stable across devices.

    Logged-in users: the id stored on their ``Visitor.user`` (the first id they ever had;
    on first sight they adopt the browser's id if the browser proves it holds it (its key,
    or an id no visitor row has: :func:`django_convert.identity.proof.proves_anonymous_id`),
    else get a new one: 128 bits, 32 hex characters). One indexed query per request for a
    logged-in user. Everyone else: the id in the first-party cookie, which the page's
    snippet creates.

    :returns: a visitor id, or ``None`` for an anonymous visitor without the cookie.
    """
    anonymous_id = anonymous_visitor_id(request)
    user = logged_in_user(request)
    if user is not None:
        linked = linked_visitor_id(user)
        if linked is not None:
            return linked
        if anonymous_id is not None and not proves_anonymous_id(request, anonymous_id):
            anonymous_id = None  # someone else's id, borrowed: never adopt their row
        return user_visitor_id(user, candidate=anonymous_id or new_visitor_id())
    return anonymous_id


def hmac_resolver(request: HttpRequest) -> str | None:
    """A ``VISITOR_ID_RESOLVER`` with no database lookup per request.

    Logged-in users: ``"u"`` followed by 32 hex characters of an HMAC-SHA256 of their
    primary key, keyed from ``SECRET_KEY``: opaque, stable across devices. Everyone else:
    ``None``, that is the anonymous (cookie) id.

    Rotating ``SECRET_KEY`` gives every user a new id (Convert then sees new visitors).
    """
    user: Any = logged_in_user(request)
    if user is None:
        return None
    return "u" + salted_hmac(HMAC_SALT, str(user.pk), algorithm="sha256").hexdigest()[:32]
