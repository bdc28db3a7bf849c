"""Capture what your shop sends to Convert, in your own tests, with no network.

:func:`capture_conversions` starts the validating tracking stand-in
(:class:`~django_convert.testing.tracking_server.ConvertStandIn`) on 127.0.0.1, points
``DJANGO_CONVERT["TRACKING_URL"]`` at it for the duration, and hands you a
:class:`ConversionCapture`. ``capture.deliver()`` sends everything that is due, in the
calling thread, exactly as ``manage.py convert_deliver`` would: so the same assertion works
whatever ``DELIVERY`` is (``background``, ``immediate``, ``task``, ``celery``, ``manual``),
and inside a test's transaction too, where ``on_commit`` never fires::

    from decimal import Decimal
    from django_convert.testing import capture_conversions

    def test_checkout_sends_the_purchase(client, db):
        with capture_conversions() as capture:
            client.post("/checkout/", {"product": "tee"})
            [sent] = capture.deliver()
        assert sent.goal_id == "100037225"
        assert sent.amount == Decimal("24.90")

Every request is validated as Convert's tracking API would (body schema, segment codes,
the ``ConvertAgent/`` User-Agent), so a conversion Convert would refuse shows up in
``capture.rejected`` instead of in ``capture.sent``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.test import override_settings

from django_convert.conf import SETTINGS_NAME
from django_convert.testing.tracking_server import ConvertStandIn, Received


@dataclass(frozen=True)
class SentConversion:
    """One conversion event as Convert received it.

    ``amount`` is a :class:`~decimal.Decimal` parsed from the JSON number that was sent
    (``None`` when no amount was sent); ``custom_dimensions`` maps 1-5 to the values of
    ``customDimension1..5``; ``bucketing`` is ``bucketingData`` (experience id -> variation
    id); ``segments`` is the visitor's ``segments`` object.
    """

    visitor_id: str
    goal_id: str
    amount: Decimal | None
    products_count: int | None
    transaction_id: str | None
    bucketing: dict[str, str]
    segments: dict[str, Any]
    custom_dimensions: dict[int, Any] = field(default_factory=dict)

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> SentConversion:
        """Build one from :meth:`Received.conversions` output."""
        goal_data = {item["key"]: item["value"] for item in event.get("goalData") or []}
        amount = goal_data.get("amount")
        count = goal_data.get("productsCount")
        dimensions = {
            int(key.removeprefix("customDimension")): value
            for key, value in goal_data.items()
            if key.startswith("customDimension")
        }
        return cls(
            visitor_id=str(event.get("visitorId")),
            goal_id=str(event.get("goalId")),
            amount=None if amount is None else Decimal(str(amount)),
            products_count=None if count is None else int(count),
            transaction_id=goal_data.get("transactionId"),
            bucketing=dict(event.get("bucketingData") or {}),
            segments=dict(event.get("segments") or {}),
            custom_dimensions=dimensions,
        )


class ConversionCapture:
    """What reached the stand-in while :func:`capture_conversions` was active."""

    def __init__(self, server: ConvertStandIn) -> None:
        self.server = server

    @property
    def requests(self) -> list[Received]:
        """Every tracking request received, accepted or not, in order."""
        return list(self.server.received)

    @property
    def rejected(self) -> list[Received]:
        """Requests Convert would not have counted: ``answer`` and ``errors`` say why."""
        return [r for r in self.server.received if r.answer is not None and not r.accepted]

    @property
    def sent(self) -> list[SentConversion]:
        """Conversions Convert accepted, in the order they arrived."""
        return [SentConversion.from_event(e) for e in self.server.accepted_conversions()]

    def deliver(self, *, timeout: float = 10.0) -> list[SentConversion]:
        """Send every due conversion now, wait for any already in flight, return :attr:`sent`.

        Runs :func:`django_convert.delivery.deliver.deliver_due` in this thread (so rows
        written inside the test's own transaction are seen), then waits up to ``timeout``
        seconds while a background worker still holds rows in ``sending``.
        Needs database access (pytest-django's ``db`` mark or a Django ``TestCase``).
        """
        from django_convert.delivery.deliver import deliver_due
        from django_convert.models import Conversion

        deliver_due()
        deadline = time.monotonic() + timeout
        sending = Conversion.objects.filter(status=Conversion.Status.SENDING)
        while sending.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.sent

    def wait_for(self, count: int, *, timeout: float = 10.0) -> list[SentConversion]:
        """Wait until at least ``count`` conversions were accepted (e.g. sent by the
        ``background`` worker after a real commit); raise :class:`AssertionError` on timeout."""
        deadline = time.monotonic() + timeout
        while len(sent := self.sent) < count:
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"expected {count} conversion(s) to reach Convert within {timeout:g} s, "
                    f"got {len(sent)}; rejected requests: {[r.errors for r in self.rejected]}"
                )
            time.sleep(0.05)
        return sent


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


@contextmanager
def capture_conversions(*, latency: float = 0.0) -> Iterator[ConversionCapture]:
    """Run a tracking stand-in and point ``TRACKING_URL`` (and ``CONFIG_URL``, so a project
    config sync gets the stand-in's sample configuration) at it while the block runs.

    ``latency`` (seconds) delays every answer, to test a slow Convert. The stand-in checks
    the account and project ids (or SDK key and secret) of your ``DJANGO_CONVERT``.
    """
    from django_convert.delivery.client import reset_clients

    configured: dict[str, Any] = dict(getattr(settings, SETTINGS_NAME, None) or {})
    server = ConvertStandIn(
        latency=latency,
        account_id=_text(configured.get("ACCOUNT_ID")),
        project_id=_text(configured.get("PROJECT_ID")),
        sdk_key=_text(configured.get("SDK_KEY")),
        sdk_secret=_text(configured.get("SDK_SECRET")),
    ).start()
    try:
        with override_settings(
            **{
                SETTINGS_NAME: {
                    **configured,
                    "TRACKING_URL": server.url,
                    "CONFIG_URL": server.config_url,
                }
            }
        ):
            try:
                yield ConversionCapture(server)
            finally:
                reset_clients()  # pooled connections to this server go with it
    finally:
        server.stop()
