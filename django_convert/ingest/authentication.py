"""Session authentication that checks the CSRF token on every request.

DRF's SessionAuthentication checks CSRF only for logged-in users, so an anonymous
cross-site form could write another visitor's bucketing. Here the check runs first,
for everyone; the listener sends the token in the ``X-CSRFToken`` header.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.middleware.csrf import CsrfViewMiddleware
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request


class _CsrfCheck(CsrfViewMiddleware):
    def _reject(self, request: HttpRequest, reason: str) -> Any:
        return reason  # the reason, instead of Django's 403 page


def _no_response(request: HttpRequest) -> Any:
    return None


def enforce_csrf(request: HttpRequest) -> None:
    """Run Django's CSRF check on ``request``; raise PermissionDenied when it fails."""
    check = _CsrfCheck(_no_response)
    check.process_request(request)  # reads the token from the cookie (or session)
    reason = check.process_view(request, _no_response, (), {})
    if reason:
        raise exceptions.PermissionDenied(f"CSRF failed: {reason}")


class CsrfSessionAuthentication(BaseAuthentication):
    """The session's user, if any, after a CSRF check that anonymous requests also pass."""

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        # The Django request: DRF's would parse the body to look for a form token.
        django_request = request._request
        enforce_csrf(django_request)
        user = getattr(django_request, "user", None)
        if user is None or not user.is_active:
            return None
        return (user, None)
