"""Prevent's answers straight from the hub: a concern's status, my reports, the area questions.

A concern the actor may not see is answered exactly like one that does not exist, so references
cannot be probed.
"""

from __future__ import annotations

from enum import StrEnum

from bot.core.module import Answer, HelpLine, OpenItem, StatusLookup, plain
from bot.core.reference import NOT_FOUND
from bot.core.roles import Role
from bot.core.unit import UnitOfWork
from bot.prevent import area, evidence
from bot.prevent.alerts import (
    LABELS,
    explanation_of,
    is_manager,
    local_time,
    removal_notice,
    removal_of,
    removal_officers,
    remover_name,
    roles_of,
    status_text,
)
from bot.prevent.followups import question_notice, waiting
from bot.prevent.forms import CATEGORIES
from bot.prevent.lifecycle import (
    REMOVAL_WORDS,
    ConcernStatus,
    RemovalStatus,
    notice_actions,
    removal_actions,
)
from dialogs.messages import Notice, NoticeAction, Outbound, Say
from storage import photos, records
from storage.models import Concern, Person

CONCERN_DONE = frozenset({ConcernStatus.CLOSED, ConcernStatus.DUPLICATE})
CATEGORY_LABELS = {o.value: o.label for o in CATEGORIES}


class Question(StrEnum):
    """The questions Prevent answers, as its intents ask them."""

    MY_REPORTS = "my_reports"
    OPEN_CONCERNS = "open_concerns"
    CONCERNS_NEAR = "concerns_near"
    HOTSPOTS = "hotspots"
    TENSION_AREAS = "tension_areas"


HELP = (
    HelpLine("- report something you saw (hate graffiti, stickers, symbols): say 'report'"),
    HelpLine(
        "- Prevent / CST: 'open concerns', 'hotspots', 'concerns near Cheapside this month', "
        "'elevated tension', 'tension areas', 'trigger event'; act on an alert with its buttons "
        "or by typing e.g. 'acknowledge CN-2026-0001' or 'ask CN-2026-0001 <your question>'",
        roles=(Role.PREVENT_MANAGER, Role.ADMIN),
    ),
    HelpLine(
        "- asked to remove something reported: press Removed, Can't remove or Not ours on the "
        "request, or type e.g. 'removed CN-2026-0001' or 'cannot remove CN-2026-0001'",
        roles=(Role.DATA_OWNER, Role.PREVENT_MANAGER, Role.ADMIN),
    ),
)


def can_see_concern(actor: Person, reporter_id: int | None) -> bool:
    return (reporter_id is not None and actor.id == reporter_id) or is_manager(actor)


async def concern_status(uow: UnitOfWork, actor: Person, reference: str) -> Outbound:
    """The status of concern `reference`, if the actor may see it, with the buttons the actor may
    press now: a manager's are the alert's (and the removal's, which a manager may answer too);
    the reporter's is Answer while the team's question waits for them. The partner asked to
    remove it sees their removal request again, with its buttons."""
    concern = await records.concern_by_reference(uow.session, reference)
    if concern is None:
        return Say(NOT_FOUND)
    if not can_see_concern(actor, concern.reporter_id):
        if not await asked_to_remove(uow, actor, concern):
            return Say(NOT_FOUND)
        title = f"Please remove: {concern.reference}"
        return removal_notice(concern, title, *await removal_lines(uow, concern))
    return Notice(
        kind="status",
        title=f"{concern.reference}: {status_text(concern)}",
        lines=(
            f"Priority: {concern.priority}",
            f"Category: {LABELS.get(concern.category, concern.category)}",
            f"Where: {concern.location_text}",
            f"Reported: {uow.calendar.local(concern.created_at):%d %b %Y}",
            *(
                await evidence_of(uow, concern)
                if is_manager(actor)
                else await question_for_reporter(uow, concern)
            ),
        ),
        reference=concern.reference,
        actions=await actions_for(uow, actor, concern),
        photos=await photos.count_of(uow.session, concern.reference),
    )


async def asked_to_remove(uow: UnitOfWork, actor: Person, concern: Concern) -> bool:
    """Whether `actor` answers for the partner now asked to remove the concern: they see what
    their removal request shows (what, where, by when) and its buttons, and nothing more."""
    if concern.removal_by is None:
        return False
    return any(o.id == actor.id for o in await removal_officers(uow, concern.removal_by))


