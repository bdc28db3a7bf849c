"""django-convert: connect a Django site to Convert.com.

Importing this package stays light: the public helpers import models lazily, so
``import django_convert`` works before Django's app registry is ready.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["__version__", "get_visitor_id", "track_conversion"]

if TYPE_CHECKING:
    from django.http import HttpRequest


def get_visitor_id(request: HttpRequest) -> str | None:
    """The visitor id the middleware gave this request, or None without the middleware."""
    return getattr(request, "convert_visitor_id", None)


def track_conversion(*args: Any, **kwargs: Any) -> Any:
    """Record a conversion in the outbox (see ``django_convert.conversions.api``)."""
    from django_convert.conversions.api import track_conversion as _track

    return _track(*args, **kwargs)
