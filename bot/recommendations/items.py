"""Recommendations: what a register item is, when its owner is chased, and who may act on it.

The rules are DOMAIN.md section 4: statuses and their RAG rating, the reminders, update requests
and escalations of the nudge plan, the buttons an owner gets, and the checks an owner's update
or a coordinator's decision must pass. Changes to the register are in `changes`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from bot.core.calendar import WorkingCalendar
from bot.core.checks import Allowed, Refused
from bot.core.roles import Role
from bot.core.unit import UnitOfWork
from bot.recommendations.forms.manage import Change
from bot.recommendations.forms.update import UpdateKind
from dialogs.messages import NoticeAction
from storage import directory, records
from storage.models import Person, Recommendation

VIEWER_ROLES = (Role.COORDINATOR, Role.CHAIR, Role.BOARD, Role.ADMIN)


class RecommendationStatus(StrEnum):
    """Where a register item is: open (not started, in progress, blocked, more time asked),
    done and awaiting verification, or closed."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    BLOCKED = "blocked"
    EXTENSION_REQUESTED = "extension_requested"
    COMPLETED = "completed_pending_verification"
    CLOSED_VERIFIED = "closed_verified"
    HANDED_TO_SERVICE = "handed_to_service"
    WITHDRAWN = "withdrawn"


STATUS_LABELS: dict[str, str] = {
    RecommendationStatus.NOT_STARTED: "not started",
    RecommendationStatus.IN_PROGRESS: "in progress",
    RecommendationStatus.BLOCKED: "blocked",
    RecommendationStatus.EXTENSION_REQUESTED: "extension requested",
    RecommendationStatus.COMPLETED: "done, awaiting verification",
    RecommendationStatus.CLOSED_VERIFIED: "closed (verified)",
    RecommendationStatus.HANDED_TO_SERVICE: "handed to the service",
    RecommendationStatus.WITHDRAWN: "withdrawn",
}
CLOSED = frozenset(
    {
        RecommendationStatus.CLOSED_VERIFIED,
        RecommendationStatus.HANDED_TO_SERVICE,
        RecommendationStatus.WITHDRAWN,
    }
)
DONE = CLOSED | {RecommendationStatus.COMPLETED}
OPEN = frozenset(RecommendationStatus) - DONE

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
OWNER_ACTIONS: dict[str, tuple[UpdateKind, str]] = {
    DONE_ACTION: (UpdateKind.DONE, "done"),
    PROGRESS_ACTION: (UpdateKind.PROGRESS, "progress"),
    BLOCKED_ACTION: (UpdateKind.BLOCKED, "blocked"),
    NOT_MINE_ACTION: (UpdateKind.NOT_MINE, "not mine"),
    EXTENSION_ACTION: (UpdateKind.EXTENSION, "more time"),
}
APPROVE_ACTION = "recommendation.approve_extension"
REFUSE_ACTION = "recommendation.refuse_extension"
VERIFY_ACTION = "recommendation.verify"
REOPEN_ACTION = "recommendation.reopen"
REASSIGN_ACTION = "recommendation.reassign"
CHANGE_ACTION = "recommendation.change"
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
    if overdue or rec.status == RecommendationStatus.BLOCKED or rec.due_date_changes >= 2:
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
    return person.has_role(Role.COORDINATOR) or person.has_role(Role.ADMIN)


def can_view_register(person: Person) -> bool:
    """Coordinators, the chair, the board and admins see every item, not only their own."""
    return any(person.has_role(role) for role in VIEWER_ROLES)


def timing(rec: Recommendation, today: date, calendar: WorkingCalendar) -> str:
    """Where an item stands against its due date, in a few words."""
    if rec.due_date is None:
        return "no due date"
    if rec.due_date < today:
        late = calendar.working_days_between(rec.due_date, today)
        if late < 1:  # due on the last working day, read at the weekend or on a holiday
            return f"overdue (due {rec.due_date:%d %b %Y})"
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
    if rec.status == RecommendationStatus.EXTENSION_REQUESTED and rec.requested_due_date:
        status += f" (to {rec.requested_due_date:%d %b %Y}, awaiting approval)"
    return f"{rec.reference} {rec.title}: {status}, {timing(rec, today, calendar)}."


def owner_actions(rec: Recommendation, *, named: bool = True) -> tuple[NoticeAction, ...]:
    """The buttons an owner gets for one item: done, progress, blocked, not mine, more time, snooze.

    `named` labels start with the reference ("VUL-18 done"), for a nudge listing several items;
    otherwise the labels stand alone ("Done"), for the item's own page.
    """

    def labelled(label: str) -> str:
        return f"{rec.reference} {label}" if named else label.capitalize()

    buttons = [
        NoticeAction(
            action, labelled(label), rec.reference, "primary" if kind is UpdateKind.DONE else ""
        )
        for action, (kind, label) in OWNER_ACTIONS.items()
    ]
    if rec.snoozes < MAX_SNOOZES:
        buttons.append(NoticeAction(SNOOZE_ACTION, labelled("snooze a week"), rec.reference))
    return tuple(buttons)


