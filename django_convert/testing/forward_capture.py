"""Capture what your shop forwards to GA4, Segment and Mixpanel, in your own tests, offline.

:func:`capture_forwarded` starts the three strict stand-ins
(:mod:`django_convert.testing.analytics_servers`) on 127.0.0.1, points the ``URL`` of each
destination of ``DJANGO_CONVERT["FORWARD"]`` at its stand-in for the duration (the
credentials stay yours, and the stand-ins check them), and hands you a
:class:`ForwardCapture`. ``capture.deliver()`` sends the forwarded events that are due in
the calling thread, as ``manage.py convert_deliver`` would, so the same assertion works in
every ``DELIVERY`` mode and inside a test's transaction::

    from django_convert.testing import capture_forwarded

    def test_the_hero_test_reaches_mixpanel(client, db):
        with capture_forwarded() as capture:
            client.post("/convert/context/", {...}, content_type="application/json")
            sent = capture.deliver()
        [impression] = sent["mixpanel"]
        assert impression.variation_name == "Green button"
        assert capture.problems() == []

Only the destinations configured in ``FORWARD`` receive anything, as in production; pass
``forward={...}`` to configure them for the block instead.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.test import override_settings

from django_convert.conf import SETTINGS_NAME
from django_convert.testing.analytics_base import AnalyticsStandIn
from django_convert.testing.ga4_server import GA4StandIn
from django_convert.testing.mixpanel_server import MixpanelStandIn
from django_convert.testing.segment_server import SegmentStandIn

DESTINATIONS = ("ga4", "segment", "mixpanel")


@dataclass(frozen=True)
class ForwardedImpression:
    """One impression as a destination kept it, in common terms.

    ``visitor_id`` is the user the destination saw (GA4's ``user_id``, Segment's ``userId``,
    Mixpanel's ``distinct_id``): the Convert visitor id. ``browser_id`` is the
    destination's own browser id when one was sent (GA4's ``client_id`` when it is not the
    visitor id, Segment's ``anonymousId``, Mixpanel's ``$device_id``), else None. ``raw``
    is the event exactly as the stand-in recorded it.
    """

    destination: str
    visitor_id: str
    browser_id: str | None
    experience_id: str
    variation_id: str
    experience_name: str
    variation_name: str
    raw: Mapping[str, Any]


def impression_from(destination: str, event: Mapping[str, Any]) -> ForwardedImpression | None:
    """A :class:`ForwardedImpression` from one stand-in event, or None for another kind of
    event (a conversion). GA4's ids come from ``exp_variant_string``
    (``CONVERT-<experience>-<variation>``), the others' from their properties."""
    if destination == "ga4":
        if event.get("name") != "experience_impression":
            return None
        params = event.get("params") or {}
        _, experience, variation = str(params.get("exp_variant_string", "--")).split("-", 2)
        user, client = str(event.get("user_id", "")), str(event.get("client_id", ""))
        return ForwardedImpression(
            "ga4", user, client if client != user else None, experience, variation,
            str(params.get("experience_name", "")), str(params.get("variation_name", "")), event,
        )  # fmt: skip
    props = event.get("properties") or {}
    if destination == "segment":
        if event.get("event") != "Experiment Viewed":
            return None
        return ForwardedImpression(
            "segment", str(event.get("userId")), event.get("anonymousId"),
            str(props.get("experiment_id")), str(props.get("variation_id")),
            str(props.get("experiment_name", "")), str(props.get("variation_name", "")), event,
        )  # fmt: skip
    if event.get("event") != "$experiment_started":
        return None
    return ForwardedImpression(
        "mixpanel", str(props.get("distinct_id")), props.get("$device_id"),
        str(props.get("Experiment id", "")), str(props.get("Variant id", "")),
        str(props.get("Experiment name", "")), str(props.get("Variant name", "")), event,
    )  # fmt: skip


