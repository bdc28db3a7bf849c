"""Daily looks at the experiment report: false wins and power, the old method against the new.

2,000 simulated A/A experiments (no real difference) and 2,000 with a real effect (+20 %
relative on a 5 % conversion rate), each looked at once a day for 14 days with 500 new
visitors per variation per day (Poisson), fixed seed. The A/A experiments are also tested on
revenue per visitor, each converting visitor with one heavy-tailed order (lognormal). "Any
look" counts an experiment once if the report declares a winner on at least one of its 14
days: what an owner who checks daily and stops at the first win experiences.

- OLD: the report before issue 19 - the pooled two-proportion z-test, bold at p < 0.05, no
  minimum data.
- NEW: ``compare.compare_rates(...).significant`` - the always-valid p-value (reports/
  sequential.py) below 0.05 and 100 visitors and 25 conversions in each arm. The rate is
  the only metric here (no Holm across metrics, which would only make it stricter). Looks
  whose pooled p-value is 0.05 or more are not passed to compare_rates: the always-valid
  p-value is never below the fixed-horizon one, so none of them can be a win (the count
  of such calls is printed).

Target: NEW's false-positive rate at any look at or below 5 %. Runs in about 35 s.
"""

from __future__ import annotations

import time
from typing import Any

from benchmarks.harness import Result

EXPERIMENTS = 2_000
DAYS = 14
DAILY_VISITORS = 500  # per variation
BASELINE_RATE = 0.05
EFFECT = 0.20  # relative
SEED = 19
TARGET_FALSE_POSITIVES = 0.05


def _simulate(rng: Any, variation_rate: float) -> tuple[Any, Any, Any, Any]:
    """Cumulative (conversions, visitors) per arm, shape (EXPERIMENTS, DAYS)."""
    import numpy as np

    shape = (EXPERIMENTS, DAYS)
    n_b, n_v = rng.poisson(DAILY_VISITORS, shape), rng.poisson(DAILY_VISITORS, shape)
    c_b, c_v = rng.binomial(n_b, BASELINE_RATE), rng.binomial(n_v, variation_rate)
    return tuple(np.cumsum(a, axis=1) for a in (c_b, n_b, c_v, n_v))  # type: ignore[return-value]


def _old_wins(c_b: Any, n_b: Any, c_v: Any, n_v: Any) -> Any:
    """The pre-issue-19 stats.compare_rates p-value < 0.05 (pooled z, as proportions_ztest)."""
    import numpy as np
    from scipy import stats

    pooled = (c_b + c_v) / (n_b + n_v)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n_b + 1 / n_v))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, (c_v / n_v - c_b / n_b) / se, 0.0)
    return 2 * stats.norm.sf(np.abs(z)) < 0.05


def _new_wins(c_b: Any, n_b: Any, c_v: Any, n_v: Any, old: Any) -> tuple[Any, int]:
    import numpy as np

    from django_convert.reports import compare

    wins = np.zeros(old.shape, dtype=bool)
    calls = 0
    for i, day in zip(*np.nonzero(old), strict=True):
        calls += 1
        result = compare.compare_rates(
            int(c_b[i, day]), int(n_b[i, day]), int(c_v[i, day]), int(n_v[i, day])
        )
        wins[i, day] = result.significant
    return wins, calls


def _revenue_wins(rng: Any, c_b: Any, c_v: Any, n_b: Any, n_v: Any) -> tuple[Any, Any, int]:
    """Old and new wins on revenue per visitor, A/A, one heavy-tailed order per converter.

    Order values are lognormal (median 65, sigma 1.2: one order in a thousand above 2,600).
    OLD: Welch's test on the raw revenue per visitor, p < 0.05. NEW: capped at the 99th
    percentile of all orders so far, ``compare.compare_means(...).significant``.
    """
    import numpy as np
    from scipy import stats

    from django_convert.reports import compare

    old = np.zeros(c_b.shape, dtype=bool)
    new = np.zeros(c_b.shape, dtype=bool)
    calls = 0
    for i in range(EXPERIMENTS):
        orders_b = rng.lognormal(np.log(65), 1.2, int(c_b[i, -1]))
        orders_v = rng.lognormal(np.log(65), 1.2, int(c_v[i, -1]))
        for day in range(DAYS):
            b, v = orders_b[: c_b[i, day]], orders_v[: c_v[i, day]]
            nb, nv = int(n_b[i, day]), int(n_v[i, day])
            raw = [_moments(b, nb), _moments(v, nv)]
            old[i, day] = _welch_p(stats, *raw) < 0.05
            cap = float(np.percentile(np.concatenate([b, v]), 99)) if len(b) + len(v) else None
            capped = [_moments(np.minimum(b, cap), nb, cap), _moments(np.minimum(v, cap), nv, cap)]
            if _welch_p(stats, *capped) >= 0.05:  # the always-valid p is never lower
                continue
            calls += 1
            result = compare.compare_means(*capped, baseline_conversions=len(b), conversions=len(v))
            new[i, day] = result.significant
    return old, new, calls


