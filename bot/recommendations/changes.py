"""Every change to the recommendations register, by owners and by coordinators.

Owners change their own items (progress, done, blocked, not mine, extension, snooze); coordinators
decide (approve or refuse extensions, verify or reopen completions) and manage the register (add,
reassign, change the due date, set the RAG, withdraw). Callers check first (`items.owner_item`,
`items.decidable`). Every change writes a history row and an audit row, re-plans the item's next
nudge, and tells the people concerned through the outbox, all in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from bot.core.unit import ServiceError, UnitOfWork
from bot.recommendations.answers import UpdateAnswers
from bot.recommendations.forms.update import UpdateKind
from bot.recommendations.items import (
    APPROVE_ACTION,
    NUDGE_KIND,
    REASSIGN_ACTION,
    REFUSE_ACTION,
    REOPEN_ACTION,
    SNOOZE_DAYS,
    VERIFY_ACTION,
    Rag,
    RecommendationStatus,
    chairs_for,
    coordinators_for,
    item_line,
    owner_actions,
    rag,
    replan,
)
from dialogs.messages import Notice, NoticeAction
from storage import records
from storage.models import Person, Recommendation, RecommendationUpdate

NEW_STATUS = {
    UpdateKind.PROGRESS: RecommendationStatus.IN_PROGRESS,
    UpdateKind.DONE: RecommendationStatus.COMPLETED,
    UpdateKind.BLOCKED: RecommendationStatus.BLOCKED,
    UpdateKind.EXTENSION: RecommendationStatus.EXTENSION_REQUESTED,
}
TOLD_TO_COORDINATORS = (
    UpdateKind.DONE,
    UpdateKind.BLOCKED,
    UpdateKind.EXTENSION,
    UpdateKind.NOT_MINE,
)


async def record_update(
    uow: UnitOfWork, owner: Person, rec: Recommendation, update: UpdateAnswers
) -> Recommendation:
    """Apply an owner's update to their open item (checked with `items.owner_item`).

    Not mine hands the item back to the coordinators for reassignment; a second extension request
    also goes to the chair.
    """
    kind, new_due = update.kind, update.new_due
    if kind is UpdateKind.EXTENSION and (
        new_due is None or (rec.due_date and new_due <= rec.due_date)
    ):
        raise ServiceError(
            f"The new date must be after the current due date ({rec.due_date:%d %b %Y}); "
            "nothing was changed."
            if rec.due_date
            else "Please give the new date you propose; nothing was changed."
        )
    before = rec.status
    if kind is UpdateKind.NOT_MINE:
        rec.owner_id = None
        rec.owner = None
    else:
        rec.status = NEW_STATUS[kind]
    if kind is UpdateKind.EXTENSION:
        rec.requested_due_date = new_due
    if kind in (UpdateKind.PROGRESS, UpdateKind.DONE):
        rec.owner_rag = update.rating
    rec.last_update_at = uow.now
    rec.unanswered_nudges = 0
    uow.session.add(
        RecommendationUpdate(
            recommendation_id=rec.id,
            author_id=owner.id,
            kind=kind,
            note=update.note,
            new_status=rec.status,
            new_due_date=new_due,
            rag=update.rating,
            at=uow.now,
        )
    )
    await uow.audit(
        owner,
        f"recommendation.{kind}",
        rec.reference,
        before=before,
        after=rec.status,
        new_due=new_due.isoformat() if new_due else None,
    )
    replan(uow, rec)
    if kind in TOLD_TO_COORDINATORS:
        await _tell_coordinators(uow, rec, owner, kind, update.note, new_due)
    return rec


async def snooze(uow: UnitOfWork, owner: Person, rec: Recommendation) -> date:
    """Put off the owner's nudges about `rec` for a week (checked with `items.snoozable`).

    Escalations still follow the due date: a snooze delays reminders, not the deadline.
    """
    until = uow.calendar.add_working_days(uow.today, SNOOZE_DAYS)
    rec.snoozed_until = datetime.combine(until, uow.calendar.opens, tzinfo=uow.calendar.timezone)
    rec.snoozes += 1
    rec.unanswered_nudges = 0
    await _history(uow, owner, rec, "snooze", f"until {until:%d %b %Y}")
    await uow.audit(
        owner, "recommendation.snooze", rec.reference, until=until.isoformat(), snoozes=rec.snoozes
    )
    replan(uow, rec)
    return until


HEADLINES = {
    UpdateKind.DONE: "marked done: please verify",
    UpdateKind.BLOCKED: "is blocked",
    UpdateKind.NOT_MINE: "needs a new owner",
    UpdateKind.EXTENSION: "needs more time",
}


def coordinator_notice(
    rec: Recommendation, owner: Person, action: UpdateKind, note: str, new_due: date | None
) -> Notice:
    """What coordinators get when an owner marks an item done, blocked, not mine or asks for time."""
    headline = HEADLINES[action]
    if action is UpdateKind.EXTENSION and new_due:
        headline += f": new date {new_due:%d %b %Y}"
    buttons: tuple[NoticeAction, ...] = ()
    if action is UpdateKind.DONE:
        buttons = (
            NoticeAction(VERIFY_ACTION, "Verify and close", rec.reference),
            NoticeAction(REOPEN_ACTION, "Not done: reopen", rec.reference),
        )
    elif action is UpdateKind.EXTENSION:
        buttons = (
            NoticeAction(APPROVE_ACTION, "Approve new date", rec.reference),
            NoticeAction(REFUSE_ACTION, "Refuse", rec.reference),
        )
    elif action in (UpdateKind.NOT_MINE, UpdateKind.BLOCKED):
        buttons = (NoticeAction(REASSIGN_ACTION, "Reassign", rec.reference),)
    current = f"Due: {rec.due_date:%d %b %Y}" if rec.due_date else "Due: no date set"
    return Notice(
        kind=f"recommendation_{action}",
        title=f"{rec.reference} {headline}",
        lines=(rec.title, f"Owner: {owner.name}", current, f"Note: {note}"),
        reference=rec.reference,
        actions=buttons,
    )


async def _tell_coordinators(
    uow: UnitOfWork,
    rec: Recommendation,
    owner: Person,
    action: UpdateKind,
    note: str,
    new_due: date | None,
) -> None:
    notice = coordinator_notice(rec, owner, action, note, new_due)
    stamp = uow.now.isoformat()
    for coordinator in await coordinators_for(uow, owner.id):
        await uow.notify(
            coordinator, notice, dedupe_key=f"rec-{action}:{rec.reference}:{coordinator.id}:{stamp}"
        )
    if action is UpdateKind.EXTENSION and rec.due_date_changes >= 1:
        second = Notice(
            "recommendation_second_extension",
            f"{rec.reference}: a second extension is requested",
            notice.lines,
            rec.reference,
        )
        for chair in await chairs_for(uow, owner.id):
            await uow.notify(
                chair, second, dedupe_key=f"rec-second-extension:{rec.reference}:{chair.id}:{stamp}"
            )


async def _history(
    uow: UnitOfWork,
    author: Person | None,
    rec: Recommendation,
    kind: str,
    note: str,
    *,
    new_due: date | None = None,
    rating: str | None = None,
) -> None:
    uow.session.add(
        RecommendationUpdate(
            recommendation_id=rec.id,
            author_id=author.id if author else None,
            kind=kind,
            note=note,
            new_status=rec.status,
            new_due_date=new_due,
            rag=rating,
            at=uow.now,
        )
    )


async def _tell_owner(uow: UnitOfWork, rec: Recommendation, title: str, *lines: str) -> None:
    owner = rec.owner or (await uow.session.get(Person, rec.owner_id) if rec.owner_id else None)
    if owner is None:
        return
    await uow.notify(
        owner,
        Notice("recommendation_decision", title, (rec.title, *lines), rec.reference),
        dedupe_key=f"rec-decision:{rec.reference}:{owner.id}:{uow.now.isoformat()}",
    )


async def _settle(
    uow: UnitOfWork, actor: Person, rec: Recommendation, kind: UpdateKind, title: str
) -> None:
    """Replace every coordinator's copy of the `kind` notice, so its buttons cannot be pressed twice."""
    await uow.refresh_notices(
        Notice(f"recommendation_{kind}", title, (rec.title, f"By {actor.name}."), rec.reference),
        f"recommendation_{kind}",
    )


