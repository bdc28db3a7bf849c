"""How far an experiment is from a decision: planned sample, visitors still needed, days left.

The plan is for the report's own always-valid test (:mod:`.sequential`): the visitors per
variation at which a difference of the minimum detectable effect is found with
:data:`DEFAULT_POWER`, using statsmodels' ``NormalIndPower`` on Cohen's h
(``proportion_effectsize``) at the level :func:`.sequential.alpha_at` gives for that many
visitors. That level shrinks as the sample grows, so the size is the root of
``power(n, alpha_at(2n)) = target`` (``scipy.optimize.brentq``). It is larger than a
fixed-horizon plan (which assumes a single look at the end); :func:`fixed_horizon_sample` gives
that one for comparison with Convert's sample size calculator.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django_convert.reports import sequential

#: The default of ``DJANGO_CONVERT["REPORT"]["MINIMUM_DETECTABLE_EFFECT"]``: a relative change
#: of 10 % in the conversion rate (Convert's and Optimizely's calculators suggest 5-20 %).
DEFAULT_MDE = 0.10
#: The chance of finding an effect of the minimum size: the usual 80 %.
DEFAULT_POWER = 0.8


@dataclass(frozen=True)
class Plan:
    """``planned_per_variation`` visitors each arm needs; ``visitors_needed`` still missing in
    total (0 when reached); ``days_needed`` at the current daily rate (None when unknown:
    no days running or no visitors yet)."""

    planned_per_variation: int
    visitors_needed: int
    days_needed: float | None


def _effect_size(baseline_rate: float, mde: float) -> float:
    from statsmodels.stats.proportion import proportion_effectsize

    if not 0 < baseline_rate < 1:
        raise ValueError("the baseline rate must be in (0, 1)")
    if mde <= 0 or baseline_rate * (1 + mde) >= 1:
        raise ValueError("the minimum detectable effect must be > 0 and keep the rate below 1")
    return abs(float(proportion_effectsize(baseline_rate * (1 + mde), baseline_rate)))


def fixed_horizon_sample(
    baseline_rate: float, mde: float = DEFAULT_MDE, power: float = DEFAULT_POWER
) -> int:
    """Visitors per variation for one look at the end (two-sided 5 %), rounded up.

    Raises ValueError for a baseline rate outside (0, 1) or an effect that is not positive.
    """
    from statsmodels.stats.power import NormalIndPower

    n = NormalIndPower().solve_power(
        effect_size=_effect_size(baseline_rate, mde), alpha=sequential.ALPHA, power=power
    )
    return math.ceil(float(n))


def sequential_sample(
    baseline_rate: float, mde: float = DEFAULT_MDE, power: float = DEFAULT_POWER
) -> int:
    """Visitors per variation for the report's always-valid decision, rounded up.

    Two arms of equal size (``2n`` visitors enter :func:`.sequential.alpha_at`). Raises
    ValueError as :func:`fixed_horizon_sample`.
    """
    from scipy.optimize import brentq
    from statsmodels.stats.power import NormalIndPower

    effect = _effect_size(baseline_rate, mde)
    analysis = NormalIndPower()

    def shortfall(n: float) -> float:
        level = sequential.alpha_at(max(1, round(2 * n)))
        return float(analysis.power(effect_size=effect, nobs1=n, alpha=level)) - power

    low = float(fixed_horizon_sample(baseline_rate, mde, power))
    high = low * 2
    while shortfall(high) < 0:
        high *= 2
    return math.ceil(float(brentq(shortfall, low, high, xtol=0.5)))


def plan(
    baseline_rate: float,
    visitors: Sequence[int],
    days_running: float,
    *,
    mde: float = DEFAULT_MDE,
    power: float = DEFAULT_POWER,
) -> Plan:
    """The plan for arms that have ``visitors`` so far, after ``days_running`` days.

    Each arm needs :func:`sequential_sample`; the days are those of the slowest arm at its own
    daily rate. Raises ValueError as :func:`fixed_horizon_sample`, or for negative days.
    """
    if days_running < 0:
        raise ValueError("days_running must be >= 0")
    planned = sequential_sample(baseline_rate, mde, power)
    needed = sum(max(0, planned - n) for n in visitors)
    days: float | None = None
    if needed == 0:
        days = 0.0
    elif days_running > 0 and all(n > 0 for n in visitors):
        days = max(max(0, planned - n) / (n / days_running) for n in visitors)
    return Plan(planned, needed, days)
