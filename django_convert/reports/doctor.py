"""convert_doctor: the source guide's troubleshooting checklist (section 9), per conversion.

"Conversion does not appear in reports / Revenue is missing / Visitor segmentation is
missing": each of the guide's questions becomes one :class:CheckItem with pass, fail
or warn, what was found, and what to do. Read-only: it reads the conversion, the
visitor's stored bucketing, the notes of its dropped posts and the last synced project
config, and never the network. The source guide is Convert's "Complete Guide: Creating
Custom Integrations with Convert.com" (:data:`GUIDE_URL`), section 9 "Troubleshooting".
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from django_convert.conf import get_setting
from django_convert.models import Bucketing, Conversion, DroppedPost, Visitor
from django_convert.project.names import ProjectNames
from django_convert.reports.doctor_items import (
    Status,
    check_amount,
    check_answer,
    check_request,
    check_segments,
    check_transaction_id,
)
from django_convert.reports.drops import DROP_REASONS, possible_reasons

OK: Status = "pass"
FAIL: Status = "fail"
WARN: Status = "warn"
#: Convert's integration guide, whose section 9 ("Troubleshooting") is this checklist.
GUIDE_URL = "https://support.convert.com/hc/en-us/articles/complete-guide-creating-integrations-with-convertcom"
HIDDEN = "(the visitor's details are hidden: viewing them needs the view permission on visitors)"


@dataclass(frozen=True)
class CheckItem:
    """One line of the checklist. fix says what to do when the status is not pass;
    notes are the possibilities to go through, one per line."""

    key: str
    title: str
    status: Status
    detail: str
    fix: str = ""
    notes: tuple[str, ...] = ()


@dataclass
class Diagnosis:
    subject: str
    items: list[CheckItem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(item.status != FAIL for item in self.items)

    def failed(self) -> list[CheckItem]:
        return [item for item in self.items if item.status == FAIL]


def find_conversions(reference: str) -> list[Conversion]:
    """Conversions whose primary key or transaction id is reference (a transaction
    id may have one conversion per goal)."""
    reference = reference.strip()
    query = Q(transaction_id=reference)
    if reference.isdigit():
        query |= Q(pk=int(reference))
    return list(Conversion.objects.filter(query).order_by("pk"))


def diagnose_conversion(
    conversion: Conversion, names: ProjectNames | None = None, *, show_visitor: bool = True
) -> Diagnosis:
    """Run the checklist on one conversion. With ``show_visitor`` False (a staff user who
    may not view visitors), the items say what failed without the visitor's stored
    bucketing, times or dropped posts."""
    names = names or ProjectNames()
    diagnosis = Diagnosis(
        f"conversion {conversion.pk}: goal {conversion.goal_id} / {conversion.transaction_id}"
    )
    for item in _items(conversion, names, show_visitor):
        diagnosis.items.append(item)
    return diagnosis


def _items(conversion: Conversion, names: ProjectNames, show_visitor: bool) -> Iterator[CheckItem]:
    yield _visitor(conversion, names, show_visitor)
    bucketing = conversion.bucketing
    yield _bucketing_shape(conversion, bucketing, show_visitor)
    pairs = _pairs(bucketing)
    yield _goal(conversion, names, pairs)
    yield from _experiences(names, pairs)
    for key, title, status, detail, fix in (
        check_amount(conversion, names.goals.get(conversion.goal_id)),
        check_transaction_id(conversion),
        check_segments(conversion.segments),
        check_request(conversion, str(get_setting("USER_AGENT"))),
        check_answer(conversion),
    ):
        yield CheckItem(key, title, status, detail, fix)


def _visitor(conversion: Conversion, names: ProjectNames, show_visitor: bool) -> CheckItem:
    title = "The visitorId matches the one used when the visitor was bucketed"
    visitor = Visitor.objects.filter(visitor_id=conversion.visitor_id).first()
    if visitor is None:
        return _never_stored(conversion, title, show_visitor)
    rows = list(Bucketing.objects.filter(visitor=visitor).order_by("first_seen"))
    if not rows:
        seen = f" (first seen {visitor.first_seen:%Y-%m-%d %H:%M})" if show_visitor else ""
        return CheckItem(
            "visitor",
            title,
            FAIL,
            f"Visitor {visitor.visitor_id!r}{seen} was never bucketed into an experience.",
            "Check that an experience is active on the pages the visitor saw and that the "
            "listener posts to the ingest endpoint (the browser's network tab).",
        )
    if not show_visitor:
        return CheckItem(
            "visitor", title, OK, f"Visitor {visitor.visitor_id!r} is bucketed {HIDDEN}."
        )
    bucketed = ", ".join(
        f"{experience_label(names, row.experience_id)} → "
        f"{variation_label(names, row.variation_id)} since {row.first_seen:%Y-%m-%d %H:%M}"
        for row in rows
    )
    return CheckItem("visitor", title, OK, f"Visitor {visitor.visitor_id!r}: {bucketed}.")


def _never_stored(conversion: Conversion, title: str, show_visitor: bool) -> CheckItem:
    """No Visitor row: the browser's posts were dropped (noted), or never came."""
    never = (
        f"Visitor {conversion.visitor_id!r} was never reported by the browser (nothing is "
        "stored for it), so this app had no bucketing to send and Convert may have none for "
        "this id."
    )
    drops = list(
        DroppedPost.objects.filter(visitor_id=conversion.visitor_id).order_by("first_seen")
    )
    noted = [(drop, DROP_REASONS[drop.reason]) for drop in drops if drop.reason in DROP_REASONS]
    if noted and show_visitor:
        why = "; ".join(
            f"{reason.what}"
            + (f" (matched {drop.detail!r})" if drop.detail else "")
            + f", first at {drop.first_seen:%Y-%m-%d %H:%M}"
            for drop, reason in noted
        )
        return CheckItem(
            "visitor",
            title,
            FAIL,
            f"{never} Its posts were dropped: {why}.",
            " ".join(reason.fix for _drop, reason in noted),
        )
    hidden = f" {HIDDEN}" if not show_visitor else " No dropped post was noted for it."
    return CheckItem(
        "visitor",
        title,
        FAIL,
        never + hidden,
        "Go through the reasons a browser's bucketing is not stored, most likely first:",
        notes=tuple(
            f"{reason.what[0].upper()}{reason.what[1:]}. {reason.fix}"
            for reason in (possible_reasons())
        ),
    )