def _moments(orders: Any, visitors: int, cap: float | None = None) -> Any:
    from django_convert.reports.capping import CappedSample

    return CappedSample(visitors, float(orders.sum()), float((orders**2).sum()), cap=cap)


def _welch_p(stats: Any, a: Any, b: Any) -> float:
    import math

    se = math.sqrt(a.variance / a.n + b.variance / b.n)
    if se == 0:
        return 1.0
    return float(2 * stats.norm.sf(abs(b.mean - a.mean) / se))


def _first_day(wins: Any) -> float:
    import numpy as np

    hit = wins.any(axis=1)
    return float(np.median(np.argmax(wins[hit], axis=1) + 1)) if hit.any() else float("nan")


def run() -> list[Result]:
    import numpy as np

    rng = np.random.default_rng(SEED)
    started = time.perf_counter()
    results: list[Result] = []
    rows = []
    for label, rate in (
        ("A/A", BASELINE_RATE),
        (f"+{EFFECT:.0%} effect", BASELINE_RATE * (1 + EFFECT)),
    ):
        counts = _simulate(rng, rate)
        old = _old_wins(*counts)
        new, calls = _new_wins(*counts, old)
        figures = {
            "old, any look": old.any(axis=1).mean(),
            "new, any look": new.any(axis=1).mean(),
            "old, last look only": old[:, -1].mean(),
            "new, last look only": new[:, -1].mean(),
        }
        what = "false-positive rate" if label == "A/A" else "power"
        for metric, value in figures.items():
            results.append(Result("report_sim", f"{label} {what}, {metric}", 100 * value, "%"))
        results.append(
            Result(
                "report_sim",
                f"{label} median day of the first win, old / new",
                _first_day(old),
                "day",
                f"new: {_first_day(new):.0f}; {calls} looks passed to compare_rates",
            )
        )
        rows.append((label, what, figures, calls))
        if label == "A/A":
            c_b, n_b, c_v, n_v = counts
            # Its own generator, so the effect's experiments stay those of the rate alone.
            revenue_rng = np.random.default_rng(SEED + 1)
            old_r, new_r, calls_r = _revenue_wins(revenue_rng, c_b, c_v, n_b, n_v)
            revenue = {
                "old, any look": old_r.any(axis=1).mean(),
                "new, any look": new_r.any(axis=1).mean(),
                "old, last look only": old_r[:, -1].mean(),
                "new, last look only": new_r[:, -1].mean(),
            }
            for metric, value in revenue.items():
                results.append(
                    Result(
                        "report_sim",
                        f"A/A revenue per visitor false-positive rate, {metric}",
                        100 * value,
                        "%",
                        f"{calls_r} looks passed to compare_means"
                        if metric.startswith("new, any")
                        else "",
                    )
                )
            rows.append(("A/A revenue", "false-positive rate", revenue, calls_r))
    elapsed = time.perf_counter() - started
    aa = rows[0][2]
    results.append(
        Result(
            "report_sim",
            "A/A any-look false positives, old / new",
            aa["old, any look"] / max(aa["new, any look"], 1e-9),
            "x",
            f"target new <= {TARGET_FALSE_POSITIVES:.0%}; {EXPERIMENTS} experiments x {DAYS} "
            f"daily looks x {DAILY_VISITORS} visitors/arm/day, seed {SEED}, {elapsed:.1f} s",
        )
    )
    from django_convert.reports import power

    fixed = power.fixed_horizon_sample(BASELINE_RATE, EFFECT)
    sequential = power.sequential_sample(BASELINE_RATE, EFFECT)
    results.append(
        Result(
            "report_sim",
            f"visitors per variation for 80 % power on +{EFFECT:.0%}, sequential / fixed",
            sequential / fixed,
            "x",
            f"{sequential:,} vs {fixed:,}: {sequential / DAILY_VISITORS:.0f} vs "
            f"{fixed / DAILY_VISITORS:.0f} days at {DAILY_VISITORS}/day",
        )
    )
    for label, what, figures, _calls in rows:
        print(f"{label:>12} {what:<20} {'old':>8} {'new':>8}")
        for look in ("any look", "last look only"):
            old_value, new_value = figures[f"old, {look}"], figures[f"new, {look}"]
            print(f"{'':>12} {look:<20} {old_value:>8.1%} {new_value:>8.1%}")
    return results
