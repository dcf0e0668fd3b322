"""What an email may say of a recommendation: its reference, owning organisation and due date."""

from __future__ import annotations

from bot.core.ports import Headline
from bot.core.unit import UnitOfWork
from storage import records


async def recommendation_headline(uow: UnitOfWork, reference: str) -> Headline | None:
    """A register item as an email may name it: the owner's organisation and the due date,
    never its title, detail or owner; None for no such item."""
    item = await records.recommendation_by_reference(uow.session, reference)
    if item is None:
        return None
    owner = item.owner
    organisation = owner.partner.name if owner is not None and owner.partner else ""
    return Headline("Recommendation", item.reference, organisation, item.due_date)
