"""What a Prevent manager's alert buttons, the remover's buttons and their forms do to a concern.

Every press and every confirmed form goes one way: the actor must be on the team, the concern
must exist, and the life-cycle table must allow the action from its status (checked again at
confirm, as a colleague may have closed it while the form was open). An allowed action is
recorded as an event and an audit row, shown to the reporter as a short status (never who handled
it), and replaces the alert's buttons everywhere so nobody acts on a stale copy. The remover's
answers to a removal request (removed, can't remove, not ours) go the same way through the
removal table, by the liaison officers of the partner asked or a manager.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum

from bot.core.checks import Allowed, Check, Refused, granted, refuse_form, refuse_press
from bot.core.roles import Role
from bot.core.unit import ActionHandler, ActionOutcome, Submitter, UnitOfWork
from bot.prevent import action_forms as forms
from bot.prevent.alerts import (
    ALERT_KIND,
    LABELS,
    REMOVAL_KIND,
    ack_due,
    alert_for,
    local_time,
    removal_notice,
    removal_officers,
    remover_name,
    reprioritise,
    roles_of,
    state_of,
    tell_managers,
)
from bot.prevent.answers import (
    AssignAnswers,
    CannotRemoveAnswers,
    CloseAnswers,
    DuplicateAnswers,
    NotOursAnswers,
    PriorityAnswers,
    ReferAnswers,
    RemovalAnswers,
    RemovedAnswers,
)
from bot.prevent.lifecycle import (
    NOT_A_MANAGER,
    NOT_THE_REMOVER,
    ConcernAction,
    ConcernChange,
    ConcernStatus,
    RemovalAction,
    RemovalStatus,
    RemovalStep,
    Transition,
    action_name,
    check,
    check_removal,
    may_act,
    removal_actions,
)
from dialogs.messages import ActionInput, Completed, JsonValue, Notice, Option, Outbound, Say
from storage import directory, photos, records
from storage.models import Concern, ConcernEvent, Person

HATE_GRAFFITI = "hate_graffiti"

FORM_FOR: dict[ConcernAction, str] = {
    ConcernAction.ASSIGN: forms.ASSIGN,
    ConcernAction.REFER: forms.REFER,
    ConcernAction.REQUEST_REMOVAL: forms.REMOVAL,
    ConcernAction.CHANGE_PRIORITY: forms.PRIORITY,
    ConcernAction.DUPLICATE: forms.DUPLICATE,
    ConcernAction.CLOSE: forms.CLOSE,
}
REMOVAL_FORM_FOR: dict[RemovalAction, str] = {
    RemovalAction.REMOVED: forms.REMOVED,
    RemovalAction.CANNOT_REMOVE: forms.CANNOT_REMOVE,
    RemovalAction.NOT_OURS: forms.NOT_OURS,
}


ACKNOWLEDGED = "The Community Safety team has acknowledged your report. Thank you."
ACKNOWLEDGED_AND_ASSIGNED = (
    "The Community Safety team has acknowledged your report and assigned it to one of its "
    "officers. Thank you."
)
ASSIGNED = "Your report has been assigned to an officer in the Community Safety team. Thank you."
"""The reporter is never told who handles their report (nor any other status's actor): the
officer is named to the managers only."""


class ReporterStep(StrEnum):
    """Which short status the reporter is sent; each is sent once (it names the dedupe key)."""

    ACKNOWLEDGED = "acknowledged"
    ASSIGNED = "assigned"
    REMOVAL = "removal"
    REMOVED = "removed"
    CLOSED = "closed"


async def allowed_action(
    uow: UnitOfWork, actor: Person, action: ConcernAction, reference: str
) -> Check[tuple[Concern, Transition]]:
    """The concern an action is about and the table's row for it, or why the actor may not act."""
    roles = roles_of(actor)
    if not may_act(roles):
        return Refused(NOT_A_MANAGER)
    concern = await records.concern_by_reference(uow.session, reference)
    if concern is None:
        return Refused(f"There is no concern {reference[:20]}.")
    verdict = check(state_of(concern), action, roles)
    if isinstance(verdict, Refused):
        return verdict
    return Allowed((concern, verdict.value))


async def acknowledge(uow: UnitOfWork, actor: Person, pressed: ActionInput) -> ActionOutcome:
    """Acknowledge an alert: stops escalation, tells the reporter, updates every copy."""
    allowed = await allowed_action(uow, actor, ConcernAction.ACKNOWLEDGE, pressed.reference)
    if isinstance(allowed, Refused):
        return await refuse_press(uow, actor, pressed.action, pressed.reference, allowed)
    concern, transition = allowed.value
    await _take_on(uow, concern)
    await record_change(uow, actor, concern, transition.change, {})
    return ActionOutcome([Say(f"{concern.reference} acknowledged.")])


def _form_starter(action: ConcernAction) -> ActionHandler:
    """A button that asks for the action's details in its form, once the table allows it."""

    async def start(uow: UnitOfWork, actor: Person, pressed: ActionInput) -> ActionOutcome:
        allowed = await allowed_action(uow, actor, action, pressed.reference)
        if isinstance(allowed, Refused):
            return await refuse_press(uow, actor, pressed.action, pressed.reference, allowed)
        concern, _transition = allowed.value
        return ActionOutcome(start_form=FORM_FOR[action], prefill={"reference": concern.reference})

    return start


async def _acting_on(
    uow: UnitOfWork, actor: Person, action: ConcernAction, reference: str
) -> tuple[Concern, Transition]:
    """Re-check at confirm time: the concern may have been closed while the form was open."""
    return granted(await allowed_action(uow, actor, action, reference))


async def _take_on(
    uow: UnitOfWork, concern: Concern, *, tell: bool = True, text: str = ACKNOWLEDGED
) -> None:
    """Acting on a new concern acknowledges it (its escalation stops) and tells the reporter so
    (`text`), whichever action came first: acknowledge, assign, refer or request removal."""
    if concern.status != ConcernStatus.NEW:
        return
    concern.status, concern.acknowledged_at = ConcernStatus.ACKNOWLEDGED.value, uow.now
    if tell:
        await tell_reporter(uow, concern, ReporterStep.ACKNOWLEDGED, text)


async def submit_assign(
    uow: UnitOfWork, actor: Person, answers: dict[str, JsonValue], platform: str
) -> list[Outbound]:
    form = granted(AssignAnswers.read(answers))
    concern, transition = await _acting_on(uow, actor, ConcernAction.ASSIGN, form.reference)
    assignee = await directory.person_by_email(uow.session, form.assignee)
    if assignee is None:
        refuse_form(Refused("That colleague is no longer in the directory."))
    concern.assigned_to_id = assignee.id
    if concern.status == ConcernStatus.NEW:
        await _take_on(uow, concern, text=ACKNOWLEDGED_AND_ASSIGNED)
    else:
        await tell_reporter(uow, concern, ReporterStep.ASSIGNED, ASSIGNED)
    await record_change(uow, actor, concern, transition.change, {"to": assignee.email})
    notice = await alert_for(uow, concern)
    await uow.notify(
        assignee,
        Notice(
            "concern_assigned",
            f"Assigned to you: {concern.reference}",
            notice.lines,
            concern.reference,
            notice.actions,
        ),
        dedupe_key=f"concern-assigned:{concern.reference}:{assignee.id}:{uow.now.isoformat()}",
    )
    return [Completed(concern.reference, f"{concern.reference} is assigned to {assignee.name}.")]


async def submit_duplicate(
    uow: UnitOfWork, actor: Person, answers: dict[str, JsonValue], platform: str
) -> list[Outbound]:
    form = granted(DuplicateAnswers.read(answers))
    concern, transition = await _acting_on(uow, actor, ConcernAction.DUPLICATE, form.reference)
    original = await records.concern_by_reference(uow.session, form.original)
    if original is None or original.id == concern.id:
        refuse_form(
            Refused(f"There is no other concern {form.original[:20]}; nothing was changed.")
        )
    if (original.created_at, original.id) > (concern.created_at, concern.id):
        refuse_form(
            Refused(
                f"{concern.reference} can only be a duplicate of an earlier concern, and "
                f"{original.reference} was reported after it; nothing was changed. Mark "
                f"{original.reference} as a duplicate of {concern.reference} instead."
            )
        )
    concern.status, concern.duplicate_of, concern.closed_at = (
        transition.target.value,
        original.reference,
        uow.now,
    )
    await record_change(uow, actor, concern, transition.change, {"of": original.reference})
    await tell_reporter(
        uow,
        concern,
        ReporterStep.CLOSED,
        "Your report matched one the team already has in hand. Thank you.",
    )
    return [
        Completed(
            concern.reference,
            f"{concern.reference} is marked as a duplicate of {original.reference}.",
        )
    ]


async def submit_refer(
    uow: UnitOfWork, actor: Person, answers: dict[str, JsonValue], platform: str
) -> list[Outbound]:
    form = granted(ReferAnswers.read(answers))
    concern, transition = await _acting_on(uow, actor, ConcernAction.REFER, form.reference)
    detail: dict[str, JsonValue] = {
        "to": form.referred_to.value,
        "reference": form.their_reference,
    }
    await _take_on(uow, concern)
    await record_change(uow, actor, concern, transition.change, detail)
    return [Completed(concern.reference, f"The referral of {concern.reference} is recorded.")]


async def submit_removal(
    uow: UnitOfWork, actor: Person, answers: dict[str, JsonValue], platform: str
) -> list[Outbound]:
    form = granted(RemovalAnswers.read(answers))
    concern, transition = await _acting_on(
        uow, actor, ConcernAction.REQUEST_REMOVAL, form.reference
    )
    days = 1 if concern.category == HATE_GRAFFITI else 5
    due_day = uow.calendar.add_working_days(uow.today, days)
    due = datetime.combine(due_day, uow.calendar.closes, tzinfo=uow.calendar.timezone)  # local
    concern.removal_due_at = due
    await _take_on(uow, concern, tell=False)  # told below that removal is requested
    remover = form.remover.value
    _start_removal(uow, concern, remover, due_day)
    await record_change(
        uow,
        actor,
        concern,
        transition.change,
        {"by": remover, "due": concern.removal_due_at.isoformat()},
    )
    partner = await directory.partner_by_code(uow.session, remover)
    officers = (
        await directory.people_with_role(uow.session, Role.DATA_OWNER, partner.id)
        if partner
        else []
    )
    request = Notice(
        "removal_request",
        f"Please remove: {concern.reference}",
        (
            f"What: {LABELS.get(concern.category, concern.category)}: {concern.description}",
            f"Where: {concern.location_text}",
            f"Please remove by {due:%d %b %Y %H:%M}.",
            *((f"Note: {form.note}",) if form.note else ()),
        ),
        concern.reference,
        removal_actions(concern.reference, ConcernStatus(concern.status), RemovalStatus.REQUESTED),
        photos=await photos.count_of(uow.session, concern.reference),  # to find and check it
    )
    await uow.refresh_notices(_superseded(concern), REMOVAL_KIND)
    for officer in officers:
        await uow.notify(
            officer,
            request,
            dedupe_key=f"removal:{concern.reference}:{officer.id}:{uow.now.isoformat()}",
        )
    await tell_reporter(
        uow, concern, ReporterStep.REMOVAL, "Removal has been requested for what you reported."
    )
    who = partner.name if partner else "the cleansing contractor (by your usual route)"
    return [
        Completed(
            concern.reference,
            f"Removal of {concern.reference} requested from {who}, due {due:%d %b %H:%M}.",
        )
    ]


def _start_removal(uow: UnitOfWork, concern: Concern, remover: str, due_day: date) -> None:
    """A new removal request: who is asked, and when they are reminded (the due morning)."""
    concern.removal_by, concern.removal_status = remover, RemovalStatus.REQUESTED.value
    concern.removal_requested_at, concern.removal_note = uow.now, ""
    concern.removal_remind_at = datetime.combine(
        due_day, uow.calendar.opens, tzinfo=uow.calendar.timezone
    )
    concern.removal_reminded_at = concern.removal_escalated_at = concern.removed_at = None


def _superseded(concern: Concern) -> Notice:
    """What earlier removal requests about a concern say once a manager asks again."""
    return removal_notice(
        concern, f"Replaced: {concern.reference}", "A newer request replaces this one.", live=False
    )


async def submit_priority(
    uow: UnitOfWork, actor: Person, answers: dict[str, JsonValue], platform: str
) -> list[Outbound]:
    form = granted(PriorityAnswers.read(answers))
    concern, transition = await _acting_on(
        uow, actor, ConcernAction.CHANGE_PRIORITY, form.reference
    )
    before, after = concern.priority, form.priority.label
    reprioritise(concern, after, f"changed by a manager: {form.reason}", keep_earlier=False)
    if concern.status == ConcernStatus.NEW:
        concern.ack_due_at = ack_due(uow, form.priority)
    await record_change(
        uow,
        actor,
        concern,
        transition.change,
        {"from": before, "to": after, "reason": form.reason},
    )
    return [Completed(concern.reference, f"{concern.reference} is now {after} (was {before}).")]


async def submit_close(
    uow: UnitOfWork, actor: Person, answers: dict[str, JsonValue], platform: str
) -> list[Outbound]:
    form = granted(CloseAnswers.read(answers))
    concern, transition = await _acting_on(uow, actor, ConcernAction.CLOSE, form.reference)
    concern.status, concern.outcome, concern.closed_at = (
        transition.target.value,
        form.outcome,
        uow.now,
    )
    await record_change(uow, actor, concern, transition.change, {"outcome": concern.outcome})
    await tell_reporter(
        uow,
        concern,
        ReporterStep.CLOSED,
        "The Community Safety team has dealt with your report and closed it. Thank you.",
    )
    return [Completed(concern.reference, f"{concern.reference} is closed.")]


async def record_change(
    uow: UnitOfWork,
    actor: Person,
    concern: Concern,
    change: ConcernChange,
    detail: dict[str, JsonValue],
) -> None:
    """One event, one audit row, and every copy of the alert brought up to date."""
    uow.session.add(
        ConcernEvent(
            concern_id=concern.id, actor_id=actor.id, kind=change.value, detail=detail, at=uow.now
        )
    )
    await uow.audit(actor, f"concern.{change.value}", concern.reference, **detail)
    await uow.refresh_notices(await alert_for(uow, concern), ALERT_KIND)


async def tell_reporter(uow: UnitOfWork, concern: Concern, step: ReporterStep, text: str) -> None:
    """A short status for the reporter, without saying who handled it."""
    if concern.reporter_id is None:  # anonymised under the retention schedule
        return
    reporter = await uow.session.get(Person, concern.reporter_id)
    if reporter is None:
        return
    await uow.notify(
        reporter,
        Notice("concern_status", f"Your report {concern.reference}", (text,), concern.reference),
        dedupe_key=f"concern-status:{concern.reference}:{step.value}",
    )


async def _is_remover(uow: UnitOfWork, actor: Person, concern: Concern) -> bool:
    """Whether `actor` is a liaison officer of the partner asked to remove `concern`."""
    if not (concern.removal_by and actor.partner_id and actor.has_role(Role.DATA_OWNER)):
        return False
    partner = await directory.partner_by_code(uow.session, concern.removal_by)
    return partner is not None and partner.id == actor.partner_id


async def _removal_allowed(
    uow: UnitOfWork, actor: Person, action: RemovalAction, reference: str
) -> Check[tuple[Concern, RemovalStep]]:
    """The concern a removal answer is about and the removal table's row for it, or why not.

    Someone neither asked to remove it nor a manager is told the same whether or not the
    concern exists, so references cannot be probed.
    """
    roles = roles_of(actor)
    concern = await records.concern_by_reference(uow.session, reference)
    if concern is None:
        return Refused(
            f"There is no concern {reference[:20]}." if may_act(roles) else NOT_THE_REMOVER
        )
    verdict = check_removal(
        state_of(concern), action, roles, await _is_remover(uow, actor, concern)
    )
    if isinstance(verdict, Refused):
        return verdict
    return Allowed((concern, verdict.value))


def _removal_starter(action: RemovalAction) -> ActionHandler:
    """A button on a removal request that asks for its details, once the table allows it."""

    async def start(uow: UnitOfWork, actor: Person, pressed: ActionInput) -> ActionOutcome:
        allowed = await _removal_allowed(uow, actor, action, pressed.reference)
        if isinstance(allowed, Refused):
            return await refuse_press(uow, actor, pressed.action, pressed.reference, allowed)
        concern, _step = allowed.value
        return ActionOutcome(
            start_form=REMOVAL_FORM_FOR[action], prefill={"reference": concern.reference}
        )

    return start


async def submit_removed(
    uow: UnitOfWork, actor: Person, answers: dict[str, JsonValue], platform: str
) -> list[Outbound]:
    """Removed: the reporter is told, every alert and request shows it; the concern stays open."""
    form = granted(RemovedAnswers.read(answers))
    concern, step = granted(
        await _removal_allowed(uow, actor, RemovalAction.REMOVED, form.reference)
    )
    concern.removal_status, concern.removed_at = step.target.value, uow.now
    concern.removal_note = form.note
    await record_change(uow, actor, concern, step.change, {"by": concern.removal_by or ""})
    who = await remover_name(uow, concern.removal_by)
    await uow.refresh_notices(
        removal_notice(
            concern,
            f"Removed: {concern.reference}",
            f"Recorded as removed ({who}) on {local_time(uow, uow.now)}. Thank you.",
        ),
        REMOVAL_KIND,
    )
    await tell_reporter(
        uow, concern, ReporterStep.REMOVED, "What you reported has been removed. Thank you."
    )
    return [
        Completed(
            concern.reference,
            f"Thank you: {concern.reference} is recorded as removed. The Community Safety team "
            "will close it.",
        )
    ]


async def submit_cannot_remove(
    uow: UnitOfWork, actor: Person, answers: dict[str, JsonValue], platform: str
) -> list[Outbound]:
    """Can't remove: the managers are told why at once, so they can ask someone else or close it."""
    form = granted(CannotRemoveAnswers.read(answers))
    concern, step = granted(
        await _removal_allowed(uow, actor, RemovalAction.CANNOT_REMOVE, form.reference)
    )
    concern.removal_status, concern.removal_note = step.target.value, form.reason
    await record_change(uow, actor, concern, step.change, {"by": concern.removal_by or ""})
    who = await remover_name(uow, concern.removal_by)
    said = f"{who} can't remove it: {form.reason}"
    await uow.refresh_notices(
        removal_notice(concern, f"Can't remove: {concern.reference}", said), REMOVAL_KIND
    )
    await tell_managers(
        uow,
        concern,
        "Can't remove",
        (said, "It stays open: request removal from another team, or close it."),
        f"removal-cannot:{concern.reference}:{uow.now.isoformat()}",
    )
    return [
        Completed(
            concern.reference,
            f"The Community Safety team is told you can't remove {concern.reference}, and why.",
        )
    ]


async def submit_not_ours(
    uow: UnitOfWork, actor: Person, answers: dict[str, JsonValue], platform: str
) -> list[Outbound]:
    """Not ours: the request passes to the remover chosen, with the same deadline."""
    form = granted(NotOursAnswers.read(answers))
    concern, step = granted(
        await _removal_allowed(uow, actor, RemovalAction.NOT_OURS, form.reference)
    )
    before, after = concern.removal_by or "", form.remover.value
    if after == before:
        refuse_form(Refused("Choose another team from the list; nothing was changed."))
    old, new = await remover_name(uow, before), await remover_name(uow, after)
    concern.removal_by, concern.removal_reminded_at = after, None
    await record_change(uow, actor, concern, step.change, {"from": before, "to": after})
    await uow.refresh_notices(
        removal_notice(
            concern, f"Passed on: {concern.reference}", f"{old} passed it to {new}.", live=False
        ),
        REMOVAL_KIND,
    )
    due = concern.removal_due_at
    request = removal_notice(
        concern,
        f"Please remove: {concern.reference}",
        f"{old} says it is not theirs and passed it to you.",
        *((f"Please remove by {local_time(uow, due)}.",) if due else ()),
    )
    officers = await removal_officers(uow, after)
    for officer in officers:
        await uow.notify(
            officer,
            request,
            dedupe_key=f"removal:{concern.reference}:{officer.id}:{uow.now.isoformat()}",
        )
    if not officers:
        await tell_managers(
            uow,
            concern,
            "Passed on",
            (f"{old} says it is not theirs; please ask {new} by your usual route.",),
            f"removal-passed:{concern.reference}:{uow.now.isoformat()}",
        )
    return [Completed(concern.reference, f"{concern.reference} is passed to {new}.")]


async def remover_options(
    uow: UnitOfWork, form_id: str, answers: Mapping[str, JsonValue], actor: Person
) -> dict[str, tuple[Option, ...]]:
    """Whom a removal can be passed to: the removers the manager's form offers, but the one
    asked now."""
    session = uow.session
    concern = await records.concern_by_reference(session, str(answers.get("reference") or ""))
    current = concern.removal_by if concern else None
    return {"removers": tuple(o for o in forms.REMOVERS if o.value != current)}


async def assign_options(
    uow: UnitOfWork, form_id: str, answers: Mapping[str, JsonValue], actor: Person
) -> dict[str, tuple[Option, ...]]:
    """Whom a concern can be assigned to: the Prevent managers and the actor's colleagues."""
    session = uow.session
    managers = await directory.people_with_role(session, Role.PREVENT_MANAGER)
    colleagues = (
        await directory.people_in_partner(session, actor.partner_id) if actor.partner_id else []
    )
    people = {p.email: p for p in (*managers, *colleagues) if p.in_directory}
    return {
        "colleagues": tuple(
            Option(p.email, f"{p.name} ({p.position})" if p.position else p.name)
            for p in sorted(people.values(), key=lambda p: p.name)
        )
    }


ACTIONS: dict[str, ActionHandler] = {
    action_name(ConcernAction.ACKNOWLEDGE): acknowledge,
    **{action_name(action): _form_starter(action) for action in FORM_FOR},
    **{action_name(action): _removal_starter(action) for action in REMOVAL_FORM_FOR},
}

SUBMITTERS: dict[str, Submitter] = {
    forms.ASSIGN: submit_assign,
    forms.DUPLICATE: submit_duplicate,
    forms.REFER: submit_refer,
    forms.REMOVAL: submit_removal,
    forms.PRIORITY: submit_priority,
    forms.CLOSE: submit_close,
    forms.REMOVED: submit_removed,
    forms.CANNOT_REMOVE: submit_cannot_remove,
    forms.NOT_OURS: submit_not_ours,
}