async def approve_extension(
    uow: UnitOfWork, actor: Person, rec: Recommendation, new_due: date
) -> str:
    """Move the due date to `new_due`, the one the owner asked for (`items.extension_date`); the
    escalation clock starts again."""
    before = rec.due_date
    rec.due_date, rec.requested_due_date = new_due, None
    rec.due_date_changes += 1
    rec.status = RecommendationStatus.IN_PROGRESS
    rec.escalation_level = rec.snoozes = rec.unanswered_nudges = 0
    rec.snoozed_until = None
    await _history(uow, actor, rec, "extension_approved", "", new_due=new_due)
    await uow.audit(
        actor,
        "recommendation.extension_approved",
        rec.reference,
        before=before.isoformat() if before else None,
        after=new_due.isoformat(),
    )
    replan(uow, rec)
    await _settle(
        uow,
        actor,
        rec,
        UpdateKind.EXTENSION,
        f"{rec.reference}: new date {new_due:%d %b %Y} approved",
    )
    await _tell_owner(
        uow, rec, f"{rec.reference}: your new date is approved", f"Now due {new_due:%d %b %Y}."
    )
    return f"{rec.reference} is now due {new_due:%d %b %Y}."


async def refuse_extension(uow: UnitOfWork, actor: Person, rec: Recommendation, reason: str) -> str:
    """Keep the due date; the owner is told why."""
    rec.requested_due_date = None
    rec.status = RecommendationStatus.IN_PROGRESS
    await _history(uow, actor, rec, "extension_refused", reason)
    await uow.audit(actor, "recommendation.extension_refused", rec.reference, reason=reason)
    replan(uow, rec)
    await _settle(uow, actor, rec, UpdateKind.EXTENSION, f"{rec.reference}: extension refused")
    due = f"It stays due {rec.due_date:%d %b %Y}." if rec.due_date else "The due date is unchanged."
    await _tell_owner(uow, rec, f"{rec.reference}: extension not agreed", due, f"Reason: {reason}")
    return f"The extension for {rec.reference} is refused; the owner is told why."


