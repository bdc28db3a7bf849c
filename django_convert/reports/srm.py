"""The experiment report's sample-ratio-mismatch (SRM) check against the synced config."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from django_convert.client import traffic_shares
from django_convert.models.project import Experience, Variation
from django_convert.reports import stats

INSTALL_HINT = "pip install django-convert[stats]"
#: The chi-squared test needs at least this many expected visitors in every variation
#: (Cochran, "Some methods for strengthening the common chi-squared tests", Biometrics
#: 10(4), 1954); with fewer it is not run, and the page makes no claim about the split.
MIN_EXPECTED = 5
#: Below this p-value (but not below ``stats.SRM_ALPHA``) the split is worth a look: the
#: page must not say it matches.
SRM_WARNING = 0.05


def id_order(variation_id: str) -> tuple[int, int | str]:
    """Sort key for Convert ids: increasing digit strings, so the original comes first."""
    return (0, int(variation_id)) if variation_id.isdigit() else (1, variation_id)


@dataclass(frozen=True)
class SampleRatio:
    """The sample-ratio-mismatch check. ``p_value`` is None when it could not run (see
    ``reason``); ``mismatch`` is True when ``p_value < stats.SRM_ALPHA``."""

    p_value: float | None
    reason: str = ""

    @property
    def mismatch(self) -> bool:
        return self.p_value is not None and self.p_value < stats.SRM_ALPHA

    @property
    def suspicious(self) -> bool:
        """Not a mismatch, but p below :data:`SRM_WARNING`: no "the split matches" claim."""
        return self.p_value is not None and stats.SRM_ALPHA <= self.p_value < SRM_WARNING

    @property
    def matches(self) -> bool:
        """The check ran on enough visitors and found nothing (p >= :data:`SRM_WARNING`)."""
        return self.p_value is not None and self.p_value >= SRM_WARNING


def format_share(value: Decimal | None) -> str:
    """A traffic percentage as people write it, to 2 places at most: 50 -> "50 %",
    12.5 -> "12.5 %", 100/3 -> "33.33 %"; "?" for None."""
    if value is None:
        return "?"
    return f"{value.quantize(Decimal('0.01')).normalize():f} %"


def configured_shares(configured: dict[str, Variation]) -> dict[str, Decimal]:
    """variation id -> the percent of the experience's visitors it should receive.

    The synced ``traffic_allocation`` (a percentage), with a variation that has none given
    an equal share of what the others leave: :func:`django_convert.client.traffic_shares`.
    """
    ids = sorted(configured, key=id_order)
    shares = traffic_shares([configured[vid].traffic_allocation for vid in ids])
    return dict(zip(ids, shares, strict=True))


def sample_ratio(
    experience: Experience | None, configured: dict[str, Variation], visitors: dict[str, int]
) -> SampleRatio:
    """Bucketed visitors per variation against their :func:`configured_shares`.

    Unavailable (``p_value`` None, with a reason) without a synced configuration for the
    experience, with a bucketed variation missing from it, or without scipy.
    """
    # Without the configured split there is nothing to compare with: an equal split would
    # flag every experience that allocates traffic unequally.
    if experience is None or not configured:
        return SampleRatio(None, _("no synced configuration for this experience (convert_sync)"))
    unknown = sorted(set(visitors) - set(configured), key=id_order)
    if unknown:
        return SampleRatio(
            None,
            _("variation(s) %(ids)s are not in the synced configuration")
            % {"ids": ", ".join(unknown)},
        )
    shares = configured_shares(configured)
    ids = list(shares)
    weights = [float(shares[vid]) for vid in ids]
    if not any(weights):
        return SampleRatio(None, _("the synced configuration allocates no traffic"))
    if not any(visitors.values()):
        return SampleRatio(None, _("no visitors in this range"))
    total = sum(visitors.get(vid, 0) for vid in ids)
    allocated = sum(weights)
    impossible = any(visitors.get(vid, 0) and not w for vid, w in zip(ids, weights, strict=True))
    smallest = min(total * w / allocated for w in weights if w > 0)
    if smallest < MIN_EXPECTED and not impossible:
        return SampleRatio(
            None,
            _(
                "too few visitors for the check: each variation should expect at least "
                "%(minimum)d, the smallest expects %(expected).1f"
            )
            % {"minimum": MIN_EXPECTED, "expected": smallest},
        )
    p_value = stats.sample_ratio_p_value([visitors.get(vid, 0) for vid in ids], weights)
    if p_value is None:
        reason = _("needs scipy: %(hint)s") % {"hint": INSTALL_HINT}
        if stats.have_scipy():
            reason = _("fewer than two variations receive traffic")
        return SampleRatio(None, reason)
    return SampleRatio(p_value)
