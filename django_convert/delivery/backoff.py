"""When to try again after a retryable failure."""

from __future__ import annotations

import random


def retry_delay(
    attempts: int,
    *,
    base: float,
    cap: float,
    retry_after: float | None = None,
    rand: random.Random | None = None,
) -> float:
    """Seconds to wait after ``attempts`` tries: exponential backoff with full jitter.

    Full jitter (uniform between 0 and the exponential bound) spreads retries of many
    workers that failed together. Convert's ``Retry-After`` is a floor, itself capped at
    ``cap`` so a bogus header cannot park a conversion for longer than the longest backoff.
    """
    bound = min(cap, base * 2 ** max(0, attempts - 1))
    delay = (rand or random).uniform(0, bound)  # jitter, not cryptography
    if retry_after is not None:
        delay = max(delay, min(retry_after, cap))
    return delay


def outage_pause(outages: int, *, base: float, cap: float) -> float:
    """Seconds a delivery loop waits after ``outages`` rounds in a row ended on a
    retryable error: doubling from ``base`` up to ``cap`` (RETRY_MAX_DELAY). One request
    per pause and loop is all a down Convert gets, however large the backlog."""
    return float(min(cap, base * 2 ** max(0, outages - 1)))
