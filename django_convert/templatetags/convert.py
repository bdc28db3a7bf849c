"""``{% load convert %}``: the BYOID identify push, the listener and Convert's script.

``{% convert_head %}`` is all of it, in the order that matters: one inline script with
the identify push and the listener, then Convert's tracking script. The finer tags
``{% convert_identify %}``, ``{% convert_listener %}`` and ``{% convert_script %}`` emit
one part each, for layouts that need them apart (keep that order). Settings are read at
render time. Nothing renders when ``ENABLED`` is False or the request has no valid id.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from django import template
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeString, mark_safe

from django_convert import browser
from django_convert.conf import SETTINGS_NAME, get_setting
from django_convert.exceptions import InvalidVisitorId
from django_convert.identity.pii import clean_visitor_id

logger = logging.getLogger("django_convert")
register = template.Library()
NOTHING = mark_safe("")


def _visitor_id(context: template.Context) -> tuple[HttpRequest, str] | None:
    """The request and its visitor id, or None when the tags must render nothing."""
    if not get_setting("ENABLED"):
        return None
    request = context.get("request")
    if request is None:
        logger.warning(
            "The convert template tags need the request in the template context: add "
            '"django.template.context_processors.request" to your context processors.'
        )
        return None
    try:
        return request, clean_visitor_id(getattr(request, "convert_visitor_id", None))
    except InvalidVisitorId as error:
        # Missing middleware (check E004) or an id set by hand: never embed what is unsafe.
        logger.warning("The convert template tags rendered nothing: %s", error)
        return None


def _nonce(context: template.Context, request: HttpRequest) -> str | None:
    """Django 6's ``csp_nonce`` context variable, else django-csp's ``request.csp_nonce``."""
    nonce = context.get("csp_nonce") or getattr(request, "csp_nonce", None)
    return str(nonce) if nonce else None


def _csrf_header() -> str:
    """CSRF_HEADER_NAME is a META key (HTTP_X_CSRFTOKEN); fetch wants the header name."""
    name: str = settings.CSRF_HEADER_NAME
    name = name.removeprefix("HTTP_")
    return name.replace("_", "-")


def _identify(visitor_id: str) -> str:
    return browser.identify_js(visitor_id)


def _listener(request: HttpRequest, visitor_id: str) -> str:
    try:
        url = reverse("django_convert:context")
    except NoReverseMatch as error:
        raise ImproperlyConfigured(
            'The convert listener posts to reverse("django_convert:context"): add '
            'path("convert/", include("django_convert.urls")) to your URLconf.'
        ) from error
    return browser.listener_js(
        url=url, header=_csrf_header(), token=get_token(request), visitor_id=visitor_id
    )


def _script_src() -> str:
    ids: dict[str, Any] = {
        "account_id": get_setting("ACCOUNT_ID"),
        "project_id": get_setting("PROJECT_ID"),
    }
    try:
        return str(get_setting("SCRIPT_URL")).format(
            **{name: quote(str(value), safe="") for name, value in ids.items()}
        )
    except (KeyError, IndexError, ValueError) as error:
        raise ImproperlyConfigured(
            f"{SETTINGS_NAME}['SCRIPT_URL'] may only use the placeholders {{account_id}} "
            f"and {{project_id}}: {error!r}"
        ) from error


@register.simple_tag(takes_context=True)
def convert_head(context: template.Context) -> SafeString:
    """The identify push and the listener, then Convert's tracking script."""
    found = _visitor_id(context)
    if found is None:
        return NOTHING
    request, visitor_id = found
    nonce = _nonce(context, request)
    inline = browser.inline_script(_identify(visitor_id) + _listener(request, visitor_id), nonce)
    return inline + browser.external_script(_script_src(), nonce)


@register.simple_tag(takes_context=True)
def convert_identify(context: template.Context) -> SafeString:
    """Only the identify push (must come before ``{% convert_script %}``)."""
    found = _visitor_id(context)
    if found is None:
        return NOTHING
    request, visitor_id = found
    return browser.inline_script(_identify(visitor_id), _nonce(context, request))


@register.simple_tag(takes_context=True)
def convert_listener(context: template.Context) -> SafeString:
    """Only the listener that posts bucketing and segments to the ingest endpoint."""
    found = _visitor_id(context)
    if found is None:
        return NOTHING
    request, visitor_id = found
    return browser.inline_script(_listener(request, visitor_id), _nonce(context, request))


@register.simple_tag(takes_context=True)
def convert_script(context: template.Context) -> SafeString:
    """Only Convert's tracking script for the configured account and project."""
    found = _visitor_id(context)
    if found is None:
        return NOTHING
    request, _ = found
    return browser.external_script(_script_src(), _nonce(context, request))
