"""What an email may say of an information request: codes, organisations and dates only."""

from __future__ import annotations

from bot.core.ports import Headline
from bot.core.unit import UnitOfWork
from storage import directory, records


async def request_headline(uow: UnitOfWork, reference: str) -> Headline | None:
    """An information request as an email may name it: the organisation asking and the deadline
    of the stage it waits in (the decision, say), never the subject, the requester or the
    answers; None for no such request."""
    request = await records.request_by_reference(uow.session, reference)
    if request is None:
        return None
    requester = await directory.person_by_id(uow.session, request.requester_id)
    organisation = requester.partner.name if requester and requester.partner else ""
    return Headline("Information request", request.reference, organisation, request.stage_due_on)
