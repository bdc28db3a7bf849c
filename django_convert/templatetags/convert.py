"""``{% load convert %}``: the visitor id and consent snippet, the listener, Convert's script.

``{% convert_head %}`` is all of it, in the order that matters: one inline script with
the id/consent snippet and the listener, then Convert's tracking script. The finer tags
``{% convert_identify %}``, ``{% convert_listener %}`` and ``{% convert_script %}`` emit
one part each, for layouts that need them apart (keep that order).

The output holds settings only, never a per-visitor value (no id, no CSRF token), so pages
with the tags can be cached by ``cache_page``, the per-site cache or a CDN and stay right
for every visitor: the snippet reads the id from the visitor's cookie in the browser.
Settings are read at render time; nothing renders when ``ENABLED`` is False.
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
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.safestring import SafeString, mark_safe

from django_convert import browser
from django_convert.conf import SETTINGS_NAME, get_setting, static_url

logger = logging.getLogger("django_convert")
register = template.Library()
NOTHING = mark_safe("")
# Per-process memos of values that cost more to compute than to look up.
_context_urls: dict[tuple[Any, str, str], str] = {}
_script_srcs: dict[tuple[str, str, str], str] = {}
_snippet_cache: dict[tuple[str, tuple[Any, ...], str], tuple[str, str]] = {}


def _request(context: template.Context) -> HttpRequest | None:
    """The request, if the template has it (only the CSP nonce needs it)."""
    request: HttpRequest | None = context.get("request")
    return request


def _nonce_attribute(context: template.Context) -> str:
    """Django 6's ``csp_nonce`` context variable, else django-csp's ``request.csp_nonce``."""
    nonce = context.get("csp_nonce")
    if nonce is None:
        nonce = getattr(_request(context), "csp_nonce", None)
    # Not bool(nonce): Django 6's LazyNonce is falsy until generated, and str() is what
    # generates it, so that the policy header names the nonce our scripts carry.
    return browser.nonce_attribute(str(nonce) if nonce is not None else None)


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


def _identify_config() -> dict[str, Any]:
    from django_convert.identity.consent import consent_setting

    return {
        "cookie": {
            "name": get_setting("COOKIE_NAME"),
            "maxAge": get_setting("COOKIE_MAX_AGE"),
            "path": get_setting("COOKIE_PATH"),
            "domain": get_setting("COOKIE_DOMAIN"),
            "sameSite": get_setting("COOKIE_SAMESITE"),
            "secure": get_setting("COOKIE_SECURE"),
        },
        "consent": {
            "required": bool(consent_setting("REQUIRED")),
            "cookie": consent_setting("COOKIE_NAME"),
            "maxAge": consent_setting("COOKIE_MAX_AGE"),
            "runExperiences": bool(consent_setting("RUN_EXPERIENCES")),
        },
    }


# The settings the snippet carries: the key under which its code is remembered.
_SNIPPET_SETTINGS = (
    "COOKIE_NAME",
    "COOKIE_MAX_AGE",
    "COOKIE_PATH",
    "COOKIE_DOMAIN",
    "COOKIE_SAMESITE",
    "COOKIE_SECURE",
    "CONSENT",
)


def _forward_config() -> dict[str, Any]:
    """Which browser ids the listener reads for forwarding (``js/forward-ids.js``):
    ``{"ga4": 1, "segment": 1, "mixpanel": "<project token>"}`` for the destinations
    configured in ``FORWARD`` (the Mixpanel token names its cookie; it is public, Mixpanel's
    own browser script carries it). Empty when none is: the script is then left out."""
    from django_convert.forwarding.config import configured

    destinations = configured()
    config: dict[str, Any] = {name: 1 for name in ("ga4", "segment") if name in destinations}
    if "mixpanel" in destinations:
        config["mixpanel"] = destinations["mixpanel"].credential("PROJECT_TOKEN")
    return config


def _snippets() -> tuple[str, str]:
    """(identify code, listener code) for the settings in force, remembered per settings.

    The listener's part is followed by the browser-id reader when FORWARD configures
    destinations, and ends with the consent platform's adapter when CONSENT["PLATFORM"]
    names one. Nothing in them depends on the request, so the JSON is built once per
    settings and ingest URL; the per-render cost is reading the settings that make the key.
    """
    # Read the dict once (get_setting per name costs 1 µs each); a missing key reads as
    # None here, which is as good as its default for telling settings apart.
    configured = getattr(settings, SETTINGS_NAME, None) or {}
    values = tuple([configured.get(name) for name in _SNIPPET_SETTINGS[:-1]])
    key = (repr((configured.get("CONSENT"), configured.get("FORWARD"))), values, _context_url())
    snippets = _snippet_cache.get(key)
    if snippets is None:
        from django_convert.identity.consent import consent_adapter

        if len(_snippet_cache) > 64:  # settings changing all the time (tests): stay bounded
            _snippet_cache.clear()
        adapter = consent_adapter()
        forward = _forward_config()
        snippets = _snippet_cache[key] = (
            browser.identify_js(_identify_config()),
            browser.listener_js({"url": key[2], "header": browser.LISTENER_HEADER})
            + (browser.forward_ids_js(forward) if forward else "")
            + (browser.consent_js(*adapter) if adapter else ""),
        )
    return snippets


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
    render: Callable[[str], SafeString],
) -> Callable[[template.Context], SafeString]:
    """Register ``render(nonce_attribute)`` as a tag named after it, rendering nothing
    when the app is disabled."""

    def tag(context: template.Context) -> SafeString:
        if not get_setting("ENABLED"):
            return NOTHING
        return render(_nonce_attribute(context))

    # Not functools.wraps: simple_tag reads the signature through __wrapped__ and wants
    # "context" first.
    tag.__name__, tag.__doc__ = render.__name__, render.__doc__
    register.simple_tag(tag, takes_context=True, name=render.__name__)
    return tag


@_convert_tag
def convert_head(nonce_attr: str) -> SafeString:
    """The id/consent snippet and the listener, then Convert's tracking script."""
    identify, listener = _snippets()
    return browser.inline_script(identify + listener, nonce_attr) + browser.external_script(
        _script_src_attribute(), nonce_attr
    )


@_convert_tag
def convert_identify(nonce_attr: str) -> SafeString:
    """Only the id/consent snippet (must come before the other two)."""
    return browser.inline_script(_snippets()[0], nonce_attr)


@_convert_tag
def convert_listener(nonce_attr: str) -> SafeString:
    """Only the listener that posts bucketing and segments (after ``convert_identify``)."""
    return browser.inline_script(_snippets()[1], nonce_attr)


@_convert_tag
def convert_script(nonce_attr: str) -> SafeString:
    """Only Convert's tracking script for the configured account and project."""
    return browser.external_script(_script_src_attribute(), nonce_attr)
