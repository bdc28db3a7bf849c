"""Storage: the Convert project's configuration (experiences, variations, goals) as last synced.

The rows are a local copy of what Convert serves at ``/api/v1/config/...`` (the
``ConfigResponseData`` type of Convert's ``@convertcom/js-sdk`` 4.4.3 and of
``convert-python-sdk`` 2.1.0's ``_generated/serving_config``). They are written only by
:mod:`django_convert.project.sync`, read by the admin, the checks and the reports, and never
fetched on the request path. Bucketing and Conversion keep plain ids (no foreign keys): the
browser may report an experience the last sync has not seen yet, and ingest stores it.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

#: Convert's ids are digit strings; 32 characters leaves room for the longest seen.
CONVERT_ID_MAX_LENGTH = 32


class Goal(models.Model):
    """A goal of the project (``ConfigGoal``: id, key, name, type)."""

    id = models.CharField(_("goal id"), primary_key=True, max_length=CONVERT_ID_MAX_LENGTH)
    key = models.CharField(max_length=255, blank=True)
    name = models.CharField(max_length=255, blank=True)
    # Convert's GoalTypes: revenue, code_trigger, advanced, visits_page, dom_interaction, ...
    type = models.CharField(max_length=32, blank=True)
    # False once a later sync no longer lists it; kept so old conversions keep their name.
    in_config = models.BooleanField(_("in the synced config"), default=True)
    synced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.id})" if self.name else self.id


class Experience(models.Model):
    """An experience of the project (``ConfigExperience``) with the goals it tracks."""

    class Status(models.TextChoices):
        # Convert's ExperienceStatuses, plus "archived" for ids in ``archived_experiences``.
        DRAFT = "draft", _("draft")
        ACTIVE = "active", _("active")
        PAUSED = "paused", _("paused")
        COMPLETED = "completed", _("completed")
        SCHEDULED = "scheduled", _("scheduled")
        ARCHIVED = "archived", _("archived")

    id = models.CharField(_("experience id"), primary_key=True, max_length=CONVERT_ID_MAX_LENGTH)
    key = models.CharField(max_length=255, blank=True)
    name = models.CharField(max_length=255, blank=True)
    # A plain CharField, not choices-validated: a status Convert adds later is still stored.
    status = models.CharField(max_length=16, blank=True, db_index=True)
    # Convert's ExperienceTypes: "a/b", "a/a", "mvt", "split_url", "multipage", "deploy", ...
    type = models.CharField(max_length=32, blank=True)
    # ``environment`` (e.g. "production", "staging", "live"), or the deprecated
    # ``environments`` list joined by ", "; blank: every environment.
    environment = models.CharField(max_length=64, blank=True)
    goals = models.ManyToManyField(Goal, related_name="experiences", blank=True)
    in_config = models.BooleanField(_("in the synced config"), default=True)
    synced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("experience")
        verbose_name_plural = _("experiences")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.id})" if self.name else self.id

    @property
    def is_active(self) -> bool:
        return self.in_config and self.status == self.Status.ACTIVE


class Variation(models.Model):
    """A variation of an experience (``ExperienceVariationConfig``)."""

    class Status(models.TextChoices):
        # Convert's VariationStatuses.
        RUNNING = "running", _("running")
        STOPPED = "stopped", _("stopped")

    id = models.CharField(_("variation id"), primary_key=True, max_length=CONVERT_ID_MAX_LENGTH)
    experience = models.ForeignKey(Experience, on_delete=models.CASCADE, related_name="variations")
    key = models.CharField(max_length=255, blank=True)
    name = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=16, blank=True)
    # A percentage, as every Convert config sends it (50.0 is 50 %), not the 0-10000 that
    # one comment in Convert's generated types claims; NULL when the config gives none.
    # What a missing one means for the split: django_convert.client.traffic_shares.
    traffic_allocation = models.DecimalField(
        _("traffic allocation (%)"), max_digits=7, decimal_places=4, null=True, blank=True
    )
    in_config = models.BooleanField(_("in the synced config"), default=True)
    synced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # Not the default "django_convert_variation": Bucketing's index has that name, and
        # tables and indexes share one namespace on SQLite and PostgreSQL.
        db_table = "django_convert_experience_variation"
        verbose_name = _("variation")
        verbose_name_plural = _("variations")
        ordering = ["experience_id", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.id})" if self.name else self.id


class ConfigSync(models.Model):
    """One attempt to fetch and store the project's config: when, what came back, what failed.

    A failed attempt writes only this row; the last good copy stays in place. A good one
    may still have skipped items it could not use: ``warnings`` lists them.
    """

    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    ok = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    # What asked for it: "command", "admin", "interval", a test...
    trigger = models.CharField(max_length=32, blank=True)
    url = models.CharField(max_length=500, blank=True)
    experiences = models.PositiveIntegerField(default=0)
    variations = models.PositiveIntegerField(default=0)
    goals = models.PositiveIntegerField(default=0)
    # The ENVIRONMENT asked for (blank: all), and the experiences of other environments
    # left out of the stored copy: {environment: count}.
    environment = models.CharField(max_length=64, blank=True)
    other_environments = models.JSONField(
        _("experiences of other environments"), default=dict, blank=True
    )
    # Items of the config that could not be used and were skipped, one sentence each.
    warnings = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("config sync")
        verbose_name_plural = _("config syncs")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        outcome = "ok" if self.ok else ("failed" if self.finished_at else "running")
        return f"{self.started_at:%Y-%m-%d %H:%M:%S} {outcome}"