class ForwardCapture:
    """The three stand-ins (``ga4``, ``segment``, ``mixpanel``) while
    :func:`capture_forwarded` is active, and what reached them."""

    def __init__(self, ga4: GA4StandIn, segment: SegmentStandIn, mixpanel: MixpanelStandIn) -> None:
        self.ga4, self.segment, self.mixpanel = ga4, segment, mixpanel
        self.servers: dict[str, AnalyticsStandIn] = {
            "ga4": ga4,
            "segment": segment,
            "mixpanel": mixpanel,
        }

    def events(self) -> dict[str, list[dict[str, Any]]]:
        """Every event each destination kept, in its own shape, by destination."""
        return {name: server.events() for name, server in self.servers.items()}

    @property
    def sent(self) -> dict[str, list[ForwardedImpression]]:
        """The impressions each destination kept, by destination (all three keys)."""
        found: dict[str, list[ForwardedImpression]] = {}
        for name, events in self.events().items():
            impressions = (impression_from(name, event) for event in events)
            found[name] = [i for i in impressions if i is not None]
        return found

    def problems(self) -> dict[str, list[str]]:
        """What each destination refused or silently dropped, by destination; only those
        with problems are listed, so ``capture.problems() == {}`` is the assertion."""
        found = {name: server.problems() for name, server in self.servers.items()}
        return {name: problems for name, problems in found.items() if problems}

    def deliver(self, *, timeout: float = 10.0) -> dict[str, list[ForwardedImpression]]:
        """Send every forwarded event that is due now, in this thread, as ``convert_deliver``
        would (:func:`django_convert.forwarding.deliver.deliver_forwarded`), wait up to
        ``timeout`` seconds for rows a background worker holds in ``sending``, and return
        :attr:`sent`. Convert's own conversions are not sent (that is
        :func:`~django_convert.testing.capture_conversions`'s job): a shop's test never
        reaches Convert from here. Impressions held for a browser id (``BROWSER_ID_WAIT``,
        never claimed yet) are made due first, as if the wait had ended: those a later post
        gave an id are sent with it, the others without. Needs database access."""
        from django.utils import timezone

        from django_convert.forwarding.deliver import deliver_forwarded
        from django_convert.models import ForwardedEvent

        ForwardedEvent.objects.filter(
            status=ForwardedEvent.Status.PENDING,
            attempts=0,
            lease_token__isnull=True,
            next_attempt_at__gt=timezone.now(),
        ).update(next_attempt_at=timezone.now())
        deliver_forwarded()
        deadline = time.monotonic() + timeout
        sending = ForwardedEvent.objects.filter(status=ForwardedEvent.Status.SENDING)
        while sending.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.sent


def _text(options: Mapping[str, Any], key: str) -> str | None:
    value = options.get(key)
    return None if value in (None, "") else str(value)


@contextmanager
def capture_forwarded(
    *, forward: Mapping[str, Any] | None = None, latency: float = 0.0
) -> Iterator[ForwardCapture]:
    """Run the three stand-ins and point each configured destination's ``URL`` at its own.

    :param forward: a ``FORWARD`` value to use for the block (default: the one configured).
    :param latency: seconds added to every answer of every stand-in.
    """
    from django_convert.forwarding.send import reset_sessions

    configured: dict[str, Any] = dict(getattr(settings, SETTINGS_NAME, None) or {})
    destinations = dict(forward if forward is not None else configured.get("FORWARD") or {})
    ga4_options = destinations.get("ga4") or {}
    mixpanel_options = destinations.get("mixpanel") or {}
    capture = ForwardCapture(
        GA4StandIn(
            measurement_id=_text(ga4_options, "MEASUREMENT_ID"),
            api_secret=_text(ga4_options, "API_SECRET"),
            latency=latency,
        ),
        SegmentStandIn(
            write_key=_text(destinations.get("segment") or {}, "WRITE_KEY"), latency=latency
        ),
        MixpanelStandIn(
            project_token=_text(mixpanel_options, "PROJECT_TOKEN"),
            api_secret=_text(mixpanel_options, "API_SECRET"),
            latency=latency,
        ),
    )
    started: list[AnalyticsStandIn] = []
    try:
        for server in capture.servers.values():
            started.append(server.start())
        pointed = {
            name: {**options, "URL": capture.servers[name].url}
            if name in capture.servers and isinstance(options, Mapping)
            else options
            for name, options in destinations.items()
        }
        with override_settings(**{SETTINGS_NAME: {**configured, "FORWARD": pointed}}):
            try:
                yield capture
            finally:
                reset_sessions()  # pooled connections to these servers go with them
    finally:
        for server in started:
            server.stop()
