"""The score test of a ratio of two rates, and the interval that inverts it.

The Miettinen-Nurminen score statistic for ``p1 / p0 = r`` ("Comparative analysis of two
rates", Statistics in Medicine 4(2), 1985), with the restricted maximum-likelihood rates in
Farrington and Manning's closed form (Statistics in Medicine 9(12), 1990) and the
``n / (n - 1)`` variance correction, exactly as statsmodels'
``score_test_proportions_2indep(compare="ratio")`` computes it:

    z(r) = (p̂1 - r p̂0) / √((p̃1 (1 - p̃1) / n1 + r² p̃0 (1 - p̃0) / n0) · n / (n - 1)).

The interval is every ``r`` with ``|z(r)| <= critical``, found by ``scipy.optimize.brentq``
on each side of the estimate, so it agrees with the test by construction. statsmodels'
``confint_proportions_2indep(compare="ratio", method="score")`` solves the same equation
with a polynomial root finder that fails at the small levels an always-valid interval uses
in small samples (2/2 against 0/1 gives a lower bound of -33 % for an observed -100 %, and
1/1 against 0/1 raises LinAlgError): the tests hold this module against it where it works.
"""

from __future__ import annotations

import math

#: Ratios are searched in [1e-12, 1e12]: beyond, the interval is reported as unbounded.
_SMALLEST, _LARGEST = 1e-12, 1e12


def score_z(x1: int, n1: int, x0: int, n0: int, ratio: float = 1.0) -> float:
    """The score statistic of ``(x1 / n1) / (x0 / n0) = ratio``; positive when the first
    rate is above ``ratio`` times the second. ±inf when the restricted variance is 0 and the
    observed difference is not; 0 when both are. Needs n1, n0 >= 1 and n1 + n0 >= 2."""
    n = n1 + n0
    p1, p0 = x1 / n1, x0 / n0
    if ratio == 1:
        prop0 = prop1 = (x1 + x0) / n
    else:
        a = n * ratio
        b = -(n1 * ratio + x1 + n0 + x0 * ratio)
        c = x1 + x0
        prop0 = (-b - math.sqrt(max(0.0, b * b - 4 * a * c))) / (2 * a)
        prop1 = prop0 * ratio
    variance = (prop1 * (1 - prop1) / n1 + ratio**2 * prop0 * (1 - prop0) / n0) * n / (n - 1)
    difference = p1 - ratio * p0
    if variance <= 0:
        return 0.0 if difference == 0 else math.copysign(math.inf, difference)
    return difference / math.sqrt(variance)


def score_interval(
    x1: int, n1: int, x0: int, n0: int, critical: float
) -> tuple[float, float | None]:
    """The ratios ``r`` of the first rate to the second with ``|score_z(r)| <= critical``.

    Returns ``(low, high)``; ``low`` is 0 when ``x1`` is 0, ``high`` is None when no usable
    bound exists (too little data). Raises ValueError when ``x0`` is 0 (no ratio to bound).
    """
    from scipy.optimize import brentq

    if x0 == 0:
        raise ValueError("the second rate is 0: the ratio is not bounded")
    estimate = (x1 / n1) / (x0 / n0)

    def above_low(log_r: float) -> float:
        return score_z(x1, n1, x0, n0, math.exp(log_r)) - critical

    def below_high(log_r: float) -> float:
        return score_z(x1, n1, x0, n0, math.exp(log_r)) + critical

    low = 0.0
    if x1 > 0:
        floor = math.log(_SMALLEST)
        if above_low(floor) > 0:
            low = math.exp(brentq(above_low, floor, math.log(estimate), xtol=1e-12))
    start = math.log(max(estimate, _SMALLEST))
    ceiling = math.log(_LARGEST)
    # No sign change: either no finite bound, or (a rate of 0 in a tiny sample) the
    # statistic is discontinuous at 0 and rejects every ratio: no usable interval.
    if below_high(ceiling) > 0 or below_high(start) <= 0:
        return low, None
    return low, math.exp(brentq(below_high, start, ceiling, xtol=1e-12))
