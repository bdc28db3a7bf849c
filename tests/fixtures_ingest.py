"""Fixtures for the ingest API tests: a client that owns a visitor id, and payloads."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils.crypto import get_random_string

from django_convert.identity.proof import visitor_key
from django_convert.ingest import upsert as upsert_module
from django_convert.models import Bucketing, Visitor

VISITOR_ID = "visitor-abc123"


def example_payload(visitor_id: str = VISITOR_ID) -> dict[str, Any]:
    """The source document's dataPayload (section 2) with its section 4/5 example values."""
    return {
        "visitorId": visitor_id,
        "experiences": [{"experienceId": "100127238", "variationId": "1001186427"}],
        "segments": {
            "browser": "CH",
            "devices": ["DESK"],
            "source": "direct",
            "visitorType": "new",
            "country": "US",
            "campaign": "",
            "customSegments": ["segment-id-1", "segment-id-2"],
        },
    }


class IngestClient(Client):
    """A test client whose convert_vid cookie makes it the owner of ``visitor_id``, with the
    id's key (identity.proof) as a browser has it after its first post, unless ``key`` is
    False (a browser that never posted, or one that only knows the id)."""

    def __init__(self, visitor_id: str = VISITOR_ID, key: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.visitor_id = visitor_id
        name = settings.DJANGO_CONVERT.get("COOKIE_NAME", "convert_vid")
        self.cookies[name] = visitor_id
        if key:
            self.cookies[f"{name}_key"] = visitor_key(visitor_id)
        self.csrf_token = get_random_string(32)
        self.cookies[settings.CSRF_COOKIE_NAME] = self.csrf_token

    def ingest(
        self, payload: Any = None, *, raw: bytes | None = None, csrf: bool = True, **extra: Any
    ) -> Any:
        body = raw if raw is not None else json.dumps(payload).encode()
        if csrf:
            extra.setdefault("HTTP_X_CSRFTOKEN", self.csrf_token)
        extra.setdefault("content_type", "application/json")
        return self.post(reverse("django_convert:context"), data=body, **extra)


def stored() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Every visitor and bucketing row, for "nothing was written" comparisons."""
    visitors = list(Visitor.objects.order_by("pk").values_list())
    bucketing = list(Bucketing.objects.order_by("pk").values_list())
    return visitors, bucketing


@pytest.fixture
def clear_throttle() -> Iterator[None]:
    """Throttle history lives in the cache: start and end each test with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def ingest_client(clear_throttle: None) -> IngestClient:
    """Enforces CSRF like a browser would meet it; sends the token unless told not to."""
    return IngestClient(enforce_csrf_checks=True)


@pytest.fixture(params=["one statement", "bulk_create"])
def upsert_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test with the hand-built upsert and with bulk_create (other databases)."""
    if request.param == "bulk_create":
        monkeypatch.setattr(upsert_module, "speaks_upsert_returning", lambda connection: False)
    return str(request.param)
