"""Recording conversions: rules (declarative and code), the visitor snapshot, track_conversion.

Public: :func:`track_conversion` (also ``django_convert.track_conversion``),
:class:`ConversionRule`, :func:`register_rule`, :func:`unregister_rule`,
:func:`record_conversions` and :class:`RecordingQuerySet` (bulk writes), and
``conversions.sweep.sweep`` (what ``convert_sweep`` runs). Importing this package does
not import models.
"""

from __future__ import annotations

from django_convert.conversions.bulk import RecordingQuerySet, record_conversions
from django_convert.conversions.registry import register_rule, unregister_rule
from django_convert.conversions.rules import ConversionRule

__all__ = [
    "ConversionRule",
    "RecordingQuerySet",
    "record_conversions",
    "register_rule",
    "track_conversion",
    "unregister_rule",
]


def __getattr__(name: str) -> object:
    # track_conversion lives with the models it writes; import it only when asked for.
    if name == "track_conversion":
        from django_convert.conversions.api import track_conversion

        return track_conversion
    raise AttributeError(name)
