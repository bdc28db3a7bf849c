"""``{% load convert %}``: the BYOID identify push, the listener and Convert's script.

``{% convert_head %}`` is all of it, in the order that matters: one inline script with
the identify push and the listener, then Convert's tracking script. The finer tags
``{% convert_identify %}``, ``{% convert_listener %}`` and ``{% convert_script %}`` emit
one part each, for layouts that need them apart (keep that order). Settings are read at
render time. Nothing renders when ``ENABLED`` is False or the request has no valid id.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from django import template
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.safestring import SafeString, mark_safe

from django_convert import browser
from django_convert.conf import SETTINGS_NAME, get_setting, static_url
from django_convert.exceptions import InvalidVisitorId
from django_convert.identity.pii import clean_visitor_id

logger = logging.getLogger("django_convert")
register = template.Library()
NOTHING = mark_safe("")
# Per-process memos of values that cost more to compute than to look up.
_context_urls: dict[tuple[Any, str, str], str] = {}
_script_srcs: dict[tuple[str, str, str], str] = {}


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


def _nonce_attribute(context: template.Context, request: HttpRequest) -> str:
    """Django 6's ``csp_nonce`` context variable, else django-csp's ``request.csp_nonce``."""
    nonce = context.get("csp_nonce")
    if nonce is None:
        nonce = getattr(request, "csp_nonce", None)
    # Not bool(nonce): Django 6's LazyNonce is falsy until generated, and str() is what
    # generates it, so that the policy header names the nonce our scripts carry.
    return browser.nonce_attribute(str(nonce) if nonce is not None else None)


def _csrf_header() -> str:
    """CSRF_HEADER_NAME is a META key (HTTP_X_CSRFTOKEN); fetch wants the header name."""
    name: str = settings.CSRF_HEADER_NAME
    name = name.removeprefix("HTTP_")
    return name.replace("_", "-")


def _context_url() -> str:
    # reverse() costs tens of µs per page; its answer only changes with the URLconf and
    # the script prefix, so remember it per (urlconf, prefix).
    key = (get_urlconf(), settings.ROOT_URLCONF, get_script_prefix())
    url = _context_urls.get(key)
    if url is None:
        try:
            url = _context_urls[key] = reverse("django_convert:context")
        except NoReverseMatch as error:
            raise ImproperlyConfigured(
                'The convert listener posts to reverse("django_convert:context"): add '
                'path("convert/", include("django_convert.urls")) to your URLconf.'
            ) from error
    return url


def _csrf(request: HttpRequest) -> tuple[str | None, str | None]:
    """(token, cookie name): a token to embed, or the cookie the listener reads it from.

    Reading the cookie when the listener posts is Django's documented way for scripts and
    never stale (a login in another tab rotates it); it also spares the per-render cost of
    masking a token. Embedding is for CSRF_USE_SESSIONS / CSRF_COOKIE_HTTPONLY.
    """
    if settings.CSRF_USE_SESSIONS or settings.CSRF_COOKIE_HTTPONLY:
        return get_token(request), None
    if settings.CSRF_COOKIE_NAME not in request.COOKIES:
        get_token(request)  # so that CsrfViewMiddleware sets the cookie on this response
    return None, settings.CSRF_COOKIE_NAME


def _listener(request: HttpRequest, visitor_id: str) -> str:
    token, cookie = _csrf(request)
    return browser.listener_js(
        url=_context_url(),
        header=_csrf_header(),
        token=token,
        cookie=cookie,
        visitor_id=visitor_id,
    )


def _script_src_attribute() -> str:
    """`` src="..."`` for Convert's script, remembered per (SCRIPT_URL, ids)."""
    settings_now = (
        str(get_setting("SCRIPT_URL")),
        str(get_setting("ACCOUNT_ID")),
        str(get_setting("PROJECT_ID")),
    )
    attribute = _script_srcs.get(settings_now)
    if attribute is None:
        url, account_id, project_id = settings_now
        try:
            src = url.format(
                account_id=quote(account_id, safe=""), project_id=quote(project_id, safe="")
            )
        except (KeyError, IndexError, ValueError) as error:
            raise ImproperlyConfigured(
                f"{SETTINGS_NAME}['SCRIPT_URL'] may only use the placeholders {{account_id}} "
                f"and {{project_id}}: {error!r}"
            ) from error
        attribute = _script_srcs[settings_now] = browser.src_attribute(static_url(src))
    return attribute


def _convert_tag(
    render: Callable[[HttpRequest, str, str], SafeString],
) -> Callable[[template.Context], SafeString]:
    """Register ``render(request, visitor_id, nonce_attribute)`` as a tag named after it,
    rendering nothing when there is no usable visitor id."""

    def tag(context: template.Context) -> SafeString:
        found = _visitor_id(context)
        if found is None:
            return NOTHING
        request, visitor_id = found
        return render(request, visitor_id, _nonce_attribute(context, request))

    # Not functools.wraps: simple_tag reads the signature through __wrapped__ and wants
    # "context" first.
    tag.__name__, tag.__doc__ = render.__name__, render.__doc__
    register.simple_tag(tag, takes_context=True, name=render.__name__)
    return tag


@_convert_tag
def convert_head(request: HttpRequest, visitor_id: str, nonce_attr: str) -> SafeString:
    """The identify push and the listener, then Convert's tracking script."""
    code = browser.identify_js(visitor_id) + _listener(request, visitor_id)
    return browser.inline_script(code, nonce_attr) + browser.external_script(
        _script_src_attribute(), nonce_attr
    )


@_convert_tag
def convert_identify(request: HttpRequest, visitor_id: str, nonce_attr: str) -> SafeString:
    """Only the identify push (must come before ``{% convert_script %}``)."""
    return browser.inline_script(browser.identify_js(visitor_id), nonce_attr)


@_convert_tag
def convert_listener(request: HttpRequest, visitor_id: str, nonce_attr: str) -> SafeString:
    """Only the listener that posts bucketing and segments to the ingest endpoint."""
    return browser.inline_script(_listener(request, visitor_id), nonce_attr)


@_convert_tag
def convert_script(request: HttpRequest, visitor_id: str, nonce_attr: str) -> SafeString:
    """Only Convert's tracking script for the configured account and project."""
    return browser.external_script(_script_src_attribute(), nonce_attr)
