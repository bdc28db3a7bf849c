"""Always-valid (sequential) inference: a p-value and intervals an owner may look at daily.

A fixed-horizon test (p < 0.05 at one planned look) is wrong about 1 time in 20 when there is
no effect; looked at every day and stopped at the first p < 0.05 it is wrong far more often
(21 % of A/A experiments over 14 daily looks, benchmarks/bench_report_sim.py). The report
uses the asymptotic confidence sequence of Howard, Ramdas, McAuliffe and Sekhon, "Time-uniform,
nonparametric, nonasymptotic confidence sequences", Annals of Statistics 49(2), 2021, eq. (14),
as GrowthBook does (https://docs.growthbook.io/statistics/sequential): with an estimate whose
standard error is ``se`` after ``n`` visitors, the 1 - alpha sequence is the estimate
± ``critical_z(n) * se`` where

    critical_z(n)² = 2 (n rho² + 1) / (n rho²) · log(√(n rho² + 1) / alpha),

and ``rho`` is tuned so the sequence is narrowest at ``n*`` visitors (:data:`TUNING_VISITORS`,
GrowthBook's default 5,000). The matching always-valid p-value is the smallest alpha whose
sequence excludes "no difference":

    p = min(1, √(n rho² + 1) · exp(-z² n rho² / (2 (n rho² + 1)))),

which is also the normal-mixture mSPRT p-value of Johari, Koomen, Pekelis and Walsh,
"Always valid inference", Operations Research 70(3), 2022 (Statsig's sequential testing,
https://docs.statsig.com/experiments-plus/sequential-testing), with mixing variance rho². Both
are pure functions of a z statistic and ``n``: the comparison functions give them the score
statistic (rates) or Welch's statistic (revenue), so the p-value and the interval built at
:func:`alpha_at` always agree.
"""

from __future__ import annotations

import math

#: The visitors (both arms together) at which the sequence is narrowest; GrowthBook's default
#: "sequential tuning parameter". Smaller favours early decisions, larger late ones.
TUNING_VISITORS = 5_000
#: The nominal level of every always-valid figure (two-sided).
ALPHA = 0.05


def rho(alpha: float = ALPHA, tuning_visitors: int = TUNING_VISITORS) -> float:
    """The mixing scale rho that makes the 1 - ``alpha`` sequence narrowest at ``tuning_visitors``.

    Howard et al. (2021), eq. (15), as GrowthBook's gbstats computes it:
    ``rho = √((-2 log alpha + log(-2 log alpha + 1)) / n*)``. Raises ValueError for alpha outside
    (0, 1) or a tuning size below 1.
    """
    if not 0 < alpha < 1 or tuning_visitors < 1:
        raise ValueError("alpha must be in (0, 1) and tuning_visitors at least 1")
    log_term = -2 * math.log(alpha)
    return math.sqrt((log_term + math.log(log_term + 1)) / tuning_visitors)


def critical_z(
    visitors: int, alpha: float = ALPHA, tuning_visitors: int = TUNING_VISITORS
) -> float:
    """The multiple of the standard error the 1 - ``alpha`` sequence spans after ``visitors``.

    Always above the fixed-horizon 1.96 (for alpha 0.05): 6.7 at 100 visitors, 3.4 at 1,000,
    3.04 at 5,000 (the narrowest), 3.3 at 100,000. Raises ValueError for fewer than 1 visitor.
    """
    if visitors < 1:
        raise ValueError("visitors must be at least 1")
    r2 = rho(ALPHA, tuning_visitors) ** 2
    v = visitors * r2
    return math.sqrt(2 * (v + 1) / v * math.log(math.sqrt(v + 1) / alpha))


def alpha_at(visitors: int, alpha: float = ALPHA, tuning_visitors: int = TUNING_VISITORS) -> float:
    """The two-sided fixed-horizon level whose normal quantile is :func:`critical_z`.

    ``2 · (1 - Φ(critical_z))``: pass it as ``alpha`` to a fixed-horizon interval routine (a
    score or Fieller interval) to get the always-valid interval at this look.
    """
    return math.erfc(critical_z(visitors, alpha, tuning_visitors) / math.sqrt(2))


def p_value(z: float, visitors: int, tuning_visitors: int = TUNING_VISITORS) -> float:
    """The always-valid two-sided p-value of a z statistic after ``visitors`` (both arms).

    ``p < alpha`` exactly when ``|z| > critical_z(visitors, alpha)`` for the rho tuned at
    :data:`ALPHA`. Raises ValueError for fewer than 1 visitor.
    """
    if visitors < 1:
        raise ValueError("visitors must be at least 1")
    if not math.isfinite(z):
        return 0.0
    v = visitors * rho(ALPHA, tuning_visitors) ** 2
    log_p = 0.5 * math.log(v + 1) - z * z * v / (2 * (v + 1))
    return min(1.0, math.exp(log_p))
