"""Recommendations: statuses, RAG, the nudge cadence, and every change to the register.

The rules are DOMAIN.md section 4. Owners change their own items (progress, done, blocked, not
mine, extension, snooze); coordinators decide (approve or refuse extensions, verify or reopen
completions) and manage the register (add, reassign, change the due date, set the RAG, withdraw).
Every change writes a history row and an audit row, re-plans the item's next nudge, and tells the
people concerned through the outbox, all in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from bot.core.calendar import WorkingCalendar
from bot.core.unit import ServiceError, UnitOfWork
from dialogs.messages import JsonValue, Notice, NoticeAction
from storage import directory, records
from storage.models import Person, Recommendation, RecommendationUpdate

COORDINATOR_ROLE = "coordinator"
CHAIR_ROLE = "chair"
VIEWER_ROLES = ("coordinator", "chair", "board", "admin")
CLOSED = {"closed_verified", "handed_to_service", "withdrawn"}
DONE = CLOSED | {"completed_pending_verification"}
STATUS_LABELS = {
    "not_started": "not started",
    "in_progress": "in progress",
    "blocked": "blocked",
    "extension_requested": "extension requested",
    "completed_pending_verification": "done, awaiting verification",
    "closed_verified": "closed (verified)",
    "handed_to_service": "handed to the service",
    "withdrawn": "withdrawn",
}
OPEN = frozenset(STATUS_LABELS) - DONE

REMINDER_DAYS = (10, 5)
OVERDUE_EVERY_DAYS = 5
ESCALATION_DAYS = ((1, 5), (2, 20))
MAX_UNANSWERED = 3
MAX_SNOOZES = 2
SNOOZE_DAYS = 5
GROUPING_DAYS = 5

DONE_ACTION = "recommendation.done"
PROGRESS_ACTION = "recommendation.progress"
BLOCKED_ACTION = "recommendation.blocked"
NOT_MINE_ACTION = "recommendation.not_mine"
EXTENSION_ACTION = "recommendation.extension"
SNOOZE_ACTION = "recommendation.snooze"
OWNER_ACTIONS = {
    DONE_ACTION: ("done", "done"),
    PROGRESS_ACTION: ("progress", "progress"),
    BLOCKED_ACTION: ("blocked", "blocked"),
    NOT_MINE_ACTION: ("not_mine", "not mine"),
    EXTENSION_ACTION: ("extension", "more time"),
}
APPROVE_ACTION = "recommendation.approve_extension"
REFUSE_ACTION = "recommendation.refuse_extension"
VERIFY_ACTION = "recommendation.verify"
REOPEN_ACTION = "recommendation.reopen"
REASSIGN_ACTION = "recommendation.reassign"
NUDGE_KIND = "recommendation_nudge"


class Rag(StrEnum):
    """Red, amber, green, and blue for closed."""

    BLUE = "blue"
    RED = "red"
    AMBER = "amber"
    GREEN = "green"


SEVERITY = {Rag.BLUE: 0, Rag.GREEN: 1, Rag.AMBER: 2, Rag.RED: 3}


def rag(rec: Recommendation, today: date, calendar: WorkingCalendar, cadence_days: int) -> Rag:
    """The RAG rating of DOMAIN.md section 4, unless a coordinator overrode it.

    An owner's own rating counts when it is worse than the derived one: an owner can raise a
    flag early, but cannot turn an overdue item green.
    """
    if rec.rag_override:
        return Rag(rec.rag_override)
    if rec.status in CLOSED:
        return Rag.BLUE
    derived = _derived(rec, today, calendar, cadence_days)
    if rec.owner_rag and rec.status not in DONE:
        return max(derived, Rag(rec.owner_rag), key=SEVERITY.__getitem__)
    return derived


def _derived(rec: Recommendation, today: date, calendar: WorkingCalendar, cadence: int) -> Rag:
    if rec.status in DONE:
        return Rag.GREEN
    overdue = rec.due_date is not None and rec.due_date < today
    if overdue or rec.status == "blocked" or rec.due_date_changes >= 2:
        return Rag.RED
    if rec.due_date is not None and calendar.working_days_between(today, rec.due_date) <= 10:
        return Rag.AMBER
    last = calendar.local(rec.last_update_at).date() if rec.last_update_at else None
    if last is None or calendar.working_days_between(last, today) > cadence:
        return Rag.AMBER
    return Rag.GREEN


@dataclass(frozen=True)
class OwnerNudge:
    """The day an owner is next due a nudge about an item (in the past: send at once).

    `update_only` when the reason is the regular update request rather than a date reminder, so
    the item may join an owner's grouped nudge a few days early.
    """

    day: date
    update_only: bool


def _day(moment: datetime | None, calendar: WorkingCalendar) -> date | None:
    return calendar.local(moment).date() if moment else None


def owner_nudge(
    rec: Recommendation,
    today: date,
    calendar: WorkingCalendar,
    cadence_days: int,
    *,
    capped: bool = True,
) -> OwnerNudge | None:
    """When the owner should next hear about `rec`: reminders 10 and 5 working days before the due
    date and on it, every 5 working days while overdue, an update request `cadence_days` after the
    last contact (waiting for a reminder due within GROUPING_DAYS after it), never twice on one
    day, not while snoozed, and not after MAX_UNANSWERED nudges without an answer (unless `capped`
    is False: when the silence itself is due to escalate)."""
    if rec.owner_id is None or rec.status not in OPEN:
        return None
    if capped and rec.unanswered_nudges >= MAX_UNANSWERED:
        return None
    last = _day(rec.last_nudged_at, calendar)
    contacts = [d for d in (last, _day(rec.last_update_at, calendar)) if d is not None]
    update = calendar.add_working_days(max(contacts), cadence_days) if contacts else today
    reminders: list[date] = []
    if rec.due_date is not None:
        due = rec.due_date
        reminders = [calendar.add_working_days(due, -n) for n in REMINDER_DAYS]
        reminders.append(
            due if calendar.is_working_day(due) else calendar.add_working_days(due, -1)
        )
        after = last if last is not None and last > due else due
        periods = calendar.working_days_between(due, after) // OVERDUE_EVERY_DAYS + 1
        reminders.append(calendar.add_working_days(due, OVERDUE_EVERY_DAYS * periods))
    pending = [d for d in reminders if last is None or d > last]
    reminder = min(pending, default=None)
    if reminder is not None and reminder <= calendar.add_working_days(update, GROUPING_DAYS):
        day, update_only = reminder, False
    else:
        day, update_only = update, True
    snoozed = _day(rec.snoozed_until, calendar)
    if snoozed is not None and day < snoozed:
        day = snoozed
    return OwnerNudge(day, update_only)


def escalation_steps(
    rec: Recommendation, today: date, calendar: WorkingCalendar, cadence_days: int
) -> list[tuple[date, int]]:
    """The days `rec` reaches each escalation level it has not reached yet.

    Level 1 (the coordinators) at 5 working days overdue, or when the owner has let
    MAX_UNANSWERED nudges pass and the next one is due; level 2 (the chair) at 20 working days
    overdue.
    """
    if rec.status not in OPEN:
        return []
    steps: list[tuple[date, int]] = []
    if rec.due_date is not None:
        steps.extend(
            (calendar.add_working_days(rec.due_date, days), level)
            for level, days in ESCALATION_DAYS
            if rec.escalation_level < level
        )
    if rec.escalation_level < 1 and rec.unanswered_nudges >= MAX_UNANSWERED:
        silent = owner_nudge(rec, today, calendar, cadence_days, capped=False)
        if silent is not None:
            steps.append((silent.day, 1))
    return steps


def escalation_target(
    rec: Recommendation, today: date, calendar: WorkingCalendar, cadence_days: int
) -> int:
    """The escalation level `rec` should be at today (never lower than it is)."""
    reached = [
        level for day, level in escalation_steps(rec, today, calendar, cadence_days) if day <= today
    ]
    return max([rec.escalation_level, *reached])


def next_nudge_at(
    rec: Recommendation, now: datetime, calendar: WorkingCalendar, cadence_days: int
) -> datetime | None:
    """The next moment the sweep must look at `rec`: office opening on the day of its next nudge
    or escalation, or the next office moment when that day has come. None when nothing is left."""
    today = calendar.local(now).date()
    nudge = owner_nudge(rec, today, calendar, cadence_days)
    days = [day for day, _level in escalation_steps(rec, today, calendar, cadence_days)]
    if nudge is not None:
        days.append(nudge.day)
    if not days:
        return None
    opening = datetime.combine(max(min(days), today), calendar.opens, tzinfo=calendar.timezone)
    return calendar.next_office_moment(max(opening, now))


def replan(uow: UnitOfWork, rec: Recommendation) -> None:
    """Store when the sweep must next look at `rec`, after any change to it."""
    rec.next_nudge_at = next_nudge_at(
        rec, uow.now, uow.calendar, uow.settings.recommendation_cadence_days
    )


def is_coordinator(person: Person) -> bool:
    """Coordinators (and admins) manage the register and decide on owners' requests."""
    return person.has_role(COORDINATOR_ROLE) or person.has_role("admin")


