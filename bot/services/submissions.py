"""What confirming each form does: one domain action per form id."""

from __future__ import annotations

from bot.services.concerns import record_concern
from bot.services.recommendations import STATUS_LABELS, record_update
from bot.services.requests import UnknownPartner, record_request
from bot.services.unit import ServiceError, UnitOfWork
from dialogs.forms import concern, info_request, organisation, recommendation_update
from dialogs.messages import Completed, JsonValue, Outbound, Say
from storage import directory
from storage.models import Person


async def submit(
    uow: UnitOfWork, actor: Person, form_id: str, answers: dict[str, JsonValue], platform: str
) -> list[Outbound]:
    """Record a confirmed form and say what happened; ServiceError when it cannot be recorded."""
    if form_id == concern.FORM_ID:
        recorded = await record_concern(uow, actor, answers, platform=platform)
        result = recorded.triage
        follow_up = (
            "The Prevent / Community Safety manager has been alerted now."
            if result.priority.value <= 1
            else "The Prevent / Community Safety team will review it."
        )
        return [
            Completed(
                recorded.concern.reference,
                f"Thank you. Your concern is recorded as {recorded.concern.reference}. "
                f"{result.explanation}. {follow_up}",
            )
        ]
    if form_id == info_request.FORM_ID:
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
    if form_id == recommendation_update.FORM_ID:
        rec = await record_update(uow, actor, answers)
        return [
            Completed(rec.reference, f"Thanks. {rec.reference} is now {STATUS_LABELS[rec.status]}.")
        ]
    if form_id == organisation.FORM_ID:
        code = str(answers["organisation"])
        partner = (
            None
            if code == organisation.OTHER
            else await directory.partner_by_code(uow.session, code)
        )
        actor.partner_id = partner.id if partner else None
        await uow.audit(actor, "person.organisation", "", organisation=code)
        return [Say(f"Thanks, noted: {partner.name if partner else 'another organisation'}.")]
    raise ServiceError("That form can no longer be submitted.")
