"""What confirming each form does: one submitter per form id, each a domain action.

A submitter writes its record, audit rows and outbox messages in the turn's transaction and returns
what to tell the user; it raises ServiceError (nothing is written) when the action is not allowed.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.core.unit import ServiceError, Submitter, UnitOfWork
from bot.directory import forms as organisation
from bot.prevent import alerts
from bot.prevent import area as prevent
from bot.prevent import forms as concern
from bot.prevent.concerns import record_concern
from bot.recommendations import actions as recommendation_actions
from bot.sharing import actions as sharing
from bot.sharing import forms as info_request
from bot.sharing.requests import UnknownPartner, record_request
from dialogs.messages import Completed, JsonValue, Outbound, Say
from storage import directory
from storage.models import AuditEntry, Person

ORGANISATION_ANSWERED = "person.organisation"
ORGANISATION_KNOWN = (
    "Your organisation is already on record, so nothing was changed. The partnership "
    "coordinator can correct it in the directory."
)


async def submit_concern(
    uow: UnitOfWork, actor: Person, answers: dict[str, JsonValue], platform: str
) -> list[Outbound]:
    """Record a concern and tell the reporter its reference and priority."""
    recorded = await record_concern(uow, actor, answers, platform=platform)
    result = recorded.triage
    follow_up = (
        "The Prevent / Community Safety manager has been alerted now."
        if result.priority.value <= 1
        else "The Prevent / Community Safety team will review it."
    )
    reference = recorded.concern.reference
    return [
        Completed(
            reference,
            f"Thank you. Your concern is recorded as {reference}. {result.explanation}. {follow_up}",
        )
    ]


async def submit_request(
    uow: UnitOfWork, actor: Person, answers: dict[str, JsonValue], platform: str
) -> list[Outbound]:
    """Send an information request to the partner and tell the requester the deadlines."""
    try:
        request = await record_request(uow, actor, answers)
    except UnknownPartner as error:
        raise ServiceError(
            "That partner is no longer in the directory; please start again."
        ) from error
    return [
        Completed(
            request.reference,
            f"Your request is sent to {request.partner.name} as {request.reference}. They should "
            f"acknowledge it by {request.acknowledge_by:%d %b} and decide by "
            f"{request.decide_by:%d %b %Y}. The data owner decides whether to share.",
        )
    ]


async def submit_organisation(
    uow: UnitOfWork, actor: Person, answers: dict[str, JsonValue], platform: str
) -> list[Outbound]:
    """Record which organisation someone outside the directory works for, once.

    Checked again at confirm: someone in the directory has their organisation from it, and an
    answer already given stands, so nobody can move themselves to another partner (and into
    its roles, such as reviewing its refusals).
    """
    answered = await uow.session.scalar(
        select(AuditEntry.id)
        .where(AuditEntry.actor == actor.email, AuditEntry.action == ORGANISATION_ANSWERED)
        .limit(1)
    )
    if actor.in_directory or actor.partner_id is not None or answered is not None:
        raise ServiceError(ORGANISATION_KNOWN)
    code = str(answers["organisation"])
    partner = (
        None if code == organisation.OTHER else await directory.partner_by_code(uow.session, code)
    )
    actor.partner_id = partner.id if partner else None
    await uow.audit(actor, ORGANISATION_ANSWERED, "", organisation=code)
    return [Say(f"Thanks, noted: {partner.name if partner else 'another organisation'}.")]


SUBMITTERS: dict[str, Submitter] = {
    concern.FORM_ID: submit_concern,
    info_request.FORM_ID: submit_request,
    organisation.FORM_ID: submit_organisation,
    **alerts.SUBMITTERS,
    **prevent.SUBMITTERS,
    **recommendation_actions.SUBMITTERS,
    **sharing.SUBMITTERS,
}


async def submit(
    uow: UnitOfWork, actor: Person, form_id: str, answers: dict[str, JsonValue], platform: str
) -> list[Outbound]:
    """Record a confirmed form and say what happened; ServiceError when it cannot be recorded."""
    submitter = SUBMITTERS.get(form_id)
    if submitter is None:
        raise ServiceError("That form can no longer be submitted.")
    return await submitter(uow, actor, answers, platform)
