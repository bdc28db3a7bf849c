"""A later post's browser ids adopted by the visitor's impressions still waiting to be sent.

On a visitor's first page the listener may post before gtag.js, analytics.js or
mixpanel-js has written its cookie, so the impressions recorded then lack the destination's
browser id (GA4's ``client_id``, Segment's ``anonymousId``, Mixpanel's ``$device_id``).
Such a row is held ``BROWSER_ID_WAIT`` seconds before its first send
(``forwarding.record``); when a post of the same visitor carries ``destinationIds`` in the
meantime, one ``UPDATE`` in the ingest transaction gives the id to the visitor's rows of
those destinations that have none and were never claimed (status pending, no attempt, no
lease), and makes them due at once.

A row once claimed or sent is never changed: its message id and time stay those of every
attempt, so the destinations' dedupe holds (``models.forwarding``). A claim racing this
statement is serialized by the row lock: the claim's ``UPDATE ... WHERE status='pending'``
and this one's ``WHERE status='pending' AND attempts=0`` cannot both take the row.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime

from django.db.models import Case, CharField, Value, When

from django_convert.models import ForwardedEvent


def adopt_browser_ids(
    *,
    visitor_id: str,
    destination_ids: Mapping[str, str] | None,
    destinations: Collection[str],
    now: datetime,
    using: str,
) -> int:
    """Give this post's browser ids to the visitor's unclaimed rows that lack them; returns
    the number of rows changed. No query when the post carries no id for a configured
    destination.

    :param visitor_id: the Convert visitor id (``ForwardedEvent.visitor_id``).
    :param destination_ids: the listener's ``destinationIds`` (``{"ga4": client id, ...}``),
        validated by the ingest serializer (1 to 255 printable ASCII characters).
    :param destinations: the configured destinations' names (``forwarding.config``).
    :param now: this ingest's moment: the adopted rows' ``next_attempt_at``.
    :param using: the database alias of the ingest transaction.
    """
    ids = {
        name: value
        for name, value in (destination_ids or {}).items()
        if name in destinations and value
    }
    if not ids:
        return 0
    return int(
        ForwardedEvent.objects.using(using)
        .filter(
            visitor_id=visitor_id,
            destination__in=sorted(ids),
            destination_id="",
            status=ForwardedEvent.Status.PENDING,
            attempts=0,
            lease_token__isnull=True,
            sent_at__isnull=True,
        )
        .update(
            destination_id=Case(
                *(When(destination=name, then=Value(ids[name])) for name in sorted(ids)),
                default=Value(""),
                output_field=CharField(),
            ),
            next_attempt_at=now,
        )
    )
