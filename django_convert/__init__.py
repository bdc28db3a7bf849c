"""django-convert: connect a Django site to Convert.com.

Importing this package stays light: the public helpers import models lazily, so
``import django_convert`` works before Django's app registry is ready.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["__version__", "forget_user", "get_visitor_id", "track_conversion"]

if TYPE_CHECKING:
    from django.http import HttpRequest

    # Type checkers see the real signature; at run time the wrapper below imports it lazily.
    from django_convert.conversions.api import track_conversion
    from django_convert.identity.erasure import forget_user


def get_visitor_id(request: HttpRequest) -> str | None:
    """Return the visitor id ``ConvertVisitorMiddleware`` gave ``request``.

    The same id is pushed to Convert's script with ``identify`` (BYOID: section 1 of
    Convert's custom-integrations guide) and used for the visitor's backend conversions.

    :param request: a Django ``HttpRequest`` that went through the middleware.
    :returns: ``request.convert_visitor_id``: an opaque string of at most 128 characters
        (letters, digits and ``_ . : -``; 32 hex characters for an id the page's snippet
        created), or ``None``: when ``ENABLED`` is False, before cookie consent
        (``CONSENT["REQUIRED"]``), for a browser that has no id yet (its first page,
        before the snippet created one; crawlers), and when the middleware did not run
        (``manage.py check`` reports that as ``django_convert.E004``). Record nothing
        for ``None``. Never raises.
    """
    return getattr(request, "convert_visitor_id", None)


if not TYPE_CHECKING:

    def track_conversion(*args: Any, **kwargs: Any) -> Any:
        """Record a conversion in the outbox and return its row.

        The same function as :func:`django_convert.conversions.api.track_conversion`
        (which documents the arguments, return value and errors), imported on first call
        so that importing ``django_convert`` stays light.
        """
        from django_convert.conversions.api import track_conversion as _track

        return _track(*args, **kwargs)

    def forget_user(*args: Any, **kwargs: Any) -> Any:
        """Delete a user's Convert data, the visitor ids merged into their account included.

        The same function as :func:`django_convert.identity.erasure.forget_user` (which
        documents the arguments, return value and errors), imported on first call.
        """
        from django_convert.identity.erasure import forget_user as _forget

        return _forget(*args, **kwargs)