def can_view_register(person: Person) -> bool:
    """Coordinators, the chair, the board and admins see every item, not only their own."""
    return any(person.has_role(role) for role in VIEWER_ROLES)


def timing(rec: Recommendation, today: date, calendar: WorkingCalendar) -> str:
    """Where an item stands against its due date, in a few words."""
    if rec.due_date is None:
        return "no due date"
    if rec.due_date < today:
        late = calendar.working_days_between(rec.due_date, today)
        return (
            f"overdue by {late} working day{'s' if late != 1 else ''} (due {rec.due_date:%d %b %Y})"
        )
    if rec.due_date == today:
        return "due today"
    left = calendar.working_days_between(today, rec.due_date)
    return f"due in {left} working day{'s' if left != 1 else ''} ({rec.due_date:%d %b %Y})"


def item_line(rec: Recommendation, today: date, calendar: WorkingCalendar) -> str:
    """One item in a notice: reference, title, status and timing. It starts with the reference."""
    status = STATUS_LABELS.get(rec.status, rec.status)
    if rec.status == "extension_requested" and rec.requested_due_date:
        status += f" (to {rec.requested_due_date:%d %b %Y}, awaiting approval)"
    return f"{rec.reference} {rec.title}: {status}, {timing(rec, today, calendar)}."


