"""The report's notes about who was counted: the first-exposure basis made visible.

Silence is a bug: when the counting basis leaves something out or decides something for the
owner (a visitor seen in two variations counts in the first), the page says so and how many.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from django_convert.reports.formats import number
from django_convert.reports.queries import ConversionTotals, Exposed


def queries_notes(exposed: Exposed, conversions: ConversionTotals) -> list[str]:
    """Notes on visitors seen in several variations and unattributable conversions."""
    notes = []
    if exposed.several_total:
        total = exposed.several_total
        notes.append(
            ngettext(
                "%(count)s visitor was seen in more than one variation (Convert re-bucketed "
                "them, or a login merged a guest into an account bucketed elsewhere). They "
                "count once, with all their conversions, in the variation they saw first.",
                "%(count)s visitors were seen in more than one variation (Convert re-bucketed "
                "them, or a login merged a guest into an account bucketed elsewhere). They "
                "count once, with all their conversions, in the variation they saw first.",
                total,
            )
            % {"count": number(total)}
        )
    if conversions.unattributed_conversions:
        notes.append(
            _(
                "%(count)s conversion(s) name this experience in their snapshot, but their "
                "visitor has no exposure history any more (deleted by convert_purge, or "
                "erased): they are not counted."
            )
            % {"count": number(conversions.unattributed_conversions)}
        )
    return notes
