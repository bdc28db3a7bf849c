"""The admin: tracking data (visitors, bucketing), the conversion outbox, the synced
project config, the experiment reports and Diagnose.

Django's admin autodiscovery imports this package; importing each module registers its
model admins. The classes are importable from here for subclassing.
"""

from django_convert.admin.conversions import ConversionAdmin
from django_convert.admin.forwarding import ForwardedEventAdmin
from django_convert.admin.project import ConfigSyncAdmin, ExperienceAdmin, GoalAdmin
from django_convert.admin.report_index import ExperimentReportAdmin
from django_convert.admin.sweep import SkippedConversionAdmin
from django_convert.admin.visitors import BucketingAdmin, VisitorAdmin

__all__ = [
    "BucketingAdmin",
    "ConfigSyncAdmin",
    "ConversionAdmin",
    "ExperienceAdmin",
    "ExperimentReportAdmin",
    "ForwardedEventAdmin",
    "GoalAdmin",
    "SkippedConversionAdmin",
    "VisitorAdmin",
]