def owner_actions(rec: Recommendation) -> tuple[NoticeAction, ...]:
    """The buttons an owner gets for one item: done, progress, blocked, not mine, more time, snooze."""
    buttons = [
        NoticeAction(
            action, f"{rec.reference} {label}", rec.reference, "primary" if kind == "done" else ""
        )
        for action, (kind, label) in OWNER_ACTIONS.items()
    ]
    if rec.snoozes < MAX_SNOOZES:
        buttons.append(NoticeAction(SNOOZE_ACTION, f"{rec.reference} snooze a week", rec.reference))
    return tuple(buttons)


async def owner_problem(
    uow: UnitOfWork, owner: Person, reference: str
) -> tuple[Recommendation | None, str]:
    """The item an owner wants to act on, or why they cannot (any more): a clear answer for a stale
    nudge about an item reassigned, closed or already marked done since."""
    rec = await records.recommendation_by_reference(uow.session, reference)
    shown = reference[:20]
    if rec is None:
        return None, f"{shown} is not in the register, so nothing was changed."
    if rec.owner_id != owner.id:
        return rec, f"{rec.reference} is no longer yours, so nothing was changed."
    if rec.status in CLOSED:
        return rec, (
            f"{rec.reference} is already {STATUS_LABELS[rec.status]}, so nothing was changed."
        )
    if rec.status == "completed_pending_verification":
        return rec, (
            f"{rec.reference} is already marked done and waits for the coordinator to verify it, "
            "so nothing was changed."
        )
    return rec, ""


NEW_STATUS = {
    "progress": "in_progress",
    "done": "completed_pending_verification",
    "blocked": "blocked",
    "extension": "extension_requested",
}


async def record_update(
    uow: UnitOfWork, owner: Person, answers: dict[str, JsonValue]
) -> Recommendation:
    """Apply an owner's update; only the current owner may update an open recommendation.

    Not mine hands the item back to the coordinators for reassignment; a second extension request
    also goes to the chair.
    """
    rec, problem = await owner_problem(uow, owner, str(answers["recommendation"]))
    if rec is None or problem:
        raise ServiceError(problem)
    action = str(answers["action"])
    note = str(answers.get("note") or "")
    new_due = date.fromisoformat(str(answers["new_due"])) if answers.get("new_due") else None
    if action == "extension" and (new_due is None or (rec.due_date and new_due <= rec.due_date)):
        raise ServiceError(
            f"The new date must be after the current due date ({rec.due_date:%d %b %Y}); "
            "nothing was changed."
            if rec.due_date
            else "Please give the new date you propose; nothing was changed."
        )
    before = rec.status
    if action == "not_mine":
        rec.owner_id = None
        rec.owner = None
    else:
        rec.status = NEW_STATUS[action]
    if action == "extension":
        rec.requested_due_date = new_due
    if action in ("progress", "done"):
        rec.owner_rag = _optional(answers.get("rag"))
    rec.last_update_at = uow.now
    rec.unanswered_nudges = 0
    uow.session.add(
        RecommendationUpdate(
            recommendation_id=rec.id,
            author_id=owner.id,
            kind=action,
            note=note,
            new_status=rec.status,
            new_due_date=new_due,
            rag=_optional(answers.get("rag")),
            at=uow.now,
        )
    )
    await uow.audit(
        owner,
        f"recommendation.{action}",
        rec.reference,
        before=before,
        after=rec.status,
        new_due=new_due.isoformat() if new_due else None,
    )
    replan(uow, rec)
    if action in ("done", "blocked", "extension", "not_mine"):
        await _tell_coordinators(uow, rec, owner, action, note, new_due)
    return rec


