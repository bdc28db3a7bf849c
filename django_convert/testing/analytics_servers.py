"""Strict local stand-ins for the analytics services django-convert forwards to.

- :class:`GA4StandIn`: the GA4 Measurement Protocol (``/mp/collect``, and the validation
  server ``/debug/mp/collect``), :mod:`django_convert.testing.ga4_server`.
- :class:`SegmentStandIn`: Segment's HTTP Tracking API (``/v1/batch``),
  :mod:`django_convert.testing.segment_server`.
- :class:`MixpanelStandIn`: Mixpanel's Import API (``/import``),
  :mod:`django_convert.testing.mixpanel_server`.

Each is a real HTTP server on 127.0.0.1 in a thread (``start()``/``stop()`` or ``with``),
built from the vendor's published documentation (cited in each module), with ``url`` to
configure as the destination's ``URL``, ``received`` (every raw request with its
``problems``), ``events()`` (what the vendor would have kept) and fault knobs
(``fail(status, times, retry_after=)``, ``statuses(...)``, ``rate_limit()``, ``slow()``,
``reset()``, ``latency``). Example::

    from django_convert.testing.analytics_servers import SegmentStandIn

    with SegmentStandIn(write_key="wk") as segment:
        ...  # send to segment.url
        assert segment.dropped() == []
"""

from __future__ import annotations

from django_convert.testing.analytics_base import AnalyticsStandIn, Answer, Fault, Request
from django_convert.testing.ga4_server import GA4StandIn, validation_messages
from django_convert.testing.mixpanel_server import MixpanelStandIn, event_problem
from django_convert.testing.segment_server import Dropped, SegmentStandIn

__all__ = [
    "AnalyticsStandIn",
    "Answer",
    "Dropped",
    "Fault",
    "GA4StandIn",
    "MixpanelStandIn",
    "Request",
    "SegmentStandIn",
    "event_problem",
    "validation_messages",
]
