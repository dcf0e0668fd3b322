"""Buttons and forms of the recommendations register: owners answer nudges, coordinators decide.

Owner buttons (done, progress, blocked, not mine, more time) open the update form with the item
filled in; snooze acts at once. Coordinator buttons approve an extension or verify a completion at
once, or open the change form for a reason (refuse, reopen) or a new owner (reassign). Every press
and every confirm re-checks who is acting and the item's state now: a reply about an item that was
reassigned or closed since gets a clear answer, changes nothing, and is audited.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.checks import Allowed, Refused, refuse_press, refused
from bot.core.roles import Role
from bot.core.unit import ActionHandler, ActionOutcome, ServiceError, Submitter, UnitOfWork
from bot.recommendations import nudges
from bot.recommendations.answers import (
    UNKNOWN_ANSWER,
    add_answers,
    change_answers,
    update_answers,
)
from bot.recommendations.changes import (
    NewItem,
    add,
    approve_extension,
    change_due_date,
    reassign,
    record_update,
    refuse_extension,
    reopen,
    set_rag,
    snooze,
    verify,
    withdraw,
)
from bot.recommendations.forms import add as recommendation_add
from bot.recommendations.forms import manage as recommendation_manage
from bot.recommendations.forms import update as recommendation_update
from bot.recommendations.forms.manage import Change
from bot.recommendations.forms.update import UpdateKind
from bot.recommendations.items import (
    APPROVE_ACTION,
    CHANGE_ACTION,
    CLOSED,
    DONE,
    MAX_SNOOZES,
    OWNER_ACTIONS,
    REASSIGN_ACTION,
    REFUSE_ACTION,
    REOPEN_ACTION,
    SNOOZE_ACTION,
    STATUS_LABELS,
    VERIFY_ACTION,
    decidable,
    extension_date,
    is_coordinator,
    owner_item,
    rag,
    snoozable,
)
from dialogs.messages import ActionInput, Completed, JsonValue, Option, Outbound, Say
from storage import directory, records, register
from storage.models import Person, Recommendation

NOT_A_COORDINATOR = "Only a partnership coordinator can do that; nothing was changed."


def _owner_handler(kind: UpdateKind) -> ActionHandler:
    async def start(uow: UnitOfWork, actor: Person, pressed: ActionInput) -> ActionOutcome:
        item = await owner_item(uow, actor, pressed.reference)
        if isinstance(item, Refused):
            return await refuse_press(uow, actor, pressed.action, pressed.reference[:20], item)
        return ActionOutcome(
            start_form=recommendation_update.FORM_ID,
            prefill={"recommendation": item.value.reference, "action": kind.value},
        )

    return start


async def press_snooze(uow: UnitOfWork, actor: Person, pressed: ActionInput) -> ActionOutcome:
    """Snooze one item for a week, at once."""
    item = await owner_item(uow, actor, pressed.reference)
    if isinstance(item, Refused):
        return await refuse_press(uow, actor, pressed.action, pressed.reference[:20], item)
    rec = item.value
    allowed = snoozable(rec)
    if isinstance(allowed, Refused):
        return await refuse_press(uow, actor, pressed.action, rec.reference, allowed)
    until = await snooze(uow, actor, rec)
    await nudges.settle_nudges(uow, rec, actor.id, f"snoozed until {until:%d %b}")
    left = MAX_SNOOZES - rec.snoozes
    more = f"You can snooze it {left} more time." if left else "That was its last snooze."
    return ActionOutcome(
        [Say(f"{rec.reference} is snoozed: I'll ask again on {until:%a %d %b}. {more}")]
    )


async def _coordinator_item(
    uow: UnitOfWork, actor: Person, reference: str, change: Change | None
) -> Allowed[Recommendation] | Refused:
    """The item, when the actor is a coordinator who may make `change` to it now."""
    if not is_coordinator(actor):
        return Refused(NOT_A_COORDINATOR)
    rec = await records.recommendation_by_reference(uow.session, reference)
    return decidable(rec, reference, change)


async def press_approve(uow: UnitOfWork, actor: Person, pressed: ActionInput) -> ActionOutcome:
    """Approve an extension request at once."""
    item = await _coordinator_item(uow, actor, pressed.reference, Change.APPROVE_EXTENSION)
    if isinstance(item, Refused):
        return await refuse_press(uow, actor, pressed.action, pressed.reference[:20], item)
    rec = item.value
    new_due = extension_date(rec)
    if isinstance(new_due, Refused):
        return await refuse_press(uow, actor, pressed.action, rec.reference, new_due)
    return ActionOutcome([Say(await approve_extension(uow, actor, rec, new_due.value))])


async def press_verify(uow: UnitOfWork, actor: Person, pressed: ActionInput) -> ActionOutcome:
    """Verify a completion at once: the item is closed."""
    item = await _coordinator_item(uow, actor, pressed.reference, Change.VERIFY)
    if isinstance(item, Refused):
        return await refuse_press(uow, actor, pressed.action, pressed.reference[:20], item)
    rec = item.value
    owner_id = rec.owner_id
    said = await verify(uow, actor, rec)
    if owner_id is not None:
        await nudges.settle_nudges(uow, rec, owner_id, STATUS_LABELS[rec.status])
    return ActionOutcome([Say(said)])


def _form_handler(change: Change | None) -> ActionHandler:
    """Open the change form about the pressed item, with `change` filled in (None: the
    coordinator chooses it)."""

    async def start(uow: UnitOfWork, actor: Person, pressed: ActionInput) -> ActionOutcome:
        item = await _coordinator_item(uow, actor, pressed.reference, change)
        if isinstance(item, Refused):
            return await refuse_press(uow, actor, pressed.action, pressed.reference[:20], item)
        prefill: dict[str, JsonValue] = {"recommendation": item.value.reference}
        if change is not None:
            prefill["change"] = change.value
        return ActionOutcome(start_form=recommendation_manage.FORM_ID, prefill=prefill)

    return start


async def submit_update(
    uow: UnitOfWork, actor: Person, answers: dict[str, JsonValue], platform: str
) -> list[Outbound]:
    """An owner's update, checked again at confirm time (the item may have moved on meanwhile)."""
    update = update_answers(answers)
    reference = update.recommendation
    item = await owner_item(uow, actor, reference)
    if isinstance(item, Refused):
        return [Say(await refused(uow, actor, "recommendation.update", reference[:20], item))]
    rec = await record_update(uow, actor, item.value, update)
    await nudges.settle_nudges(uow, rec, actor.id, nudges.outcome_text(rec))
    if update.kind is UpdateKind.NOT_MINE:
        text = f"Thanks. {rec.reference} goes back to the coordinators to find its owner."
    else:
        text = f"Thanks. {rec.reference} is now {STATUS_LABELS[rec.status]}."
    if update.kind is UpdateKind.PROGRESS and update.rating is not None:
        rating = rag(rec, uow.today, uow.calendar, uow.settings.recommendation_cadence_days)
        text += f" It is rated {rating.value.upper()}."
        if rating != update.rating:
            text += " (The rules rate it worse than you did, so their rating stands.)"
    if update.kind is UpdateKind.EXTENSION:
        text += " The coordinators will approve or refuse the new date."
    return [Completed(rec.reference, text)]