async def verify(uow: UnitOfWork, actor: Person, rec: Recommendation) -> str:
    """Close a completed item as verified."""
    rec.status = RecommendationStatus.CLOSED_VERIFIED
    rec.owner_rag = None
    await _history(uow, actor, rec, "verified", "")
    await uow.audit(actor, "recommendation.verified", rec.reference)
    replan(uow, rec)
    await _settle(uow, actor, rec, UpdateKind.DONE, f"{rec.reference} verified and closed")
    await _tell_owner(uow, rec, f"{rec.reference} is verified and closed", "Thank you.")
    return f"{rec.reference} is closed (verified)."


async def reopen(uow: UnitOfWork, actor: Person, rec: Recommendation, reason: str) -> str:
    """Send a completion back to the owner: it is not done yet."""
    rec.status = RecommendationStatus.IN_PROGRESS
    rec.unanswered_nudges = 0
    await _history(uow, actor, rec, "reopened", reason)
    await uow.audit(actor, "recommendation.reopened", rec.reference, reason=reason)
    replan(uow, rec)
    await _settle(uow, actor, rec, UpdateKind.DONE, f"{rec.reference} reopened")
    await _tell_owner(uow, rec, f"{rec.reference} is reopened", f"Reason: {reason}")
    return f"{rec.reference} is reopened; the owner is told why."


async def reassign(
    uow: UnitOfWork, actor: Person, rec: Recommendation, new_owner: Person, reason: str
) -> str:
    """Give an item to a new owner, who gets it with its buttons; the previous owner is told."""
    previous = rec.owner
    if previous is not None and previous.id == new_owner.id:
        raise ServiceError(
            f"{rec.reference} is already with {new_owner.name}; nothing was changed."
        )
    rec.owner_id, rec.owner = new_owner.id, new_owner
    rec.snoozes = rec.unanswered_nudges = 0
    rec.snoozed_until = None
    rec.owner_rag = None
    rec.last_nudged_at = uow.now
    await _history(uow, actor, rec, "reassigned", reason)
    await uow.audit(
        actor,
        "recommendation.reassigned",
        rec.reference,
        before=previous.email if previous else None,
        after=new_owner.email,
        reason=reason,
    )
    replan(uow, rec)
    for kind in (UpdateKind.NOT_MINE, UpdateKind.BLOCKED):
        await _settle(uow, actor, rec, kind, f"{rec.reference} reassigned to {new_owner.name}")
    await _hand_over(uow, rec, new_owner, f"From {actor.name}: {reason}")
    if previous is not None:
        await uow.notify(
            previous,
            Notice(
                "recommendation_decision",
                f"{rec.reference} is now with {new_owner.name}",
                (rec.title, "You will not be asked about it again."),
                rec.reference,
            ),
            dedupe_key=f"rec-unassigned:{rec.reference}:{previous.id}:{uow.now.isoformat()}",
        )
    return f"{rec.reference} is now with {new_owner.name}; they have been told."


