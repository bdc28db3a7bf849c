"""Delivery: claim due conversions, send them in batches, retry with backoff.

``deliver_due()`` is what every dispatcher and ``convert_deliver`` end up calling.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["DeliveryReport", "deliver_conversions", "deliver_due"]

if TYPE_CHECKING:
    from django_convert.delivery.deliver import DeliveryReport, deliver_conversions, deliver_due


def __getattr__(name: str) -> Any:
    # Lazy: importing the package (e.g. from apps.py) must not import models early.
    if name in __all__:
        from django_convert.delivery import deliver

        return getattr(deliver, name)
    raise AttributeError(name)
