"""The HTML and JavaScript the template tags put in the page.

The inline scripts carry settings only, never a per-visitor value, so a page with the tags
can be cached and served to everyone (docs/templates.rst). Settings go into them as JSON
with ``<``, ``>``, ``&`` and the JavaScript line terminators escaped (as ``json_script``
does), so no value can close the script or break out of its string. Attributes are
HTML-escaped.

The JavaScript itself is not here: readable sources live in ``django_convert/browser/js/``,
terser minifies them into ``django_convert/browser/js/dist/`` (``js/build.mjs``), and CI checks the
committed output is current. Each minified script ends with a call whose argument is a
placeholder name; the settings, as JSON, take its place.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

# What json_script escapes: enough that no JSON value can end the script element or
# terminate a JavaScript line inside a string.
_JS_ESCAPES = (
    ("<", "\\u003C"),
    (">", "\\u003E"),
    ("&", "\\u0026"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)

DIST = Path(__file__).resolve().parent / "js" / "dist"
IDENTIFY_PLACEHOLDER = "DJANGO_CONVERT_IDENTIFY"
LISTENER_PLACEHOLDER = "DJANGO_CONVERT_LISTENER"
CONSENT_PLACEHOLDER = "DJANGO_CONVERT_CONSENT"
FORWARD_PLACEHOLDER = "DJANGO_CONVERT_FORWARD"
#: The header the listener sends in place of a CSRF token (see ingest.authentication).
LISTENER_HEADER = "X-Convert-Listener"


def js_value(value: Any) -> str:
    """``value`` as a JavaScript literal that is safe inside an inline <script>."""
    # The default encoder (no options) is json's fast path; chained replace() beats
    # str.translate() when, as usual, there is nothing to escape.
    literal = json.dumps(value)
    for char, escaped in _JS_ESCAPES:
        if char in literal:
            literal = literal.replace(char, escaped)
    return literal


@functools.cache
def _script(name: str, placeholder: str) -> tuple[str, str]:
    """(code before the placeholder, code after it) of ``dist/<name>.min.js``."""
    code = (DIST / f"{name}.min.js").read_text(encoding="utf-8").strip()
    before, found, after = code.partition(placeholder)
    if not found or placeholder in after:
        raise RuntimeError(f"{DIST / name}.min.js must use {placeholder} exactly once.")
    return before, after


def identify_js(config: dict[str, Any]) -> str:
    """The id and consent snippet (``js/identify.js``): ``consentRequired`` or ``identify``,
    queued before Convert's script drains ``window._conv_q``."""
    before, after = _script("identify", IDENTIFY_PLACEHOLDER)
    return before + js_value(config) + after


def listener_js(config: dict[str, Any]) -> str:
    """The listener (``js/listener.js``) posting bucketing and segments to the ingest API."""
    before, after = _script("listener", LISTENER_PLACEHOLDER)
    return before + js_value(config) + after


def forward_ids_js(config: dict[str, Any]) -> str:
    """The browser-id reader (``js/forward-ids.js``) for forwarding: ``config`` is
    ``{"ga4": 1, "segment": 1, "mixpanel": "<project token>"}`` (the destinations
    configured); it defines ``djangoConvert.destinationIds()``, whose answer the listener
    posts as ``destinationIds``."""
    before, after = _script("forward-ids", FORWARD_PLACEHOLDER)
    return before + js_value(config) + after


def consent_js(platform: str, category: str) -> str:
    """The adapter (``js/consent-<platform>.js``) that asks the consent platform's browser API
    and calls ``consentGiven()`` / ``consentWithdrawn()``."""
    before, after = _script(f"consent-{platform}", CONSENT_PLACEHOLDER)
    return before + js_value({"category": category}) + after


def nonce_attribute(nonce: str | None) -> str:
    """`` nonce="..."`` for the script tags, or nothing without a nonce."""
    return f' nonce="{conditional_escape(nonce)}"' if nonce else ""


def inline_script(code: str, nonce_attr: str) -> SafeString:
    # ``code`` holds only our own JavaScript and js_value() output: nothing can close the tag.
    return mark_safe(f"<script{nonce_attr}>{code}</script>")  # noqa: S308


def src_attribute(src: str) -> str:
    return f' src="{conditional_escape(src)}"'


def external_script(src_attr: str, nonce_attr: str) -> SafeString:
    # Synchronous on purpose: Convert loads in the head, before the page renders (no flicker).
    return mark_safe(f"<script{src_attr}{nonce_attr}></script>")  # noqa: S308
