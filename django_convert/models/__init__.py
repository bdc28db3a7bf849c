"""Storage: visitors and their bucketing, the conversion outbox, and the project's config.

One package, one module per concern: :mod:`.visitors` (Visitor, Bucketing, DroppedPost),
:mod:`.history` (Exposure, MergedId), :mod:`.forwarding` (ForwardedEvent),
:mod:`.outbox` (Conversion, DeliveryTally), :mod:`.project` (Experience, Variation, Goal,
ConfigSync), :mod:`.sweep`
(SkippedConversion, PeriodicRun), :mod:`.reports` (ExperimentReport, the reports' entry in
the admin index).
Everything is importable from ``django_convert.models`` as before.
"""

from django_convert.models.forwarding import ForwardedEvent
from django_convert.models.history import Exposure, MergedId
from django_convert.models.outbox import (
    Conversion,
    ConversionQuerySet,
    DeliveryTally,
    _empty_dict,
)
from django_convert.models.project import (
    CONVERT_ID_MAX_LENGTH,
    ConfigSync,
    Experience,
    Goal,
    Variation,
)
from django_convert.models.reports import ExperimentReport
from django_convert.models.sweep import PeriodicRun, SkippedConversion
from django_convert.models.visitors import (
    SEGMENT_FIELDS,
    VISITOR_ID_MAX_LENGTH,
    Bucketing,
    DroppedPost,
    Visitor,
    _empty_list,
)

# Migration 0001 names the JSON fields' defaults as django_convert.models._empty_*.
__all__ = [
    "CONVERT_ID_MAX_LENGTH",
    "SEGMENT_FIELDS",
    "VISITOR_ID_MAX_LENGTH",
    "Bucketing",
    "ConfigSync",
    "Conversion",
    "ConversionQuerySet",
    "DeliveryTally",
    "DroppedPost",
    "Experience",
    "ExperimentReport",
    "Exposure",
    "ForwardedEvent",
    "Goal",
    "MergedId",
    "PeriodicRun",
    "SkippedConversion",
    "Variation",
    "Visitor",
    "_empty_dict",
    "_empty_list",
]