async def submit_change(
    uow: UnitOfWork, actor: Person, answers: dict[str, JsonValue], platform: str
) -> list[Outbound]:
    """A coordinator's change to one item, checked against the item's state now."""
    form = change_answers(answers)
    reference, change, reason = form.recommendation, form.change, form.reason
    item = await _coordinator_item(uow, actor, reference, change)
    if isinstance(item, Refused):
        return [Say(await refused(uow, actor, f"recommendation.{change}", reference[:20], item))]
    rec = item.value
    owner_id = rec.owner_id
    match change:
        case Change.REASSIGN:
            new_owner = await directory.person_by_email(uow.session, form.new_owner)
            if new_owner is None:
                raise ServiceError(
                    "That person is no longer in the directory; nothing was changed."
                )
            said = await reassign(uow, actor, rec, new_owner, reason)
        case Change.DUE_DATE if form.new_due is not None:
            said = await change_due_date(uow, actor, rec, form.new_due, reason)
        case Change.RAG:
            said = await set_rag(uow, actor, rec, form.rating, reason)
        case Change.WITHDRAW:
            said = await withdraw(uow, actor, rec, reason)
        case Change.APPROVE_EXTENSION:
            new_due = extension_date(rec)
            if isinstance(new_due, Refused):
                raise ServiceError(new_due.reason)
            said = await approve_extension(uow, actor, rec, new_due.value)
        case Change.REFUSE_EXTENSION:
            said = await refuse_extension(uow, actor, rec, reason)
        case Change.VERIFY:
            said = await verify(uow, actor, rec)
        case Change.REOPEN:
            said = await reopen(uow, actor, rec, reason)
        case _:
            raise ServiceError(UNKNOWN_ANSWER)
    if owner_id is not None and (
        change in (Change.WITHDRAW, Change.VERIFY) or rec.owner_id != owner_id
    ):
        outcome = (
            f"now with {rec.owner.name}" if rec.owner and rec.owner_id != owner_id else None
        ) or STATUS_LABELS[rec.status]
        await nudges.settle_nudges(uow, rec, owner_id, outcome)
    return [Completed(rec.reference, said)]


