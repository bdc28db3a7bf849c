"""Signals a project can connect to (documented in docs/reference/signals.rst).

``experiences_evaluated``: sent after commit once an ingest is stored.
    sender: ``django_convert.ingest.views.ContextView``. kwargs: ``visitor`` (Visitor),
    ``payload`` (the validated dict, shaped like the request), ``request`` (HttpRequest).
``conversion_recorded``: sent after commit for each new outbox row.
    sender: ``Conversion``. kwargs: ``conversion`` (Conversion).
``conversion_delivered``: sent when Convert accepted a conversion.
    sender: ``Conversion``. kwargs: ``conversion``.
``conversion_failed``: sent when a conversion ends as failed (it will not be retried).
    sender: ``Conversion``. kwargs: ``conversion``, ``error`` (str, as ``last_error``).
"""

from __future__ import annotations

from django.dispatch import Signal

experiences_evaluated = Signal()
conversion_recorded = Signal()
conversion_delivered = Signal()
conversion_failed = Signal()