def experience_label(names: ProjectNames, experience_id: str) -> str:
    """ "Checkout button colour (100127238)", or "experience 100127238 (no name synced)"."""
    label = names.experience(experience_id).label
    return label if label != str(experience_id) else f"experience {experience_id} (no name synced)"


def variation_label(names: ProjectNames, variation_id: str) -> str:
    label = names.variation(variation_id).label
    return label if label != str(variation_id) else f"variation {variation_id}"


def _bucketing_shape(conversion: Conversion, bucketing: Any, show_visitor: bool) -> CheckItem:
    title = "bucketingData maps experience id to variation id"
    if not isinstance(bucketing, dict):
        return CheckItem(
            "bucketing_shape",
            title,
            FAIL,
            f"bucketingData is {type(bucketing).__name__}.",
            "It must be an object {experienceId: variationId}.",
        )
    if not bucketing:
        empty = (
            "bucketingData is empty: Convert attributes this conversion to no experience "
            "(unless enrichData finds stored bucketing, on plans that have it)."
        )
        first = (
            Bucketing.objects.filter(visitor__visitor_id=conversion.visitor_id)
            .order_by("first_seen")
            .values_list("first_seen", flat=True)
            .first()
        )
        if first is not None and first > conversion.created_at and show_visitor:
            return CheckItem(
                "bucketing_shape",
                title,
                FAIL,
                f"{empty} The visitor's bucketing arrived at {first:%Y-%m-%d %H:%M:%S}, after "
                f"the conversion was recorded ({conversion.created_at:%Y-%m-%d %H:%M:%S}).",
                "The conversion came before the browser reported the bucketing (e.g. an "
                "order placed before Convert's script ran): keep {% convert_head %} in the "
                "head of every page, before the checkout, so bucketing is stored first.",
            )
        return CheckItem(
            "bucketing_shape",
            title,
            FAIL,
            empty,
            "The visitor had no stored bucketing when the conversion was recorded: see the "
            "visitorId item.",
        )
    bad = [f"{k!r}: {v!r}" for k, v in bucketing.items() if not _is_id(k) or not _is_id(v)]
    if bad:
        return CheckItem(
            "bucketing_shape",
            title,
            FAIL,
            f"Not id to id: {', '.join(bad)}.",
            "Keys are experience ids and values variation ids, both digit strings, e.g. "
            '{"100127238": "1001186427"}.',
        )
    shown = json.dumps(bucketing, sort_keys=True)
    return CheckItem("bucketing_shape", title, OK, f"{len(bucketing)} experience(s): {shown}.")