async def submit_new(
    uow: UnitOfWork, actor: Person, answers: dict[str, JsonValue], platform: str
) -> list[Outbound]:
    """A coordinator adds an item; its owner is told at once."""
    form = add_answers(answers)
    if not is_coordinator(actor):
        refusal = Refused(NOT_A_COORDINATOR)
        return [Say(await refused(uow, actor, "recommendation.add", form.reference[:20], refusal))]
    owner = await directory.person_by_email(uow.session, form.owner)
    if owner is None:
        raise ServiceError("That owner is no longer in the directory; nothing was added.")
    rec = await add(
        uow,
        actor,
        NewItem(
            reference=form.reference,
            title=form.title,
            source=form.source,
            owner=owner,
            theme=form.theme,
            owning_service=form.owning_service,
            due_date=form.due_date,
        ),
        await register.sources(uow.session),
    )
    return [
        Completed(
            rec.reference,
            f"{rec.reference} is in the register ({rec.source}) and {owner.name} has been told.",
        )
    ]


async def form_options(
    uow: UnitOfWork, form_id: str, answers: Mapping[str, JsonValue], actor: Person
) -> dict[str, tuple[Option, ...]]:
    """Run-time choices of the register's forms: the owner's open items, the register's open
    items, and people from the directory."""
    session = uow.session
    options: dict[str, tuple[Option, ...]] = {}
    if form_id == recommendation_update.FORM_ID:
        owned = await records.recommendations_owned_by(session, actor.id)
        options["my_recommendations"] = tuple(
            Option(r.reference, f"{r.reference} {r.title}") for r in owned if r.status not in DONE
        )
    if form_id == recommendation_manage.FORM_ID:
        items = await register.all_items(session)
        options["register"] = tuple(
            Option(rec.reference, f"{rec.reference} {rec.title}")
            for rec in items
            if rec.status not in CLOSED or rec.reference == answers.get("recommendation")
        )
    if form_id in (recommendation_manage.FORM_ID, recommendation_add.FORM_ID):
        people = await directory.people_with_role(session, Role.STAFF)
        options["people"] = tuple(
            Option(p.email, f"{p.name} ({p.position})" if p.position else p.name)
            for p in people
            if p.in_directory
        )
    return options


ACTIONS: dict[str, ActionHandler] = {
    **{action: _owner_handler(kind) for action, (kind, _label) in OWNER_ACTIONS.items()},
    SNOOZE_ACTION: press_snooze,
    APPROVE_ACTION: press_approve,
    VERIFY_ACTION: press_verify,
    REFUSE_ACTION: _form_handler(Change.REFUSE_EXTENSION),
    REOPEN_ACTION: _form_handler(Change.REOPEN),
    REASSIGN_ACTION: _form_handler(Change.REASSIGN),
    CHANGE_ACTION: _form_handler(None),
}

SUBMITTERS: dict[str, Submitter] = {
    recommendation_update.FORM_ID: submit_update,
    recommendation_manage.FORM_ID: submit_change,
    recommendation_add.FORM_ID: submit_new,
}
