"""Login stitching: logging in never splits a visitor in two.

The rule: on login, the request's anonymous id (the cookie's) meets the user's id.
- A user without an id adopts the anonymous one: nothing moves, the visitor just gains a user.
- A user who already has an id keeps it; the cookie switches to it, the anonymous
  visitor's bucketing moves to the user's visitor (for an experience both have, the
  user's stored variation wins: it is the one Convert buckets that id into from now on),
  its segments fill what the user's visitor does not know yet, its exposure history moves
  to the user's visitor with its dates, the user's visitor keeps its id (``MergedId``,
  which ``forget_user()`` follows), and the anonymous visitor row is deleted.
A visitor row that belongs to another user is never merged or deleted, and neither is one
the browser cannot prove it holds (:mod:`.proof`: its key, or no row at all): knowing an id
is not owning it, so logging in with someone else's id in the cookie takes nothing of theirs.
With a resolver that leaves logged-in users to the cookie (returns None), the browser's
proven visitor is linked to the user at login, so ``user.convert_visitor`` (rules with
``"visitor": "user"``, ``track_conversion(user=...)``) finds it.
A merge keeps at most ``INGEST_MAX_EXPERIENCES`` experiences (the most recently seen).
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest

from django_convert.conf import get_setting
from django_convert.identity.history import keep_history
from django_convert.identity.proof import proves_anonymous_id
from django_convert.identity.visitor import COOKIE, RESOLVER, id_source, resolve_visitor_id
from django_convert.models import SEGMENT_FIELDS, Bucketing, Visitor

MERGE_ATTEMPTS = 3


def merge_visitors(source_id: str, target_id: str) -> int:
    """Move the anonymous visitor ``source_id`` into ``target_id``; the number of rows moved."""
    for attempt in range(MERGE_ATTEMPTS):
        try:
            with transaction.atomic():
                return _merge(source_id, target_id)
        except IntegrityError:
            # A concurrent ingest stored the same experience for the target: merge again.
            if attempt == MERGE_ATTEMPTS - 1:
                raise
    return 0  # pragma: no cover - the loop returns or raises


def taken_experiences(visitor: Visitor) -> list[str]:
    # A list, not a subquery: some databases (MySQL) refuse a subquery on the updated table.
    return list(Bucketing.objects.filter(visitor=visitor).values_list("experience_id", flat=True))


def _merge(source_id: str, target_id: str) -> int:
    source = (
        Visitor.objects.select_for_update().filter(visitor_id=source_id, user__isnull=True).first()
    )
    if source is None:
        return 0
    target, _ = Visitor.objects.get_or_create(visitor_id=target_id)
    taken = taken_experiences(target)
    room = max(0, int(get_setting("INGEST_MAX_EXPERIENCES")) - len(taken))
    movable = list(
        Bucketing.objects.filter(visitor=source)
        .exclude(experience_id__in=taken)
        .order_by("-last_seen")
        .values_list("pk", flat=True)[:room]
    )
    moved = Bucketing.objects.filter(pk__in=movable).update(visitor=target) if movable else 0
    changed = [name for name in SEGMENT_FIELDS.values() if not getattr(target, name)]
    for name in changed:
        setattr(target, name, getattr(source, name))
    target.first_seen = min(target.first_seen, source.first_seen)
    target.last_seen = max(target.last_seen, source.last_seen)
    target.save(update_fields=[*changed, "first_seen", "last_seen"])
    keep_history(source, target)
    source.delete()  # cascades to the bucketing the user's own rows outvoted
    return moved


def stitch_on_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """``user_logged_in`` receiver: give the request the user's id, merging the anonymous one.

    The middleware then writes the user's id (and its key) to the cookie on this (private)
    response. Without consent the user's id stays None: nothing is linked, merged or stored.
    """
    if request is None or not hasattr(request, "convert_visitor_id"):
        # No middleware in play (e.g. the test client's login()): the resolver links the
        # user on their next request instead.
        return
    anonymous_id: str | None = request.convert_visitor_id
    user_id = resolve_visitor_id(request)
    if user_id is not None and anonymous_id is not None and user_id != anonymous_id:
        if proves_anonymous_id(request, anonymous_id):
            merge_visitors(anonymous_id, user_id)
        link_user(user, user_id, create=True)
    elif (
        user_id is not None
        and id_source(request) == COOKIE
        and proves_anonymous_id(request, user_id)
        and link_user(user, user_id, create=True)
    ):
        # The resolver leaves this user to the cookie's id: the browser's visitor, proven
        # its own, is now linked to them, and from now on the session proves it.
        request._convert_id_source = RESOLVER  # type: ignore[attr-defined]
    request.convert_visitor_id = user_id


def link_user(user: Any, visitor_id: str, create: bool = False) -> bool:
    """Link the unlinked visitor row ``visitor_id`` (created when ``create`` and missing) to
    ``user`` if the user has none yet; whether ``visitor_id`` is now the user's.

    The default resolver links users itself; this covers other resolvers, so that code
    going from a user to their visitor (``user.convert_visitor``) finds it.
    """
    try:
        with transaction.atomic():
            if not Visitor.objects.filter(user_id=user.pk).exists():
                linked = Visitor.objects.filter(visitor_id=visitor_id, user__isnull=True).update(
                    user=user
                )
                if not linked and create:
                    Visitor.objects.get_or_create(visitor_id=visitor_id, defaults={"user": user})
    except IntegrityError:
        pass  # a concurrent request linked the user, or made the row, first; theirs stands
    return Visitor.objects.filter(visitor_id=visitor_id, user_id=user.pk).exists()
