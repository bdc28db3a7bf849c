"""pytest fixtures for shops using django-convert; pytest loads this module by itself
(the ``pytest11`` entry point) whenever django-convert is installed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from django_convert.testing.capture import ConversionCapture
    from django_convert.testing.forward_capture import ForwardCapture
    from django_convert.testing.ga4_server import GA4StandIn
    from django_convert.testing.mixpanel_server import MixpanelStandIn
    from django_convert.testing.segment_server import SegmentStandIn


@pytest.fixture
def convert_capture() -> Iterator[ConversionCapture]:
    """A :class:`~django_convert.testing.capture.ConversionCapture` for one test:
    ``convert_capture.deliver()`` returns what reached the stand-in for Convert."""
    from django_convert.testing.capture import capture_conversions

    with capture_conversions() as capture:
        yield capture


@pytest.fixture
def forward_capture() -> Iterator[ForwardCapture]:
    """A :class:`~django_convert.testing.forward_capture.ForwardCapture` for one test:
    ``forward_capture.deliver()`` returns the impressions each configured destination kept."""
    from django_convert.testing.forward_capture import capture_forwarded

    with capture_forwarded() as capture:
        yield capture


@pytest.fixture
def ga4_standin() -> Iterator[GA4StandIn]:
    """A running :class:`~django_convert.testing.ga4_server.GA4StandIn` (any credentials)."""
    from django_convert.testing.ga4_server import GA4StandIn

    with GA4StandIn() as server:
        yield server


@pytest.fixture
def segment_standin() -> Iterator[SegmentStandIn]:
    """A running :class:`~django_convert.testing.segment_server.SegmentStandIn` (any write
    key)."""
    from django_convert.testing.segment_server import SegmentStandIn

    with SegmentStandIn() as server:
        yield server


@pytest.fixture
def mixpanel_standin() -> Iterator[MixpanelStandIn]:
    """A running :class:`~django_convert.testing.mixpanel_server.MixpanelStandIn` (any
    project token or service account)."""
    from django_convert.testing.mixpanel_server import MixpanelStandIn

    with MixpanelStandIn() as server:
        yield server
