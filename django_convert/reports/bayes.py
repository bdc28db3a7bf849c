"""Chance to beat the baseline and expected loss, as Convert's and GrowthBook's reports show.

Rates: each arm's conversion rate has the Beta(1 + conversions, 1 + visitors - conversions)
posterior of a uniform prior (GrowthBook's "chance to win" for binomial metrics,
https://docs.growthbook.io/statistics/details; Convert's Bayesian report uses
"uninformative priors" and a "chance to win" decision threshold of 95 % by default,
https://support.convert.com/hc/en-us/articles/205160375-Statistical-Methods-Used).
Revenue per visitor: each arm's mean is normal with its sample variance over ``n`` (the
central limit theorem on the capped per-visitor revenue; GrowthBook's Gaussian
approximation).

"Expected loss" is what choosing the variation costs on average when it is in fact worse:
``E[max(baseline - variation, 0)]``, divided by the baseline's mean so it reads as a share
of the baseline (0.002 is 0.2 % of its rate). Neither figure is protected against looking
early: the report decides with the always-valid p-value (:mod:`.sequential`), and shows
these beside it, as Convert does.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

from django_convert.reports.stats import Sample, scipy_stats

#: Gauss-Legendre nodes for the one-dimensional integrals, and the posterior mass left out
#: at each end of the integration range.
_NODES = 200
_TAIL = 1e-12


@dataclass(frozen=True)
class Chance:
    """``chance_to_beat_baseline`` in 0..1; ``expected_loss`` as a share of the baseline."""

    chance_to_beat_baseline: float
    expected_loss: float


@functools.cache
def _legendre() -> tuple[Any, Any]:
    """Gauss-Legendre nodes and weights on [-1, 1] (an eigenvalue problem: computed once)."""
    import numpy as np

    nodes, weights = np.polynomial.legendre.leggauss(_NODES)
    return nodes, weights


def _beta_greater(a1: float, b1: float, a2: float, b2: float) -> float:
    """P(X > Y) for independent X ~ Beta(a1, b1), Y ~ Beta(a2, b2).

    ``∫ f_X(x) F_Y(x) dx`` by Gauss-Legendre quadrature over the range holding all but 1e-12
    of X's mass (the integrand is smooth there, however peaked the posterior). Uses
    ``scipy.special`` (the regularized incomplete beta function and its inverse) directly:
    ``scipy.stats.beta`` computes the same at ten times the cost per call.
    """
    import numpy as np
    from scipy import special

    low, high = special.betaincinv(a1, b1, [_TAIL, 1 - _TAIL])
    nodes, weights = _legendre()
    half = (high - low) / 2
    x = low + half * (nodes + 1)
    with np.errstate(divide="ignore"):
        log_pdf = (a1 - 1) * np.log(x) + (b1 - 1) * np.log1p(-x) - special.betaln(a1, b1)
    value = half * np.sum(weights * np.exp(log_pdf) * special.betainc(a2, b2, x))
    return float(np.clip(value, 0.0, 1.0))


def beta_chance(
    baseline_conversions: int, baseline_visitors: int, conversions: int, visitors: int
) -> Chance | None:
    """Chance that the variation's rate beats the baseline's, and the expected loss.

    Beta(1 + c, 1 + n - c) posteriors. Expected loss by the size-biased identity
    ``E[(Y - X)⁺] = E[Y] P(Y' > X) - E[X] P(Y > X')`` (Y' ~ Beta(a_Y + 1, b_Y)), so both
    figures are one-dimensional integrals. None without scipy. Raises ValueError for
    conversions outside ``0..visitors``.
    """
    for c, n in ((baseline_conversions, baseline_visitors), (conversions, visitors)):
        if n < 0 or not 0 <= c <= n:
            raise ValueError(f"conversions {c} out of range for {n} visitors")
    if scipy_stats() is None:
        return None
    a_b, b_b = 1 + baseline_conversions, 1 + baseline_visitors - baseline_conversions
    a_v, b_v = 1 + conversions, 1 + visitors - conversions
    chance = _beta_greater(a_v, b_v, a_b, b_b)
    mean_b, mean_v = a_b / (a_b + b_b), a_v / (a_v + b_v)
    loss = mean_b * _beta_greater(a_b + 1, b_b, a_v, b_v) - mean_v * _beta_greater(
        a_b, b_b, a_v + 1, b_v
    )
    return Chance(chance, max(0.0, loss) / mean_b)


def normal_chance(baseline: Sample, variation: Sample) -> Chance | None:
    """The same for means (revenue per visitor): normal posteriors N(mean, variance / n).

    ``d = variation - baseline ~ N(μ, s²)``: chance ``Φ(μ / s)``, expected loss
    ``s φ(μ / s) - μ Φ(-μ / s)`` divided by the baseline's mean. None without scipy, with
    fewer than 2 visitors in an arm, a baseline mean of 0 or no variance at all.
    """
    stats = scipy_stats()
    if stats is None or baseline.n < 2 or variation.n < 2 or baseline.mean <= 0:
        return None
    mu = variation.mean - baseline.mean
    s = math.sqrt(baseline.variance / baseline.n + variation.variance / variation.n)
    if s == 0:
        return None
    chance = float(stats.norm.cdf(mu / s))
    loss = s * float(stats.norm.pdf(mu / s)) - mu * float(stats.norm.cdf(-mu / s))
    return Chance(chance, max(0.0, loss) / baseline.mean)
