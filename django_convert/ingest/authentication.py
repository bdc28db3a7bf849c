"""Anti-CSRF for the ingest endpoint, safe for a JSON POST from a cached page.

DRF's SessionAuthentication checks CSRF only for logged-in users, so an anonymous
cross-site form could write another visitor's bucketing. Here a check runs first, for
everyone, and one of two proofs is needed:

- **The listener's header** (``X-Convert-Listener``), with an ``Origin`` header that is
  this site or one of ``CSRF_TRUSTED_ORIGINS``. A cross-site page can only send a custom
  header through a CORS preflight, which this endpoint never grants, and browsers send
  ``Origin`` with every POST. This needs no token in the page, so pages with the tags can
  be cached (a cached page cannot carry each visitor's CSRF token, and a first visit to a
  cached page never gets the CSRF cookie).
- **Django's CSRF token** (``X-CSRFToken``, as for any AJAX POST): for other clients.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.middleware.csrf import CsrfViewMiddleware
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from django_convert.browser import LISTENER_HEADER

LISTENER_META = "HTTP_" + LISTENER_HEADER.upper().replace("-", "_")


class _CsrfCheck(CsrfViewMiddleware):
    def _reject(self, request: HttpRequest, reason: str) -> Any:
        return reason  # the reason, instead of Django's 403 page


def _no_response(request: HttpRequest) -> Any:
    return None


def enforce_csrf(request: HttpRequest) -> None:
    """Pass the listener's same-origin proof or Django's CSRF check; else PermissionDenied."""
    check = _CsrfCheck(_no_response)
    if request.META.get(LISTENER_META) and "HTTP_ORIGIN" in request.META:
        # Django's own Origin check (this host, or CSRF_TRUSTED_ORIGINS).
        if check._origin_verified(request):  # type: ignore[attr-defined]
            return
        raise exceptions.PermissionDenied(
            f"CSRF failed: Origin {request.META['HTTP_ORIGIN']!r} is not this site "
            "or one of CSRF_TRUSTED_ORIGINS."
        )
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
