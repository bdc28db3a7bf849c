"""A periodic job once per interval for the whole site, claimed in the database.

Every web process runs the delivery loop's jobs, and processes come and go (gunicorn's
``--max-requests`` recycles workers): an interval kept in each process's memory would
run the job in every new process. Instead each asks the job's
:class:`~django_convert.models.PeriodicRun` row: a read when it is not due (no write
lock, cheap), else a conditional ``UPDATE ... SET started_at = now WHERE name = %s AND
started_at <= now - interval``, which exactly one process wins. The times are the
application servers' clocks: keep them in sync (NTP), as for everything else.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.db import IntegrityError, router, transaction
from django.utils import timezone

from django_convert.models import PeriodicRun


@contextmanager
def claimed(
    name: str, interval: float, *, using: str | None = None
) -> Iterator[PeriodicRun | None]:
    """Claim job ``name`` if it last started ``interval`` seconds ago or more.

    Yields the claimed run (set its ``result``; it is saved with ``finished_at`` when the
    block ends, also on an error), or None when another process ran it within the
    interval. Three queries when claimed (read, claim, finish), one when not.
    """
    db = using or router.db_for_write(PeriodicRun)
    runs = PeriodicRun.objects.using(db)
    now = timezone.now()
    due_before = now - timedelta(seconds=interval)
    last = runs.filter(name=name).values_list("started_at", flat=True).first()
    if last is not None and last > due_before:
        yield None
        return
    if last is None:
        try:
            with transaction.atomic(using=db):
                runs.create(name=name, started_at=now)
            won = True
        except IntegrityError:  # another process created it first: theirs is the run
            won = False
    else:
        won = runs.filter(name=name, started_at__lte=due_before).update(started_at=now) == 1
    if not won:
        yield None
        return
    run = PeriodicRun(name=name, started_at=now)
    try:
        yield run
    finally:
        runs.filter(name=name, started_at=now).update(finished_at=timezone.now(), result=run.result)


def seconds_until_due(name: str, interval: float, *, using: str | None = None) -> float:
    """Seconds until job ``name`` may run again for the site (0 when due now)."""
    db = using or router.db_for_write(PeriodicRun)
    last = PeriodicRun.objects.using(db).filter(name=name).values_list("started_at", flat=True)
    started = last.first()
    if started is None:
        return 0.0
    return max(0.0, (started + timedelta(seconds=interval) - timezone.now()).total_seconds())
