"""``convert_purge`` as it was before the batches, for ``bench_purge``'s side by side: one
transaction, ``QuerySet.delete()`` of every stale visitor (Django loads each to cascade)."""

from __future__ import annotations

from datetime import timedelta

import django


def main() -> None:
    django.setup()
    from django.db import transaction
    from django.db.models import Q
    from django.utils import timezone

    from django_convert.models import Bucketing, Conversion, Exposure, Visitor

    cutoff = timezone.now() - timedelta(days=30)
    with transaction.atomic():
        Bucketing.objects.filter(
            Q(last_seen__lt=cutoff) | Q(visitor__last_seen__lt=cutoff)
        ).delete()
        Exposure.objects.filter(last_seen__lt=cutoff).delete()  # the table is new
        Visitor.objects.filter(last_seen__lt=cutoff).delete()
        Conversion.objects.filter(status="sent", sent_at__lt=cutoff).delete()


if __name__ == "__main__":
    main()
