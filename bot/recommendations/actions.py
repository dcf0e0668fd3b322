"""Buttons and forms of the recommendations register: owners answer nudges, coordinators decide.

Owner buttons (done, progress, blocked, not mine, more time) open the update form with the item
filled in; snooze acts at once. Coordinator buttons approve an extension or verify a completion at
once, or open the change form for a reason (refuse, reopen) or a new owner (reassign). Every press
and every confirm re-checks who is acting and the item's state now: a reply about an item that was
reassigned or closed since gets a clear answer, changes nothing, and is audited.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.unit import ActionHandler, ActionOutcome, ServiceError, Submitter, UnitOfWork, refuse
from bot.recommendations import nudges
from bot.recommendations.forms import add as recommendation_add
from bot.recommendations.forms import manage as recommendation_manage
from bot.recommendations.forms import update as recommendation_update
from bot.recommendations.items import (
    APPROVE_ACTION,
    CLOSED,
    DONE,
    OWNER_ACTIONS,
    REASSIGN_ACTION,
    REFUSE_ACTION,
    REOPEN_ACTION,
    SNOOZE_ACTION,
    STATUS_LABELS,
    VERIFY_ACTION,
    NewItem,
    Rag,
    add,
    approve_extension,
    change_due_date,
    decision_problem,
    is_coordinator,
    owner_problem,
    rag,
    reassign,
    record_update,
    refuse_extension,
    reopen,
    set_rag,
    snooze,
    verify,
    withdraw,
)
from dialogs.messages import ActionInput, Completed, JsonValue, Option, Outbound, Say
from storage import directory, records, register
from storage.models import Person

NOT_A_COORDINATOR = "Only a partnership coordinator can do that; nothing was changed."


def _owner_handler(kind: str) -> ActionHandler:
    async def start(uow: UnitOfWork, actor: Person, pressed: ActionInput) -> ActionOutcome:
        rec, problem = await owner_problem(uow, actor, pressed.reference)
        if rec is None or problem:
            return await refuse(uow, actor, pressed.action, pressed.reference[:20], problem)
        return ActionOutcome(
            start_form=recommendation_update.FORM_ID,
            prefill={"recommendation": rec.reference, "action": kind},
        )

    return start


async def press_snooze(uow: UnitOfWork, actor: Person, pressed: ActionInput) -> ActionOutcome:
    """Snooze one item for a week, at once."""
    rec, problem = await owner_problem(uow, actor, pressed.reference)
    if rec is None or problem:
        return await refuse(uow, actor, pressed.action, pressed.reference[:20], problem)
    try:
        until = await snooze(uow, actor, rec)
    except ServiceError as refused:
        return await refuse(uow, actor, pressed.action, rec.reference, str(refused))
    await nudges.settle_nudges(uow, rec, actor.id, f"snoozed until {until:%d %b}")
    left = 2 - rec.snoozes
    more = f"You can snooze it {left} more time." if left else "That was its last snooze."
    return ActionOutcome(
        [Say(f"{rec.reference} is snoozed: I'll ask again on {until:%a %d %b}. {more}")]
    )


async def _coordinator_item(
    uow: UnitOfWork, actor: Person, action: str, reference: str, change: str
) -> ActionOutcome | None:
    """None when the coordinator may make `change` now; else the refusal (audited)."""
    if not is_coordinator(actor):
        return await refuse(uow, actor, action, reference[:20], NOT_A_COORDINATOR)
    rec = await records.recommendation_by_reference(uow.session, reference)
    problem = decision_problem(rec, reference, change)
    if problem:
        return await refuse(uow, actor, action, reference[:20], problem)
    return None


async def press_approve(uow: UnitOfWork, actor: Person, pressed: ActionInput) -> ActionOutcome:
    """Approve an extension request at once."""
    refused = await _coordinator_item(
        uow, actor, pressed.action, pressed.reference, "approve_extension"
    )
    if refused is not None:
        return refused
    rec = await records.recommendation_by_reference(uow.session, pressed.reference)
    assert rec is not None
    try:
        return ActionOutcome([Say(await approve_extension(uow, actor, rec))])
    except ServiceError as error:
        return await refuse(uow, actor, pressed.action, rec.reference, str(error))


async def press_verify(uow: UnitOfWork, actor: Person, pressed: ActionInput) -> ActionOutcome:
    """Verify a completion at once: the item is closed."""
    refused = await _coordinator_item(uow, actor, pressed.action, pressed.reference, "verify")
    if refused is not None:
        return refused
    rec = await records.recommendation_by_reference(uow.session, pressed.reference)
    assert rec is not None
    owner_id = rec.owner_id
    said = await verify(uow, actor, rec)
    if owner_id is not None:
        await nudges.settle_nudges(uow, rec, owner_id, STATUS_LABELS[rec.status])
    return ActionOutcome([Say(said)])


def _form_handler(change: str) -> ActionHandler:
    async def start(uow: UnitOfWork, actor: Person, pressed: ActionInput) -> ActionOutcome:
        refused = await _coordinator_item(uow, actor, pressed.action, pressed.reference, change)
        if refused is not None:
            return refused
        return ActionOutcome(
            start_form=recommendation_manage.FORM_ID,
            prefill={"recommendation": pressed.reference.upper(), "change": change},
        )

    return start


async def submit_update(
    uow: UnitOfWork, actor: Person, answers: dict[str, JsonValue], platform: str
) -> list[Outbound]:
    """An owner's update, checked again at confirm time (the item may have moved on meanwhile)."""
    reference = str(answers.get("recommendation") or "")
    rec, problem = await owner_problem(uow, actor, reference)
    if rec is None or problem:
        return (await refuse(uow, actor, "recommendation.update", reference[:20], problem)).replies
    action = str(answers["action"])
    rec = await record_update(uow, actor, answers)
    await nudges.settle_nudges(uow, rec, actor.id, nudges.outcome_text(rec))
    if action == "not_mine":
        text = f"Thanks. {rec.reference} goes back to the coordinators to find its owner."
    else:
        text = f"Thanks. {rec.reference} is now {STATUS_LABELS[rec.status]}."
    if action == "progress" and answers.get("rag"):
        rating = rag(rec, uow.today, uow.calendar, uow.settings.recommendation_cadence_days)
        text += f" It is rated {rating.value.upper()}."
        if rating != Rag(str(answers["rag"])):
            text += " (The rules rate it worse than you did, so their rating stands.)"
    if action == "extension":
        text += " The coordinators will approve or refuse the new date."
    return [Completed(rec.reference, text)]


