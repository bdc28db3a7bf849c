"""Signals a project can connect to.

``experiences_evaluated``: sent after commit once an ingest is stored.
    kwargs: ``visitor`` (Visitor), ``payload`` (the validated dict), ``request``.
``conversion_recorded``: sent after commit for each new outbox row.
    kwargs: ``conversion`` (Conversion).
``conversion_delivered``: sent when Convert accepted a conversion.
    kwargs: ``conversion``.
``conversion_failed``: sent when a conversion ends as failed (it will not be retried).
    kwargs: ``conversion``, ``error`` (str).
"""

from __future__ import annotations

from django.dispatch import Signal

experiences_evaluated = Signal()
conversion_recorded = Signal()
conversion_delivered = Signal()
conversion_failed = Signal()