def _goal(conversion: Conversion, names: ProjectNames, pairs: list[tuple[str, str]]) -> CheckItem:
    title = "The goalId belongs to the project and is attached to these experiences"
    if not names.synced:
        return CheckItem(
            "goal",
            title,
            WARN,
            "No project config synced yet: cannot check the goal.",
            "Run manage.py convert_sync.",
        )
    verdict = names.goal(conversion.goal_id)
    if verdict.problem:
        return CheckItem(
            "goal",
            title,
            FAIL,
            f"Goal {conversion.goal_id} is {verdict.problem}.",
            "Use the goal id shown in Convert under Goals (and sync again if it is new).",
        )
    attached = names.goal_experiences.get(conversion.goal_id, set())
    missing = [e for e, _v in pairs if e not in attached]
    if missing:
        return CheckItem(
            "goal",
            title,
            FAIL,
            f"Goal {verdict.label} is not attached to experience(s) {', '.join(missing)}, so "
            "their reports do not count it.",
            "In Convert, add the goal to each experience's goals, then sync again.",
        )
    return CheckItem("goal", title, OK, f"Goal {verdict.label}, attached to every experience.")


def _experiences(names: ProjectNames, pairs: list[tuple[str, str]]) -> Iterator[CheckItem]:
    title = "The experienceId and variationId are correct (exist, active)"
    if not pairs:
        return
    if not names.synced:
        yield CheckItem(
            "experiences",
            title,
            WARN,
            "No project config synced yet: cannot check the ids.",
            "Run manage.py convert_sync.",
        )
        return
    for experience_id, variation_id in pairs:
        experience, variation = (
            names.experience(experience_id),
            names.variation(variation_id, experience_id),
        )
        problems = [f"experience {experience.label}: {experience.problem}"] * bool(
            experience.problem
        ) + [f"variation {variation.label}: {variation.problem}"] * bool(variation.problem)
        if problems:
            yield CheckItem(
                f"experience:{experience_id}",
                title,
                FAIL,
                "; ".join(problems) + ".",
                "Convert counts conversions for active experiences and their running "
                "variations only. Sync again if the config is older than the page; else check "
                "the ids the browser reported.",
            )
        else:
            yield CheckItem(
                f"experience:{experience_id}",
                title,
                OK,
                f"{experience_label(names, experience_id)} → "
                f"{variation_label(names, variation_id)}: active, running.",
            )


def _pairs(bucketing: Any) -> list[tuple[str, str]]:
    if not isinstance(bucketing, dict):
        return []
    return sorted((str(k), str(v)) for k, v in bucketing.items())


def _is_id(value: Any) -> bool:
    return isinstance(value, str) and value.isdigit() and len(value) <= 32