def coordinator_actions(rec: Recommendation) -> tuple[NoticeAction, ...]:
    """A coordinator's buttons for one item as it is now: approve or refuse an extension asked
    for, verify or reopen a completion, reassign anything not closed, change it otherwise."""
    if rec.status in CLOSED:
        return ()
    ref = rec.reference
    buttons: list[NoticeAction] = []
    if rec.status == RecommendationStatus.EXTENSION_REQUESTED:
        if rec.requested_due_date is not None:
            label = f"Approve new date ({rec.requested_due_date:%d %b %Y})"
            buttons.append(NoticeAction(APPROVE_ACTION, label, ref, "primary"))
        buttons.append(NoticeAction(REFUSE_ACTION, "Refuse the extension", ref))
    if rec.status == RecommendationStatus.COMPLETED:
        buttons.append(NoticeAction(VERIFY_ACTION, "Verify and close", ref, "primary"))
        buttons.append(NoticeAction(REOPEN_ACTION, "Not done: reopen", ref))
    buttons.append(NoticeAction(REASSIGN_ACTION, "Reassign", ref))
    buttons.append(NoticeAction(CHANGE_ACTION, "Change", ref))
    return tuple(buttons)


def item_actions(rec: Recommendation, actor: Person) -> tuple[NoticeAction, ...]:
    """What `actor` may do to `rec` now: the owner's buttons while it is open and theirs, and a
    coordinator's (or admin's) buttons for its state."""
    mine = (
        owner_actions(rec, named=False) if rec.owner_id == actor.id and rec.status in OPEN else ()
    )
    return mine + (coordinator_actions(rec) if is_coordinator(actor) else ())


async def coordinators_for(uow: UnitOfWork, owner_id: int | None) -> list[Person]:
    """Who hears about an item at level 1: the coordinators other than its owner, else the chair."""
    people = [
        p
        for p in await directory.people_with_role(uow.session, Role.COORDINATOR)
        if p.id != owner_id
    ]
    return people or list(await directory.people_with_role(uow.session, Role.CHAIR))


async def chairs_for(uow: UnitOfWork, owner_id: int | None) -> list[Person]:
    """Who hears about an item at level 2: the partnership chair(s), else the coordinators."""
    people = [
        p for p in await directory.people_with_role(uow.session, Role.CHAIR) if p.id != owner_id
    ]
    return people or await coordinators_for(uow, owner_id)


async def owner_item(
    uow: UnitOfWork, owner: Person, reference: str
) -> Allowed[Recommendation] | Refused:
    """The item an owner wants to act on, or why they cannot (any more): a clear answer for a stale
    nudge about an item reassigned, closed or already marked done since."""
    rec = await records.recommendation_by_reference(uow.session, reference)
    if rec is None:
        return Refused(f"{reference[:20]} is not in the register, so nothing was changed.")
    if rec.owner_id != owner.id:
        return Refused(f"{rec.reference} is no longer yours, so nothing was changed.")
    if rec.status in CLOSED:
        return Refused(
            f"{rec.reference} is already {STATUS_LABELS[rec.status]}, so nothing was changed."
        )
    if rec.status == RecommendationStatus.COMPLETED:
        return Refused(
            f"{rec.reference} is already marked done and waits for the coordinator to verify it, "
            "so nothing was changed."
        )
    return Allowed(rec)


def snoozable(rec: Recommendation) -> Allowed[Recommendation] | Refused:
    """The item, unless its owner has used up its MAX_SNOOZES snoozes."""
    if rec.snoozes >= MAX_SNOOZES:
        return Refused(
            f"{rec.reference} has already been snoozed {MAX_SNOOZES} times; "
            "please give an update or ask for more time instead."
        )
    return Allowed(rec)


DECISIONS: dict[Change, tuple[RecommendationStatus, str]] = {
    Change.APPROVE_EXTENSION: (
        RecommendationStatus.EXTENSION_REQUESTED,
        "has no extension request waiting",
    ),
    Change.REFUSE_EXTENSION: (
        RecommendationStatus.EXTENSION_REQUESTED,
        "has no extension request waiting",
    ),
    Change.VERIFY: (RecommendationStatus.COMPLETED, "is not waiting for verification"),
    Change.REOPEN: (RecommendationStatus.COMPLETED, "is not waiting for verification"),
}
"""The decisions on an owner's request, with the status the item must be in for each."""


def decidable(
    rec: Recommendation | None, reference: str, change: Change | None
) -> Allowed[Recommendation] | Refused:
    """The item, if a coordinator's `change` (None: a change still to be chosen) can be applied
    to it as it is now; else why not."""
    if rec is None:
        return Refused(f"{reference[:20]} is not in the register, so nothing was changed.")
    if change is not None and change in DECISIONS:
        wanted, missing = DECISIONS[change]
        if rec.status != wanted:
            return Refused(
                f"{rec.reference} {missing} (it is {STATUS_LABELS.get(rec.status, rec.status)}), "
                "so nothing was changed."
            )
    elif rec.status in CLOSED:
        return Refused(
            f"{rec.reference} is already {STATUS_LABELS[rec.status]}, so nothing was changed."
        )
    return Allowed(rec)


def extension_date(rec: Recommendation) -> Allowed[date] | Refused:
    """The due date an owner asked for, or why an approval has nothing to apply."""
    if rec.requested_due_date is None:
        return Refused(
            f"{rec.reference}'s request has no new date on record; use 'change {rec.reference}' "
            "to set the due date instead."
        )
    return Allowed(rec.requested_due_date)
