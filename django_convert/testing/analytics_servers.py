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

Standalone, for a development server: ``python -m django_convert.testing.analytics_servers``
prints each stand-in's URL, then one line per answered request (:func:`describe`).
"""

from __future__ import annotations

import argparse
import time

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
    "describe",
    "event_problem",
    "main",
    "validation_messages",
]


def describe(name: str, request: Request) -> str:
    """One log line: ``segment 200 /v1/batch: 2 kept`` or ``ga4 204 /mp/collect: [problems]``."""
    detail = request.problems or "ok"
    return f"{name} {request.answer} {request.path}: {detail}"


def main(argv: list[str] | None = None) -> None:
    """``python -m django_convert.testing.analytics_servers``: the three stand-ins on
    127.0.0.1 for a development server (point ``FORWARD[...]["URL"]`` at the printed URLs),
    one line per answered request, until interrupted."""
    parser = argparse.ArgumentParser(description="Local stand-ins for GA4, Segment, Mixpanel.")
    parser.add_argument("--ga4-port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--segment-port", type=int, default=0)
    parser.add_argument("--mixpanel-port", type=int, default=0)
    parser.add_argument("--latency-ms", type=float, default=0.0, help="added to every answer")
    args = parser.parse_args(argv)
    latency = args.latency_ms / 1000
    servers: dict[str, AnalyticsStandIn] = {
        "ga4": GA4StandIn(port=args.ga4_port, latency=latency),
        "segment": SegmentStandIn(port=args.segment_port, latency=latency),
        "mixpanel": MixpanelStandIn(port=args.mixpanel_port, latency=latency),
    }
    for name, server in servers.items():
        server.start()
        print(f"{name} listening on {server.url}", flush=True)
    logged = dict.fromkeys(servers, 0)
    try:
        while True:
            time.sleep(0.1)
            for name, server in servers.items():
                answered = [r for r in list(server.received) if r.answer is not None]
                for request in answered[logged[name] :]:
                    print(describe(name, request), flush=True)
                logged[name] = len(answered)
    except KeyboardInterrupt:
        pass
    finally:
        for server in servers.values():
            server.stop()


if __name__ == "__main__":
    main()
