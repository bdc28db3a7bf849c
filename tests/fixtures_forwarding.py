"""Fixtures for the forwarding tests: the three stand-ins configured as FORWARD, synced
names, and forwarded rows written as the ingest writes them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from django_convert.forwarding.send import reset_sessions
from django_convert.models import Experience, ForwardedEvent, Variation
from django_convert.testing.analytics_servers import GA4StandIn, MixpanelStandIn, SegmentStandIn

EXPERIENCE, VARIATION = "100127238", "1001186427"


class Destinations:
    def __init__(self) -> None:
        self.ga4 = GA4StandIn(measurement_id="G-TEST123", api_secret="ga4-secret")
        self.segment = SegmentStandIn(write_key="seg-key")
        self.mixpanel = MixpanelStandIn(project_token="mp-token")

    def forward(self, *names: str) -> dict[str, Any]:
        every = {
            "ga4": {"MEASUREMENT_ID": "G-TEST123", "API_SECRET": "ga4-secret", "URL": self.ga4.url},
            "segment": {"WRITE_KEY": "seg-key", "URL": self.segment.url},
            "mixpanel": {"PROJECT_TOKEN": "mp-token", "URL": self.mixpanel.url},
        }
        return {name: every[name] for name in (names or every)}

    def all(self) -> list[Any]:
        return [self.ga4, self.segment, self.mixpanel]


@pytest.fixture
def destinations() -> Iterator[Destinations]:
    """The three stand-ins running, every one configured in FORWARD (TIMEOUT 2 s)."""
    running = Destinations()
    for server in running.all():
        server.start()
    changed = {**settings.DJANGO_CONVERT, "FORWARD": running.forward(), "TIMEOUT": 2.0}
    try:
        with override_settings(DJANGO_CONVERT=changed):
            yield running
    finally:
        for server in running.all():
            server.stop()
        reset_sessions()


@pytest.fixture
def synced_names(db: None) -> None:
    """The experience and variation of the example payload, with names, as a sync stores."""
    experience = Experience.objects.create(id=EXPERIENCE, name="Homepage hero")
    Variation.objects.create(id=VARIATION, experience=experience, name="Variation 1")


def make_forwarded(
    destination: str, count: int, *, at: datetime | None = None, **fields: Any
) -> list[ForwardedEvent]:
    """``count`` pending impressions for ``destination``, one visitor each."""
    at = at or timezone.now()
    defaults = {
        "experience_id": EXPERIENCE,
        "experience_name": "Homepage hero",
        "variation_id": VARIATION,
        "variation_name": "Variation 1",
    }
    rows = [
        ForwardedEvent(
            destination=destination,
            dedupe_key=f"visitor-{n}:{EXPERIENCE}",
            visitor_id=f"visitor-{n}",
            occurred_at=at,
            next_attempt_at=at,
            **{**defaults, **fields},
        )
        for n in range(count)
    ]
    return ForwardedEvent.objects.bulk_create(rows)