async def submit_change(
    uow: UnitOfWork, actor: Person, answers: dict[str, JsonValue], platform: str
) -> list[Outbound]:
    """A coordinator's change to one item, checked against the item's state now."""
    reference = str(answers.get("recommendation") or "")
    change = str(answers["change"])
    refused = await _coordinator_item(uow, actor, f"recommendation.{change}", reference, change)
    if refused is not None:
        return refused.replies
    rec = await records.recommendation_by_reference(uow.session, reference)
    assert rec is not None
    reason = str(answers.get("reason") or "")
    owner_id = rec.owner_id
    if change == "reassign":
        new_owner = await directory.person_by_email(uow.session, str(answers["new_owner"]))
        if new_owner is None:
            raise ServiceError("That person is no longer in the directory; nothing was changed.")
        said = await reassign(uow, actor, rec, new_owner, reason)
    elif change == "due_date":
        said = await change_due_date(
            uow, actor, rec, date.fromisoformat(str(answers["new_due"])), reason
        )
    elif change == "rag":
        said = await set_rag(uow, actor, rec, str(answers["rag"]), reason)
    elif change == "withdraw":
        said = await withdraw(uow, actor, rec, reason)
    elif change == "approve_extension":
        said = await approve_extension(uow, actor, rec)
    elif change == "refuse_extension":
        said = await refuse_extension(uow, actor, rec, reason)
    elif change == "verify":
        said = await verify(uow, actor, rec)
    else:
        said = await reopen(uow, actor, rec, reason)
    if owner_id is not None and (change in ("withdraw", "verify") or rec.owner_id != owner_id):
        outcome = (
            f"now with {rec.owner.name}" if rec.owner and rec.owner_id != owner_id else None
        ) or STATUS_LABELS[rec.status]
        await nudges.settle_nudges(uow, rec, owner_id, outcome)
    return [Completed(rec.reference, said)]


async def submit_new(
    uow: UnitOfWork, actor: Person, answers: dict[str, JsonValue], platform: str
) -> list[Outbound]:
    """A coordinator adds an item; its owner is told at once."""
    reference = str(answers.get("reference") or "").strip().upper()
    if not is_coordinator(actor):
        return (
            await refuse(uow, actor, "recommendation.add", reference[:20], NOT_A_COORDINATOR)
        ).replies
    owner = await directory.person_by_email(uow.session, str(answers["owner"]))
    if owner is None:
        raise ServiceError("That owner is no longer in the directory; nothing was added.")
    due = answers.get("due_date")
    rec = await add(
        uow,
        actor,
        NewItem(
            reference=reference,
            title=str(answers["title"]),
            source=str(answers["source"]),
            owner=owner,
            theme=str(answers["theme"]),
            owning_service=str(answers.get("owning_service") or ""),
            due_date=date.fromisoformat(str(due)) if due else None,
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
    session: AsyncSession, form_id: str, answers: Mapping[str, JsonValue], actor: Person
) -> dict[str, tuple[Option, ...]]:
    """Run-time choices of the register's forms: the owner's open items, the register's open
    items, and people from the directory."""
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
        people = await directory.people_with_role(session, "staff")
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
    REFUSE_ACTION: _form_handler("refuse_extension"),
    REOPEN_ACTION: _form_handler("reopen"),
    REASSIGN_ACTION: _form_handler("reassign"),
}

SUBMITTERS: dict[str, Submitter] = {
    recommendation_update.FORM_ID: submit_update,
    recommendation_manage.FORM_ID: submit_change,
    recommendation_add.FORM_ID: submit_new,
}
