"""Which database a rule's conversion goes to, and when it is written there.

The outbox lives on ``router.db_for_write(Conversion)``, the database delivery reads.
When a rule's model is saved to that database, the conversion is written in the same
transaction as the save (all or nothing). When the model lives elsewhere (a router puts
the shop in its own database), one transaction cannot span both, and writing the outbox
row into the shop's database would fail the save (no such table) or strand the row
where delivery never looks. So the row is written to the outbox's database instead:
after the shop's transaction commits (nothing is recorded for a rolled-back order), in
a transaction of its own. That is weaker: a crash between the two commits loses the
row, which ``convert_sweep`` then records. ``manage.py check`` says so (W110), and the
first such save in each process logs it. Errors there are logged, never raised: the
order is already committed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from django.db import router, transaction

from django_convert.exceptions import ConversionError, InvalidVisitorId
from django_convert.models import Conversion

logger = logging.getLogger("django_convert")

_announced: set[tuple[str, str, str]] = set()
_lock = threading.Lock()

Write = Callable[[str], Conversion | None]


def outbox_database() -> str:
    """The database alias the outbox is written to and delivered from."""
    return str(router.db_for_write(Conversion))


def record_in_outbox(
    write: Write, *, saved_to: str, instance: Any, origin: str
) -> Conversion | None:
    """Run ``write(alias)`` on the outbox's database: now, or after ``saved_to`` commits.

    Returns the row when it was written now, None when it is written after commit.
    """
    outbox = outbox_database()
    if outbox == saved_to:
        return write(outbox)  # the common case: one transaction with the save
    label, pk = instance._meta.label, instance.pk
    _announce_once(label, saved_to, outbox)
    if transaction.get_connection(saved_to).in_atomic_block:
        transaction.on_commit(
            lambda: _write_apart(write, outbox, label, pk, origin), using=saved_to
        )
        return None
    return _write_apart(write, outbox, label, pk, origin)


def _write_apart(write: Write, outbox: str, label: str, pk: Any, origin: str) -> Conversion | None:
    try:
        with transaction.atomic(using=outbox):
            return write(outbox)
    except (ConversionError, InvalidVisitorId) as error:
        logger.error("No conversion recorded for %s %s (%s): %s", label, pk, origin, error)
    except Exception:
        logger.exception(
            "%s %s was committed but its conversion (%s) was NOT recorded in the outbox "
            "database %r. convert_sweep records it (if the rule can be swept); saving the "
            "instance again also does.",
            label,
            pk,
            origin,
            outbox,
        )
    return None


def _announce_once(label: str, saved_to: str, outbox: str) -> None:
    key = (label, saved_to, outbox)
    if key in _announced:
        return
    with _lock:
        if key in _announced:
            return
        _announced.add(key)
    logger.warning(
        "%s is saved to database %r but the conversion outbox is on %r: conversions are "
        "recorded there after %r commits, in a separate transaction (not atomic with the "
        "save; a crash in between loses the row until convert_sweep records it). Route "
        "django_convert to %r to record them in the same transaction.",
        label,
        saved_to,
        outbox,
        saved_to,
        saved_to,
    )
