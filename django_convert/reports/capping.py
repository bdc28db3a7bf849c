"""Revenue that one order cannot hijack: per-visitor revenue capped (winsorized).

One order of 100,000 among 60 orders of about 65 made revenue per visitor "+876 %". As
GrowthBook ("percentile capping", https://docs.growthbook.io/app/metrics) and Statsig
(winsorization, https://docs.statsig.com/stats-engine/methodologies/winsorization) do, each
visitor's revenue in the range is replaced by ``min(revenue, cap)`` before any mean, test or
interval, where ``cap`` is the :data:`DEFAULT_PERCENTILE` th percentile of the non-zero
per-visitor revenues of all variations together (one cap for every arm, or the cap itself
would differ between arms), optionally lowered to an absolute cap. The percentile is the
linear interpolation of PostgreSQL's ``percentile_cont`` and numpy's default method.

The queries compute the cap and the capped sums in SQL; :func:`cap_values` is the reference
implementation the tests hold them against.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django_convert.reports.stats import Sample

#: The default of ``DJANGO_CONVERT["REPORT"]["REVENUE_CAP_PERCENTILE"]``: the 99th
#: percentile of non-zero per-visitor revenue (GrowthBook's usual choice; Statsig uses 99.9).
DEFAULT_PERCENTILE = 99.0


@dataclass(frozen=True)
class CappedSample(Sample):
    """Per-visitor revenue of one arm after capping: ``n``, ``Σx``, ``Σx²`` of the capped
    values, with ``capped`` visitors whose revenue was above ``cap`` (None: no cap applied)."""

    capped: int = 0
    cap: float | None = None


def revenue_cap(
    nonzero_revenues: Sequence[float], percentile: float | None, absolute: float | None = None
) -> float | None:
    """The cap: the ``percentile`` of the non-zero per-visitor revenues, lowered to ``absolute``.

    None when neither applies (``percentile`` None and ``absolute`` None, or no revenue and no
    ``absolute``). Raises ValueError for a percentile outside (0, 100] or an absolute cap
    that is not positive.
    """
    if percentile is not None and not 0 < percentile <= 100:
        raise ValueError("the revenue cap percentile must be in (0, 100]")
    if absolute is not None and absolute <= 0:
        raise ValueError("the absolute revenue cap must be above 0")
    import numpy as np

    candidates = []
    values = [v for v in nonzero_revenues if v > 0]
    if percentile is not None and values:
        candidates.append(float(np.percentile(values, percentile)))
    if absolute is not None:
        candidates.append(float(absolute))
    return min(candidates) if candidates else None


def cap_values(values: Sequence[float], cap: float | None) -> CappedSample:
    """One arm's per-visitor revenues (0 for visitors without revenue) summarised after capping."""
    import numpy as np

    array = np.asarray(values, dtype=float)
    capped = 0
    if cap is not None:
        capped = int(np.count_nonzero(array > cap))
        array = np.minimum(array, cap)
    return CappedSample(
        n=len(array),
        total=float(array.sum()),
        total_squares=float(np.square(array).sum()),
        capped=capped,
        cap=cap,
    )


def cap_arms(
    arms: Sequence[Sequence[float]], percentile: float | None, absolute: float | None = None
) -> list[CappedSample]:
    """Every arm capped at one :func:`revenue_cap` computed over all arms together."""
    cap = revenue_cap([v for arm in arms for v in arm if v > 0], percentile, absolute)
    return [cap_values(arm, cap) for arm in arms]
