"""Storage: what the periodic sweep remembers between runs.

``SkippedConversion``: a row of a rule's model that matches ``when`` but can never record
(no visitor: no consent, JavaScript off, a user who never visited with the tags). The
sweep notes it once, logs it once, and its anti-join leaves it out from then on.

``PeriodicRun``: when a site-wide periodic job last started. Every process asks the
database, not its own memory, so a job runs once per interval for the whole site however
many processes there are and however often they are recycled.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from django_convert.models.project import CONVERT_ID_MAX_LENGTH


class SkippedConversion(models.Model):
    """A conversion the sweep found but could not record, noted once per (goal, transaction)."""

    goal_id = models.CharField(max_length=CONVERT_ID_MAX_LENGTH)
    transaction_id = models.CharField(max_length=255)
    origin = models.CharField(max_length=255, blank=True, help_text=_("The rule."))
    instance = models.CharField(
        max_length=255, blank=True, help_text=_("The model instance (label and primary key).")
    )
    reason = models.TextField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("skipped conversion")
        verbose_name_plural = _("skipped conversions")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["goal_id", "transaction_id"], name="django_convert_one_skip"
            )
        ]

    def __str__(self) -> str:
        return f"goal {self.goal_id} / {self.transaction_id}: {self.reason}"


def _empty_result() -> dict[str, Any]:
    return {}


class PeriodicRun(models.Model):
    """The last run of one site-wide periodic job (one row per job name)."""

    name = models.CharField(max_length=64, primary_key=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(default=_empty_result, blank=True)

    class Meta:
        verbose_name = _("periodic run")
        verbose_name_plural = _("periodic runs")

    def __str__(self) -> str:
        return f"{self.name} at {self.started_at:%Y-%m-%d %H:%M:%S}"