def _optional(value: JsonValue) -> str | None:
    return str(value) if value else None


async def snooze(uow: UnitOfWork, owner: Person, rec: Recommendation) -> date:
    """Put off the owner's nudges about `rec` for a week (at most MAX_SNOOZES times).

    Escalations still follow the due date: a snooze delays reminders, not the deadline.
    """
    if rec.snoozes >= MAX_SNOOZES:
        raise ServiceError(
            f"{rec.reference} has already been snoozed {MAX_SNOOZES} times; "
            "please give an update or ask for more time instead."
        )
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


async def coordinators_for(uow: UnitOfWork, owner_id: int | None) -> list[Person]:
    """Who hears about an item at level 1: the coordinators other than its owner, else the chair."""
    people = [
        p
        for p in await directory.people_with_role(uow.session, COORDINATOR_ROLE)
        if p.id != owner_id
    ]
    return people or list(await directory.people_with_role(uow.session, CHAIR_ROLE))


async def chairs_for(uow: UnitOfWork, owner_id: int | None) -> list[Person]:
    """Who hears about an item at level 2: the partnership chair(s), else the coordinators."""
    people = [
        p for p in await directory.people_with_role(uow.session, CHAIR_ROLE) if p.id != owner_id
    ]
    return people or await coordinators_for(uow, owner_id)


HEADLINES = {
    "done": "marked done: please verify",
    "blocked": "is blocked",
    "not_mine": "needs a new owner",
    "extension": "needs more time",
}


def coordinator_notice(
    rec: Recommendation, owner: Person, action: str, note: str, new_due: date | None
) -> Notice:
    """What coordinators get when an owner marks an item done, blocked, not mine or asks for time."""
    headline = HEADLINES[action]
    if action == "extension" and new_due:
        headline += f": new date {new_due:%d %b %Y}"
    buttons: tuple[NoticeAction, ...] = ()
    if action == "done":
        buttons = (
            NoticeAction(VERIFY_ACTION, "Verify and close", rec.reference, "primary"),
            NoticeAction(REOPEN_ACTION, "Not done: reopen", rec.reference),
        )
    elif action == "extension":
        buttons = (
            NoticeAction(APPROVE_ACTION, "Approve new date", rec.reference, "primary"),
            NoticeAction(REFUSE_ACTION, "Refuse", rec.reference),
        )
    elif action in ("not_mine", "blocked"):
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
    action: str,
    note: str,
    new_due: date | None,
) -> None:
    notice = coordinator_notice(rec, owner, action, note, new_due)
    stamp = uow.now.isoformat()
    for coordinator in await coordinators_for(uow, owner.id):
        await uow.notify(
            coordinator, notice, dedupe_key=f"rec-{action}:{rec.reference}:{coordinator.id}:{stamp}"
        )
    if action == "extension" and rec.due_date_changes >= 1:
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
    uow: UnitOfWork, actor: Person, rec: Recommendation, kind: str, title: str
) -> None:
    """Replace every coordinator's copy of the `kind` notice, so its buttons cannot be pressed twice."""
    await uow.refresh_notices(
        Notice(f"recommendation_{kind}", title, (rec.title, f"By {actor.name}."), rec.reference),
        f"recommendation_{kind}",
    )


