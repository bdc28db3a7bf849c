"""Storage: the experiment reports' entry in the admin index (a proxy, no table).

The Convert section of the admin index lists models; this proxy of :class:`Experience`
puts "Experiment reports" there. Its admin (``admin/report.py``) shows the reports index
instead of a changelist, to staff who may view both bucketing and conversions.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from django_convert.models.project import Experience


class ExperimentReport(Experience):
    class Meta:
        proxy = True
        verbose_name = _("experiment report")
        verbose_name_plural = _("experiment reports")
