"""Fixtures for the identity, middleware, template tag and browser tests."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory


@pytest.fixture
def make_request() -> Any:
    """``make_request(cookie=..., user=..., secure=...)``: a request as the middleware sees it."""

    def make(
        cookie: str | None = None, user: Any = None, secure: bool = False, **cookies: str
    ) -> Any:
        request = RequestFactory().get("/", secure=secure)
        if cookie is not None:
            request.COOKIES["convert_vid"] = cookie
        request.COOKIES.update(cookies)
        request.user = user if user is not None else AnonymousUser()
        request.session = {}
        return request

    return make


@pytest.fixture
def user(db: None) -> Any:
    return get_user_model().objects.create_user("ann", password="pw")


# Resolvers for VISITOR_ID_RESOLVER in tests.
def email_resolver(request: Any) -> str | None:
    return request.user.email if request.user.is_authenticated else None


def username_resolver(request: Any) -> str | None:
    return request.user.get_username() if request.user.is_authenticated else None


def constant_resolver(request: Any) -> str:
    return "custom-id-1"


def none_resolver(request: Any) -> None:
    return None


def script_resolver(request: Any) -> str:
    return "</script><script>alert(1)</script>"


def database_resolver(request: Any) -> str | None:
    from django_convert.models import Visitor

    return Visitor.objects.values_list("visitor_id", flat=True).first()


not_callable = "a string"


def anonymous_constant_resolver(request: Any) -> str | None:
    """Every anonymous browser the same id: stitching would merge strangers."""
    return None if request.user.is_authenticated else "everyone-1"
