"""Helpers for testing a shop that uses django-convert, shipped with the package.

- :func:`capture_conversions` / :class:`ConversionCapture`: assert what a checkout sends to
  Convert, offline, in every ``DELIVERY`` mode (see :mod:`django_convert.testing.capture`).
- The pytest fixture ``convert_capture`` (:mod:`django_convert.testing.pytest_plugin`,
  loaded automatically by pytest when django-convert is installed).
- :class:`~django_convert.testing.tracking_server.ConvertStandIn`: the validating local
  stand-in for Convert's tracking API, also runnable as
  ``python -m django_convert.testing.tracking_server --port 8765``. It also serves a
  project configuration (:mod:`django_convert.testing.project_config`) at
  ``/api/v1/config/...``; point ``CONFIG_URL`` at ``server.config_url``.
- :func:`capture_forwarded` / :class:`ForwardCapture`: assert what is forwarded to GA4,
  Segment and Mixpanel (``FORWARD``), offline (:mod:`django_convert.testing.forward_capture`),
  with the strict stand-ins :class:`GA4StandIn`, :class:`SegmentStandIn`,
  :class:`MixpanelStandIn` (:mod:`django_convert.testing.analytics_servers`); pytest
  fixtures ``forward_capture``, ``ga4_standin``, ``segment_standin``, ``mixpanel_standin``.
- :data:`STANDIN_SCRIPT_URL`: a ``SCRIPT_URL`` value that serves the offline stand-in for
  Convert's tracking script from this app's static files.
- :data:`AUTOMATION_COOKIE`: the opt-in that makes an automated browser (end-to-end tests)
  count as a visitor.

Importing this package imports no models.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django_convert.testing.capture import (
        ConversionCapture,
        SentConversion,
        capture_conversions,
    )
    from django_convert.testing.forward_capture import (
        ForwardCapture,
        ForwardedImpression,
        capture_forwarded,
    )
    from django_convert.testing.ga4_server import GA4StandIn
    from django_convert.testing.mixpanel_server import MixpanelStandIn
    from django_convert.testing.segment_server import SegmentStandIn
    from django_convert.testing.tracking_server import ConvertStandIn

#: ``DJANGO_CONVERT["SCRIPT_URL"] = STANDIN_SCRIPT_URL`` loads the offline stand-in for
#: Convert's tracking script (``static/django_convert/testing/convert-standin.js``) through
#: ``staticfiles``. The stand-in drains ``_conv_q`` (identify, addListener, consentRequired,
#: consentGiven, run: a later identify then run evaluates again under the new id), buckets
#: the visitor (``?bucketing=EXP:VAR,...``, default ``100127238:1001186427``) and fires
#: ``snippet.experiences_evaluated``, so the listener runs without Convert.
STANDIN_SCRIPT_URL = "static:django_convert/testing/convert-standin.js"

#: The cookie that makes an automated browser (``navigator.webdriver`` true: Playwright,
#: Selenium, Cypress) count as a visitor: without it, the snippet marks its posts and the
#: ingest endpoint stores nothing for it, as for a crawler. For a shop's own end-to-end
#: tests, e.g. with Playwright: ``context.add_cookies([{**AUTOMATION_COOKIE, "url": base}])``.
AUTOMATION_COOKIE = {"name": "convert_automation", "value": "1"}

__all__ = [
    "AUTOMATION_COOKIE",
    "STANDIN_SCRIPT_URL",
    "ConversionCapture",
    "ConvertStandIn",
    "ForwardCapture",
    "ForwardedImpression",
    "GA4StandIn",
    "MixpanelStandIn",
    "SegmentStandIn",
    "SentConversion",
    "capture_conversions",
    "capture_forwarded",
]

# Imported on first use, so that `python -m django_convert.testing.tracking_server` does not
# find its own module already imported by this package (runpy warns about that).
_LAZY = {
    "ConversionCapture": "django_convert.testing.capture",
    "SentConversion": "django_convert.testing.capture",
    "capture_conversions": "django_convert.testing.capture",
    "ConvertStandIn": "django_convert.testing.tracking_server",
    "ForwardCapture": "django_convert.testing.forward_capture",
    "ForwardedImpression": "django_convert.testing.forward_capture",
    "capture_forwarded": "django_convert.testing.forward_capture",
    "GA4StandIn": "django_convert.testing.ga4_server",
    "MixpanelStandIn": "django_convert.testing.mixpanel_server",
    "SegmentStandIn": "django_convert.testing.segment_server",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