async def change_due_date(
    uow: UnitOfWork, actor: Person, rec: Recommendation, new_due: date, reason: str
) -> str:
    """Set a new due date (counts as a move of the date); reminders and escalations follow it."""
    before = rec.due_date
    if before == new_due:
        raise ServiceError(
            f"{rec.reference} is already due {new_due:%d %b %Y}; nothing was changed."
        )
    rec.due_date = new_due
    rec.due_date_changes += 1
    rec.requested_due_date = None
    if rec.status == RecommendationStatus.EXTENSION_REQUESTED:
        rec.status = RecommendationStatus.IN_PROGRESS
    rec.escalation_level = 0
    await _history(uow, actor, rec, "due_date", reason, new_due=new_due)
    await uow.audit(
        actor,
        "recommendation.due_date",
        rec.reference,
        before=before.isoformat() if before else None,
        after=new_due.isoformat(),
        reason=reason,
    )
    replan(uow, rec)
    await _tell_owner(
        uow, rec, f"{rec.reference} is now due {new_due:%d %b %Y}", f"Reason: {reason}"
    )
    return f"{rec.reference} is now due {new_due:%d %b %Y}."


async def set_rag(
    uow: UnitOfWork, actor: Person, rec: Recommendation, rating: Rag | None, reason: str
) -> str:
    """Override the derived RAG with a reason, or clear the override (no `rating`)."""
    before = rag(rec, uow.today, uow.calendar, uow.settings.recommendation_cadence_days)
    if rating is None:
        rec.rag_override = rec.rag_override_reason = None
    else:
        rec.rag_override, rec.rag_override_reason = rating.value, reason
    after = rag(rec, uow.today, uow.calendar, uow.settings.recommendation_cadence_days)
    await _history(uow, actor, rec, "rag", reason, rating=rec.rag_override)
    await uow.audit(
        actor,
        "recommendation.rag",
        rec.reference,
        before=before.value,
        after=after.value,
        reason=reason,
    )
    if rating is None:
        return f"{rec.reference} is rated by the rules again: {after.value.upper()}."
    return f"{rec.reference} is now rated {after.value.upper()} (override: {reason})."


async def withdraw(uow: UnitOfWork, actor: Person, rec: Recommendation, reason: str) -> str:
    """Withdraw an item (with the board's approval, given as the reason); nudges stop."""
    before = rec.status
    rec.status = RecommendationStatus.WITHDRAWN
    rec.requested_due_date = None
    await _history(uow, actor, rec, "withdrawn", reason)
    await uow.audit(actor, "recommendation.withdrawn", rec.reference, before=before, reason=reason)
    replan(uow, rec)
    await _tell_owner(
        uow,
        rec,
        f"{rec.reference} is withdrawn",
        f"Reason: {reason}",
        "Nothing more is needed from you.",
    )
    return f"{rec.reference} is withdrawn."


@dataclass(frozen=True)
class NewItem:
    """A recommendation a coordinator adds in chat."""

    reference: str
    title: str
    source: str
    owner: Person
    theme: str
    owning_service: str
    due_date: date | None


async def add(
    uow: UnitOfWork, actor: Person, item: NewItem, sources: Sequence[str]
) -> Recommendation:
    """Add an item to the register; its owner is told at once and chased from then on.

    A source spelled like an existing one (any case) is filed under the existing spelling.
    """
    reference = item.reference.strip().upper()
    if await records.recommendation_by_reference(uow.session, reference) is not None:
        raise ServiceError(f"{reference} is already in the register; nothing was added.")
    source = next(
        (s for s in sources if s.lower() == item.source.strip().lower()), item.source.strip()
    )
    rec = Recommendation(
        reference=reference,
        title=item.title,
        source=source,
        theme=item.theme,
        owner_id=item.owner.id,
        owning_service=item.owning_service,
        due_date=item.due_date,
        status=RecommendationStatus.NOT_STARTED,
        last_nudged_at=uow.now,
    )
    uow.session.add(rec)
    await uow.session.flush()
    rec.owner = item.owner
    await _history(uow, actor, rec, "added", f"owner {item.owner.email}")
    await uow.audit(actor, "recommendation.added", reference, owner=item.owner.email, source=source)
    replan(uow, rec)
    await _hand_over(uow, rec, item.owner, f"Added by {actor.name} ({source}).")
    return rec


async def _hand_over(uow: UnitOfWork, rec: Recommendation, owner: Person, note: str) -> None:
    """Tell a new owner about their item, with its buttons: a one-item nudge of its own."""
    reference = await records.next_reference(uow.session, "RN", uow.today.year)
    await uow.notify(
        owner,
        Notice(
            NUDGE_KIND,
            f"You now own {rec.reference}",
            (item_line(rec, uow.today, uow.calendar), note),
            reference,
            owner_actions(rec),
        ),
        dedupe_key=f"rec-assigned:{rec.reference}:{owner.id}:{reference}",
    )
