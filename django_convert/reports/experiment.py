"""The experiment report: one experience, one goal, one date range, from the app's own rows.

Read-only: :func:`build_report` runs two aggregate queries (see
:mod:`django_convert.reports.queries`) and a few small lookups of the synced project config,
then computes the statistics in :mod:`django_convert.reports.stats`. Convert's own report
stays the reference; docs/report.rst says why the two can differ.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from django_convert.models.project import Experience, Goal, Variation
from django_convert.reports import compare, figures, power, queries, stats
from django_convert.reports.capping import CappedSample
from django_convert.reports.notes import queries_notes
from django_convert.reports.settings import report_setting
from django_convert.reports.srm import (
    INSTALL_HINT,
    SampleRatio,
    configured_shares,
    id_order,
    sample_ratio,
)
from django_convert.reports.stats import Comparison, Interval


@dataclass(frozen=True)
class VariationResult:
    """One variation's figures. Money is in the site's currency, as ``amount`` was sent."""

    variation_id: str
    name: str
    #: The synced ``traffic_allocation``, a percentage; None when the config gives none.
    traffic_allocation: Decimal | None
    #: The percent of the experience's visitors it should receive (an equal share of the
    #: rest when the config gives no allocation); None when not in the synced config.
    traffic_share: Decimal | None
    is_baseline: bool
    visitors: int
    converting_visitors: int
    conversions: int
    revenue: Decimal
    #: converting_visitors / visitors, and its Wilson interval (None without scipy).
    rate: float | None
    rate_interval: Interval | None
    revenue_per_visitor: Decimal | None
    #: revenue / conversions that carried an amount.
    average_order_value: Decimal | None
    #: Against the baseline; None on the baseline's own row. The revenue comparison is on
    #: capped revenue (``capped_revenue_per_visitor``); both carry Holm-adjusted p-values.
    rate_comparison: Comparison | None = None
    revenue_comparison: Comparison | None = None
    #: Revenue per visitor after capping each visitor's revenue at the report's
    #: ``revenue_cap``; equal to ``revenue_per_visitor`` when nothing was capped.
    capped_revenue_per_visitor: float | None = None
    #: Visitors of this variation whose revenue was above the cap.
    capped_visitors: int = 0


@dataclass(frozen=True)
class ExperimentReport:
    experience_id: str
    experience_name: str
    goal_id: str
    goal_name: str
    start: datetime
    end: datetime
    variations: list[VariationResult]
    sample_ratio: SampleRatio
    #: False when scipy is missing: counts and rates only, see ``notes``.
    significance: bool
    confidence: float = stats.CONFIDENCE
    notes: list[str] = field(default_factory=list)
    #: The correction applied across every p-value of the page, by name.
    correction: str = "Holm"
    #: How many p-values the correction covered (the page's comparisons).
    compared_p_values: int = 0
    #: Per-visitor revenue above this value counts as this value (None: nothing capped).
    revenue_cap: float | None = None
    #: How far the experiment is from a decision (None without scipy or a baseline rate).
    plan: power.Plan | None = None
    #: The relative effect the plan is sized for (the MINIMUM_DETECTABLE_EFFECT setting).
    minimum_detectable_effect: float = power.DEFAULT_MDE

    @property
    def visitors(self) -> int:
        return sum(v.visitors for v in self.variations)

    @property
    def conversions(self) -> int:
        """Conversions of the goal attributed to any variation in the range."""
        return sum(v.conversions for v in self.variations)

    @property
    def has_revenue(self) -> bool:
        return any(v.revenue for v in self.variations)


def default_baseline(variation_ids: list[str]) -> str | None:
    """The baseline when none is chosen: the lowest id (the first variation created).

    The synced config keeps no order of variations; Convert creates an experience with its
    original variation, so the original has the lowest id.
    """
    return min(variation_ids, key=id_order) if variation_ids else None


def _ratio(numerator: Decimal, denominator: int) -> Decimal | None:
    return numerator / denominator if denominator else None


def build_report(
    experience_id: str,
    goal_id: str,
    start: datetime,
    end: datetime,
    *,
    baseline_id: str | None = None,
    using: str = "default",
) -> ExperimentReport:
    """The report for visitors bucketed and conversions recorded in ``[start, end)``.

    ``start``/``end`` are aware datetimes. ``baseline_id`` defaults to
    :func:`default_baseline`. Raises ValueError when ``end`` is not after ``start``.
    """
    if end <= start:
        raise ValueError("the end of the range must be after its start")
    setup = load_setup(experience_id, goal_id, using=using)
    exposed = queries.exposed(experience_id, start, end, using=using)
    conversions = queries.conversions(
        experience_id,
        goal_id,
        start,
        end,
        cap_percentile=report_setting("REVENUE_CAP_PERCENTILE"),
        absolute_cap=_decimal_or_none(report_setting("REVENUE_CAP")),
        using=using,
    )
    return assemble(setup, start, end, exposed, conversions, baseline_id=baseline_id)


@dataclass(frozen=True)
class Setup:
    """What the synced configuration says about the experience and the goal (3 queries)."""

    experience_id: str
    goal_id: str
    experience: Experience | None
    configured: dict[str, Variation]
    goal: Any  # a Goal annotated with ``attached``, or None


def load_setup(experience_id: str, goal_id: str, *, using: str = "default") -> Setup:
    """The experience, its variations and the goal (annotated ``attached``) as synced."""
    experience = Experience.objects.using(using).filter(pk=experience_id).first()
    configured = {
        v.id: v
        for v in Variation.objects.using(using).filter(experience_id=experience_id).order_by()
    }
    # The goal with, in the same query, whether the experience tracks it in Convert.
    attached = Experience.goals.through.objects.filter(
        goal_id=OuterRef("pk"), experience_id=experience_id
    )
    goal = Goal.objects.using(using).filter(pk=goal_id).annotate(attached=Exists(attached)).first()
    return Setup(experience_id, goal_id, experience, configured, goal)


def _decimal_or_none(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def assemble(
    setup: Setup,
    start: datetime,
    end: datetime,
    exposed: queries.Exposed,
    conversions: queries.ConversionTotals,
    *,
    baseline_id: str | None = None,
    adjust: bool = True,
) -> ExperimentReport:
    """The report from the counts the queries returned (no query of its own).

    ``adjust=False`` leaves the Holm adjustment to the caller, which adjusts over a wider
    family (the segment breakdown: every p-value of every segment shown).
    """
    experience_id, goal_id = setup.experience_id, setup.goal_id
    experience, configured, goal = setup.experience, setup.configured, setup.goal
    visitors = exposed.visitors
    ids = sorted(set(configured) | set(visitors) | set(conversions.by_variation), key=id_order)
    if baseline_id not in ids:
        baseline_id = default_baseline(list(configured) or ids)
    ids.sort(key=lambda vid: vid != baseline_id)  # baseline first, stable otherwise

    shares = configured_shares(configured)
    rows = [
        _variation_row(vid, configured.get(vid), shares.get(vid), visitors, conversions)
        for vid in ids
    ]
    baseline = next((row for row in rows if row.variation_id == baseline_id), None)
    cap = conversions.revenue_cap
    results = [_finish(row, baseline, cap) for row in rows]
    srm = sample_ratio(experience, configured, visitors)
    if srm.mismatch and srm.p_value is not None:
        results = figures.withhold(results, figures.sample_ratio_note(srm.p_value))
    if adjust:
        results = figures.adjust_page(results)[0]
    mde = float(report_setting("MINIMUM_DETECTABLE_EFFECT"))
    days = max(0.0, (min(end, timezone.now()) - start).total_seconds() / 86400)

    notes = _notes(experience, conversions, results)
    notes += queries_notes(exposed, conversions)
    for row in rows:
        if not row.consistent:
            notes.append(
                _(
                    "%(name)s: %(converting)d converting visitor(s) but only %(visitors)d "
                    "bucketed visitor(s) in this range. Their bucketing was deleted (for "
                    "example by convert_purge) while their conversions were kept; this "
                    "variation's rate and comparisons are left out."
                )
                % {
                    "name": row.name,
                    "converting": row.counts.converting_visitors,
                    "visitors": row.visitors,
                }
            )
    if experience is not None and not (goal is not None and goal.attached):
        notes.append(
            _(
                "Goal %(goal)s is not one of this experience's goals in the synced "
                "configuration: Convert's report for the experience will not show it."
            )
            % {"goal": goal_id}
        )
    if results and not any(v.conversions for v in results) and not conversions.left_out_visitors:
        notes.append(
            _(
                "No conversion of goal %(goal)s was recorded in this range by a visitor "
                "bucketed into this experience. Check the goal id of your conversion rules."
            )
            % {"goal": goal_id}
        )
    return ExperimentReport(
        experience_id=experience_id,
        experience_name=experience.name if experience and experience.name else experience_id,
        goal_id=goal_id,
        goal_name=goal.name if goal and goal.name else goal_id,
        start=start,
        end=end,
        variations=results,
        sample_ratio=srm,
        significance=stats.have_scipy(),
        notes=notes,
        compared_p_values=figures.family_size(results),
        revenue_cap=conversions.revenue_cap,
        plan=figures.plan(results, days, mde),
        minimum_detectable_effect=mde,
    )


@dataclass(frozen=True)
class _Row:
    variation_id: str
    name: str
    traffic_allocation: Decimal | None
    traffic_share: Decimal | None
    visitors: int
    counts: queries.VariationConversions

    @property
    def consistent(self) -> bool:
        """Every converting visitor is among the bucketed ones (the rate is a proportion)."""
        return self.counts.converting_visitors <= self.visitors

    @property
    def revenue_sample(self) -> CappedSample:
        """Per-visitor revenue, capped when the query capped it (see :mod:`.capping`)."""
        counts = self.counts
        if counts.capped_revenue is None or counts.capped_revenue_squares is None:
            return CappedSample(self.visitors, float(counts.revenue), float(counts.revenue_squares))
        return CappedSample(
            self.visitors,
            float(counts.capped_revenue),
            float(counts.capped_revenue_squares),
            capped=counts.capped_visitors,
        )


_NO_CONVERSIONS = queries.VariationConversions(0, 0, 0, Decimal(0), Decimal(0))


def _variation_row(
    variation_id: str,
    configured: Variation | None,
    share: Decimal | None,
    visitors: dict[str, int],
    conversions: queries.ConversionTotals,
) -> _Row:
    return _Row(
        variation_id=variation_id,
        name=configured.name if configured and configured.name else variation_id,
        traffic_allocation=configured.traffic_allocation if configured else None,
        traffic_share=share,
        visitors=visitors.get(variation_id, 0),
        counts=conversions.by_variation.get(variation_id, _NO_CONVERSIONS),
    )


def _finish(row: _Row, baseline: _Row | None, cap: float | None) -> VariationResult:
    counts = row.counts
    is_baseline = baseline is row
    rate_comparison = revenue_comparison = None
    consistent = row.consistent
    if baseline is not None and not is_baseline and consistent and baseline.consistent:
        rate_comparison = compare.compare_rates(
            baseline.counts.converting_visitors,
            baseline.visitors,
            counts.converting_visitors,
            row.visitors,
        )
        revenue_comparison = compare.compare_means(
            baseline.revenue_sample,
            row.revenue_sample,
            baseline_conversions=baseline.counts.converting_visitors,
            conversions=counts.converting_visitors,
        )
        capped, baseline_capped = row.revenue_sample.capped, baseline.revenue_sample.capped
        if cap is not None and (capped or baseline_capped):
            note = figures.capping_note(cap, capped, baseline_capped)
            revenue_comparison = replace(
                revenue_comparison, notes=(*revenue_comparison.notes, note)
            )
    return VariationResult(
        variation_id=row.variation_id,
        name=row.name,
        traffic_allocation=row.traffic_allocation,
        traffic_share=row.traffic_share,
        is_baseline=is_baseline,
        visitors=row.visitors,
        converting_visitors=counts.converting_visitors,
        conversions=counts.conversions,
        revenue=counts.revenue,
        rate=counts.converting_visitors / row.visitors if row.visitors and consistent else None,
        rate_interval=(
            stats.rate_interval(counts.converting_visitors, row.visitors) if consistent else None
        ),
        revenue_per_visitor=_ratio(counts.revenue, row.visitors),
        average_order_value=_ratio(counts.revenue, counts.conversions_with_amount),
        rate_comparison=rate_comparison,
        revenue_comparison=revenue_comparison,
        capped_revenue_per_visitor=(
            row.revenue_sample.mean if row.visitors and consistent else None
        ),
        capped_visitors=row.revenue_sample.capped,
    )


def _notes(
    experience: Experience | None,
    conversions: queries.ConversionTotals,
    results: list[VariationResult],
) -> list[str]:
    notes = []
    if not stats.have_scipy():
        notes.append(
            _(
                "Counts and rates only: intervals, p-values and the sample-ratio check need "
                "scipy. Install it with: %(hint)s"
            )
            % {"hint": INSTALL_HINT}
        )
    if experience is None:
        notes.append(
            _(
                "This experience is not in the synced project configuration: names, the "
                "baseline and the traffic split are unknown. Run manage.py convert_sync."
            )
        )
    if conversions.left_out_visitors:
        notes.append(
            _(
                "%(conversions)d conversion(s) by %(visitors)d visitor(s) bucketed before "
                "the start date are left out: those visitors are not counted either."
            )
            % {
                "conversions": conversions.left_out_conversions,
                "visitors": conversions.left_out_visitors,
            }
        )
    notes.extend(figures.page_notes(results, conversions.revenue_cap))
    return notes
