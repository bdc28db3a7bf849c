"""Query helpers for the outbox; the delivery layer builds on these."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils import timezone

if TYPE_CHECKING:
    from datetime import datetime


class ConversionQuerySet(models.QuerySet[Any]):
    def due(self, now: datetime | None = None) -> ConversionQuerySet:
        """Rows a worker may send now: pending and due, or sending with an expired lease."""
        return self.filter(
            status__in=("pending", "sending"), next_attempt_at__lte=now or timezone.now()
        )
