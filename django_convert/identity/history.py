"""What a login merge keeps: the guest's exposure history and the guest's id itself.

Stitching (``identity.stitching``) folds a guest visitor into the account's visitor and
deletes the guest's row. Before it does, :func:`keep_history` moves the guest's exposures
to the account with their dates (a variation both were seen in keeps the earliest
``first_seen`` and the latest ``last_seen``; ``is_first`` is decided again per experience
by date), and records the guest's id, and the ids merged into the guest before, as the
account's :class:`~django_convert.models.MergedId` rows. The conversions the guest made
keep the guest's id; ``forget_user()`` finds them through those rows.
"""

from __future__ import annotations

from django.db.models import Min

from django_convert.models import Exposure, MergedId, Visitor


def keep_history(source: Visitor, target: Visitor) -> None:
    """Move ``source``'s exposures and ids to ``target`` (call inside the merge's transaction)."""
    experiences = _move_exposures(source, target)
    _decide_first(target, experiences)
    known = set(MergedId.objects.filter(visitor=target).values_list("merged_id", flat=True))
    inherited = MergedId.objects.filter(visitor=source)
    inherited.filter(merged_id__in=known).delete()
    inherited.update(visitor=target)
    if source.visitor_id not in known:
        MergedId.objects.create(visitor=target, merged_id=source.visitor_id)


def _move_exposures(source: Visitor, target: Visitor) -> set[str]:
    theirs = {
        (row.experience_id, row.variation_id): row
        for row in Exposure.objects.filter(visitor=target).select_for_update()
    }
    experiences: set[str] = set()
    for row in Exposure.objects.filter(visitor=source).select_for_update():
        experiences.add(row.experience_id)
        same = theirs.get((row.experience_id, row.variation_id))
        if same is None:
            row.visitor = target
            row.save(update_fields=["visitor"])
            continue
        same.first_seen = min(same.first_seen, row.first_seen)
        same.last_seen = max(same.last_seen, row.last_seen)
        same.save(update_fields=["first_seen", "last_seen"])
        row.delete()
    return experiences


def _decide_first(visitor: Visitor, experiences: set[str]) -> None:
    """Exactly one ``is_first`` row per experience: the earliest seen (then the lowest id)."""
    if not experiences:
        return
    rows = Exposure.objects.filter(visitor=visitor, experience_id__in=experiences)
    earliest = dict(
        rows.values("experience_id")
        .annotate(first=Min("first_seen"))
        .values_list("experience_id", "first")
    )
    first_ids = []
    for experience_id, first_seen in earliest.items():
        first = (
            rows.filter(experience_id=experience_id, first_seen=first_seen)
            .order_by("pk")
            .values_list("pk", flat=True)
            .first()
        )
        if first is not None:
            first_ids.append(first)
    rows.exclude(pk__in=first_ids).update(is_first=False)
    rows.filter(pk__in=first_ids).update(is_first=True)
