"""Notes of dropped posts: a browser's ingest post answered but not stored, and why.

One row per visitor id and reason (``DroppedPost``), written the first time only (a
conflicting INSERT afterwards), so the doctor can say "this browser's posts were dropped
as a crawler's" instead of "render the tag". Only for a request that has a visitor id
(so never before cookie consent). A note that cannot be written is logged, never the
client's error. The reason codes and what they mean are the doctor's table,
:data:`django_convert.reports.drops.DROP_REASONS`.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, router, transaction
from django.http import HttpRequest

from django_convert import get_visitor_id
from django_convert.models import DroppedPost

logger = logging.getLogger(__name__)


def note_dropped(request: HttpRequest, reason: str, detail: str = "") -> None:
    """Record that this browser's post was dropped for ``reason`` (a code of
    ``DROP_REASONS``), with what matched in ``detail`` (never the body or the whole
    user agent). Costs one INSERT that does nothing once the pair is known."""
    visitor_id = get_visitor_id(request)
    if not visitor_id:
        return
    using = router.db_for_write(DroppedPost)
    note = DroppedPost(visitor_id=visitor_id, reason=reason[:32], detail=detail[:255])
    try:
        with transaction.atomic(using=using):  # a failure must not break the caller's
            DroppedPost.objects.using(using).bulk_create([note], ignore_conflicts=True)
    except DatabaseError as error:
        logger.warning("Could not note a dropped ingest post (%s): %s", reason, error)
