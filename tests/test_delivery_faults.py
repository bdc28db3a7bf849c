"""Exactly once under faults that are not kills: answers that are not Convert's, answers
trickled past the deadline, long outages (a simulated clock), and values from outside
that try to forge log lines or reach the terminal.
"""

from __future__ import annotations

import contextlib
import logging
from collections import Counter
from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.backends.signals import connection_created
from django.utils import timezone

from django_convert.client import transport
from django_convert.delivery import deliver_due, recording, worker
from django_convert.delivery.tally import since
from django_convert.models import Conversion, Experience
from django_convert.printable import EscapeLogValues, printable
from tests.fixtures_convert import make_conversions

pytestmark = pytest.mark.django_db


def make_due_now() -> None:
    Conversion.objects.filter(status="pending").update(next_attempt_at=timezone.now())


FAULTS = {
    "trickle": (lambda s: s.trickle(0.2, times=2), transport.NO_ANSWER),
    "html": (lambda s: s.answer_html(times=2), transport.FOREIGN_ANSWER),
    "truncated JSON": (lambda s: s.truncate(times=2), transport.TRUNCATED),
    "302": (lambda s: s.redirect(302, times=2), transport.REDIRECT),
    "307": (lambda s: s.redirect(307, times=2), transport.REDIRECT),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_no_row_is_sent_until_converts_answer_then_exactly_once(
    convert_server, convert_settings, caplog, fault
) -> None:
    convert_settings(TIMEOUT=0.6, LEASE_SECONDS=6, RETRY_BASE_DELAY=60.0)
    inject, reason = FAULTS[fault]
    make_conversions(5, visitors=2)
    inject(convert_server)
    with caplog.at_level(logging.WARNING, logger="django_convert"):
        for _ in range(2):
            report = deliver_due()
            assert (report.sent, report.retried) == (0, 5)
            assert not Conversion.objects.filter(status="sent").exists()
            assert set(Conversion.objects.values_list("retry_reason", flat=True)) == {reason}
            make_due_now()
    retried = [r for r in caplog.records if "will be retried" in r.getMessage()]
    assert len(retried) == 2
    assert all(r.levelno == logging.WARNING and reason in r.getMessage() for r in retried)
    assert since(timezone.now()) == {f"retry:{reason}": 10}
    assert deliver_due().sent == 5  # Convert's answer at last
    assert Counter(convert_server.accepted_transaction_ids()) == Counter(
        f"ORDER-{n}" for n in range(5)
    )
    unknown = reason in transport.OUTCOME_UNKNOWN
    assert set(Conversion.objects.values_list("unknown_outcomes", flat=True)) == {2 * unknown}
    assert since(timezone.now()).get("resent", 0) == 5 * unknown


# Long outages, on a simulated clock --------------------------------------------------------


def no_fsync(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.cursor().execute("PRAGMA synchronous=OFF")


@pytest.fixture
def fast_sqlite():
    """Hundreds of rounds: on SQLite, the fsync of every commit would dominate."""
    connection_created.connect(no_fsync)
    no_fsync(None, connection)
    yield
    connection_created.disconnect(no_fsync)


class Clock:
    def __init__(self) -> None:
        self.now = timezone.now()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.mark.django_db(transaction=True)  # the worker's round closes old connections
@pytest.mark.parametrize(("hours", "recorded"), [(3, 18), (24, 144)])
def test_an_outage_of_hours_loses_nothing_and_drains_quickly(
    convert_server, convert_settings, monkeypatch, fast_sqlite, hours, recorded
) -> None:
    """A conversion every 10 minutes while Convert is down for ``hours``, the background
    worker's own rounds (``_round``) on a simulated clock; then Convert comes back."""
    convert_settings(
        DELIVERY="background", CONFIG_SYNC_INTERVAL=0, SWEEP_INTERVAL=0, POLL_SECONDS=30
    )
    clock = Clock()
    monkeypatch.setattr(timezone, "now", clock)
    monkeypatch.setattr(worker, "close_old_connections", lambda: None)
    recording.jitter.seed(7)
    bg = worker.BackgroundWorker()
    convert_server.fail(503, times=None)
    start, outage_ends = clock.now, clock.now + timedelta(hours=hours)
    made = outages = requests_during = 0
    while Conversion.objects.exclude(status="sent").exists() or made < recorded:
        while made < recorded and start + timedelta(minutes=10 * made) <= clock.now:
            make_conversions(1, start=made, created_at=clock.now, next_attempt_at=clock.now)
            made += 1
        if clock.now >= outage_ends and convert_server.faults:
            convert_server.heal()
            requests_during = len(convert_server.received)
        sleep, outages = bg._round(outages)
        if made < recorded:  # wake for the next conversion, as a commit would
            sleep = min(sleep, (start + timedelta(minutes=10 * made) - clock.now).total_seconds())
        clock.advance(max(sleep, 0.05))
        assert clock.now < outage_ends + timedelta(hours=1), "not drained within an hour"
    drained_in = (clock.now - outage_ends).total_seconds()
    assert Conversion.objects.filter(status="sent").count() == recorded
    assert not Conversion.objects.filter(status="failed").exists()
    assert Counter(convert_server.accepted_transaction_ids()) == Counter(
        f"ORDER-{n}" for n in range(recorded)
    )
    # Not hammered: one probe per pause, the pause growing to RETRY_MAX_DELAY (300 s).
    assert requests_during <= hours * 3600 / 300 * 1.5 + 10
    # Drained within one pause of Convert's return.
    assert drained_in <= 300 + 5, drained_in
    print(f"{hours} h outage: {requests_during} requests, drained {drained_in:.0f} s after")


# Log lines and terminals ----------------------------------------------------------------


FORGED = "x\n2026-12-06 10:00:00 INFO django_convert: Delivered 5000 conversion(s)\x1b[2J\u2028"


def one_line(record: logging.LogRecord) -> str:
    EscapeLogValues().filter(record)  # as the django_convert logger's filter does
    text = logging.Formatter("%(levelname)s %(message)s").format(record)
    assert "\n" not in text
    assert "\x1b" not in text
    assert "\u2028" not in text
    return text


def test_ids_and_converts_answers_cannot_forge_log_lines(convert_server, caplog) -> None:
    make_conversions(1, transaction_id=FORGED, visitor_id="v\r\nforged")
    convert_server.reject(400, message=FORGED)
    with caplog.at_level(logging.INFO, logger="django_convert"):
        deliver_due()
    [failed] = [r for r in caplog.records if "failed after" in r.getMessage()]
    text = one_line(failed)
    assert "x\\n2026-12-06 10:00:00 INFO django_convert: Delivered" in text  # shown, escaped
    assert "\\x1b[2J" in text


def test_a_logged_exception_message_is_escaped() -> None:
    logger = logging.getLogger("django_convert")
    try:
        raise ValueError(FORGED)
    except ValueError:
        record = logger.makeRecord(
            "django_convert", logging.ERROR, __file__, 1, "failed: %s", ("ok",), None
        )
        import sys

        record.exc_info = sys.exc_info()
    EscapeLogValues().filter(record)
    assert "\x1b" not in record.exc_text
    assert "ValueError: x\\n2026" in record.exc_text
    assert record.exc_text.startswith("Traceback")


def test_printable_keeps_text_and_is_idempotent() -> None:
    assert printable("Commande n° 12 — 😀") == "Commande n° 12 — 😀"
    assert printable(FORGED) == printable(printable(FORGED))
    assert printable("\u202eevil") == "\\u202eevil"


def test_synced_names_reach_the_terminal_escaped(synced) -> None:
    Experience.objects.filter(pk="100127238").update(name="Test\x1b]0;owned\x07\nPASS fake")
    out = StringIO()
    make_conversions(1, transaction_id="T-1")
    with contextlib.suppress(CommandError):  # some items fail: no visitor was seen
        call_command("convert_doctor", "T-1", stdout=out)
    text = out.getvalue()
    assert "\x1b]0" not in text
    assert "\x07" not in text
    assert "Test\\x1b]0;owned\\x07\\nPASS fake" in text  # shown, escaped
