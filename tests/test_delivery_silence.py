"""Every delivery path that sends nothing says why, at WARNING or above."""

from __future__ import annotations

import pytest

from django_convert.delivery import deliver as deliver_module
from django_convert.delivery import dispatch
from django_convert.delivery.deliver import deliver_conversions, deliver_due
from django_convert.models import Conversion
from tests.fixtures_convert import make_conversions

pytestmark = pytest.mark.django_db


def warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelname in ("WARNING", "ERROR")]


def test_rows_given_back_because_the_lease_is_too_short_are_logged(
    convert_server, monkeypatch, caplog
) -> None:
    make_conversions(2)
    monkeypatch.setattr(deliver_module, "_may_send", lambda batch, client: False)
    report = deliver_due()
    assert (report.sent, report.released) == (0, 2)
    [message] = warnings(caplog)
    assert "2 conversion(s) given back untried" in message
    assert "LEASE_SECONDS" in message
    assert set(Conversion.objects.values_list("status", "attempts")) == {("pending", 0)}


def test_the_same_for_immediate_delivery(convert_server, monkeypatch, caplog) -> None:
    rows = make_conversions(1)
    monkeypatch.setattr(deliver_module, "_may_send", lambda batch, client: False)
    assert deliver_conversions([rows[0].pk]).released == 1
    assert "given back untried" in " ".join(warnings(caplog))


def test_a_thread_that_cannot_start_is_logged_not_raised(monkeypatch, caplog) -> None:
    from django_convert.delivery import worker

    class NoThreads(worker.BackgroundWorker):
        def ensure_started(self) -> None:
            raise RuntimeError("can't start new thread")

    monkeypatch.setattr(worker, "_worker", NoThreads())
    dispatch.dispatch_background([7])  # after commit, in the request: must not raise
    [message] = warnings(caplog)
    assert "Could not start the background delivery thread for conversion(s) [7]" in message