def decision_problem(rec: Recommendation | None, reference: str, change: str) -> str:
    """Why a coordinator's decision cannot be applied to the item as it is now ('' when it can)."""
    if rec is None:
        return f"{reference[:20]} is not in the register, so nothing was changed."
    needs = {
        "approve_extension": ("extension_requested", "has no extension request waiting"),
        "refuse_extension": ("extension_requested", "has no extension request waiting"),
        "verify": ("completed_pending_verification", "is not waiting for verification"),
        "reopen": ("completed_pending_verification", "is not waiting for verification"),
    }
    if change in needs:
        wanted, missing = needs[change]
        if rec.status != wanted:
            return (
                f"{rec.reference} {missing} (it is {STATUS_LABELS.get(rec.status, rec.status)}), "
                "so nothing was changed."
            )
    elif rec.status in CLOSED:
        return f"{rec.reference} is already {STATUS_LABELS[rec.status]}, so nothing was changed."
    return ""


async def approve_extension(uow: UnitOfWork, actor: Person, rec: Recommendation) -> str:
    """Move the due date to the one the owner asked for; the escalation clock starts again."""
    new_due = rec.requested_due_date
    if new_due is None:
        raise ServiceError(
            f"{rec.reference}'s request has no new date on record; use 'change {rec.reference}' "
            "to set the due date instead."
        )
    before = rec.due_date
    rec.due_date, rec.requested_due_date = new_due, None
    rec.due_date_changes += 1
    rec.status = "in_progress"
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
        uow, actor, rec, "extension", f"{rec.reference}: new date {new_due:%d %b %Y} approved"
    )
    await _tell_owner(
        uow, rec, f"{rec.reference}: your new date is approved", f"Now due {new_due:%d %b %Y}."
    )
    return f"{rec.reference} is now due {new_due:%d %b %Y}."


async def refuse_extension(uow: UnitOfWork, actor: Person, rec: Recommendation, reason: str) -> str:
    """Keep the due date; the owner is told why."""
    rec.requested_due_date = None
    rec.status = "in_progress"
    await _history(uow, actor, rec, "extension_refused", reason)
    await uow.audit(actor, "recommendation.extension_refused", rec.reference, reason=reason)
    replan(uow, rec)
    await _settle(uow, actor, rec, "extension", f"{rec.reference}: extension refused")
    due = f"It stays due {rec.due_date:%d %b %Y}." if rec.due_date else "The due date is unchanged."
    await _tell_owner(uow, rec, f"{rec.reference}: extension not agreed", due, f"Reason: {reason}")
    return f"The extension for {rec.reference} is refused; the owner is told why."


async def verify(uow: UnitOfWork, actor: Person, rec: Recommendation) -> str:
    """Close a completed item as verified."""
    rec.status = "closed_verified"
    rec.owner_rag = None
    await _history(uow, actor, rec, "verified", "")
    await uow.audit(actor, "recommendation.verified", rec.reference)
    replan(uow, rec)
    await _settle(uow, actor, rec, "done", f"{rec.reference} verified and closed")
    await _tell_owner(uow, rec, f"{rec.reference} is verified and closed", "Thank you.")
    return f"{rec.reference} is closed (verified)."


async def reopen(uow: UnitOfWork, actor: Person, rec: Recommendation, reason: str) -> str:
    """Send a completion back to the owner: it is not done yet."""
    rec.status = "in_progress"
    rec.unanswered_nudges = 0
    await _history(uow, actor, rec, "reopened", reason)
    await uow.audit(actor, "recommendation.reopened", rec.reference, reason=reason)
    replan(uow, rec)
    await _settle(uow, actor, rec, "done", f"{rec.reference} reopened")
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
    for kind in ("not_mine", "blocked"):
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
    if rec.status == "extension_requested":
        rec.status = "in_progress"
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
    uow: UnitOfWork, actor: Person, rec: Recommendation, rating: str, reason: str
) -> str:
    """Override the derived RAG with a reason, or clear the override ('derived')."""
    before = rag(rec, uow.today, uow.calendar, uow.settings.recommendation_cadence_days)
    if rating == "derived":
        rec.rag_override = rec.rag_override_reason = None
    else:
        rec.rag_override, rec.rag_override_reason = Rag(rating).value, reason
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
    if rating == "derived":
        return f"{rec.reference} is rated by the rules again: {after.value.upper()}."
    return f"{rec.reference} is now rated {after.value.upper()} (override: {reason})."


async def withdraw(uow: UnitOfWork, actor: Person, rec: Recommendation, reason: str) -> str:
    """Withdraw an item (with the board's approval, given as the reason); nudges stop."""
    before = rec.status
    rec.status = "withdrawn"
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
        status="not_started",
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