async def actions_for(uow: UnitOfWork, actor: Person, concern: Concern) -> tuple[NoticeAction, ...]:
    """What `actor` may do about `concern` now, as buttons (the life-cycle tables decide)."""
    status = ConcernStatus(concern.status)
    managing = (
        (
            *notice_actions(concern.reference, status, roles_of(actor)),
            *removal_actions(concern.reference, status, removal_of(concern)),
        )
        if is_manager(actor)
        else ()
    )
    asked = (
        await waiting(uow, concern)
        if concern.reporter_id is not None and concern.reporter_id == actor.id
        else None
    )
    answering = question_notice(concern, asked.question).actions if asked is not None else ()
    return (*managing, *answering)


async def question_for_reporter(uow: UnitOfWork, concern: Concern) -> tuple[str, ...]:
    """The team's question that waits for the reporter's answer, and how to answer it."""
    waiting = [f for f in await evidence.follow_ups(uow, concern) if f.answered_at is None]
    if not waiting:
        return ()
    return (
        f"The Community Safety team asks: {waiting[0].question}",
        f"To answer, type: answer {concern.reference} followed by your answer.",
    )


async def evidence_of(uow: UnitOfWork, concern: Concern) -> tuple[str, ...]:
    """What a manager sees beyond the four status lines: what was seen and why it was triaged
    so, related concerns, photos, assignee, removal and the history of actions."""
    related = concern.answers.get("related") if isinstance(concern.answers, dict) else None
    return (
        f"What was seen: {concern.description}",
        f"Reported by: {await evidence.reporter_label(uow, concern)}",
        explanation_of(concern),
        *(
            (f"Related: {', '.join(str(r) for r in related)}",)
            if isinstance(related, list) and related
            else ()
        ),
        *await evidence.manager_lines(uow, concern),
        *await removal_lines(uow, concern),
        *await evidence.follow_up_lines(uow, concern),
        *await evidence.history_lines(uow, concern),
    )


async def removal_lines(uow: UnitOfWork, concern: Concern) -> tuple[str, ...]:
    """Where a concern's removal stands, for a manager: who, when due or done, and what they said."""
    removal = removal_of(concern)
    if removal is None:
        return ()
    lines = [f"Removal: {REMOVAL_WORDS[removal]} ({await remover_name(uow, concern.removal_by)})"]
    if removal is RemovalStatus.REQUESTED and concern.removal_due_at is not None:
        overdue = " (overdue)" if concern.removal_due_at <= uow.now else ""
        lines.append(f"Removal due: {local_time(uow, concern.removal_due_at)}{overdue}")
    if removal is RemovalStatus.REMOVED and concern.removed_at is not None:
        lines.append(f"Removed: {local_time(uow, concern.removed_at)}")
    if concern.removal_note:
        said = "Reason" if removal is RemovalStatus.CANNOT_REMOVE else "Their note"
        lines.append(f"{said}: {concern.removal_note}")
    return tuple(lines)


async def my_reports(uow: UnitOfWork, actor: Person) -> Outbound:
    """The concerns the actor reported, newest first."""
    concerns = await records.concerns_by_reporter(uow.session, actor.id)
    if not concerns:
        return Say("You haven't reported any concerns yet. Say 'report' to log one.")
    return Notice(
        kind="my_reports",
        title=f"Your reports ({len(concerns)})",
        lines=tuple(
            f"{c.reference} {LABELS.get(c.category, c.category)}, {c.location_text}: {c.status.replace('_', ' ')}"
            for c in concerns[:20]
        ),
    )


async def open_reports(uow: UnitOfWork, actor: Person) -> tuple[OpenItem, ...]:
    """The concerns the actor reported that are still open, for a home screen."""
    return tuple(
        OpenItem(
            c.reference,
            f"{CATEGORY_LABELS.get(c.category, c.category)}, {c.location_text}",
            f"{c.priority}, {c.status.replace('_', ' ')}",
        )
        for c in await records.concerns_by_reporter(uow.session, actor.id)
        if c.status not in CONCERN_DONE
    )


QUERIES: dict[str, Answer] = {
    Question.MY_REPORTS: plain(my_reports),
    Question.OPEN_CONCERNS: plain(area.open_concerns),
    Question.CONCERNS_NEAR: area.concerns_near,
    Question.HOTSPOTS: plain(area.hotspots),
    Question.TENSION_AREAS: plain(area.tension_areas),
}


async def prevent_status(uow: UnitOfWork, actor: Person, reference: str) -> Outbound:
    """A concern's status (CN-...), or an elevated-tension period's (TA-n)."""
    if reference.upper().startswith("TA-"):
        return await area.tension_status(uow, actor, reference)
    return await concern_status(uow, actor, reference)


STATUS = StatusLookup(prevent_status, prefixes=("CN", "TA"))
