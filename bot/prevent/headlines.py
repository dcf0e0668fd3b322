"""What an email may say of a visual-audit concern: its reference and removal date only."""

from __future__ import annotations

from bot.core.ports import Headline
from bot.core.unit import UnitOfWork
from bot.prevent.lifecycle import RemovalStatus
from storage import records


async def concern_headline(uow: UnitOfWork, reference: str) -> Headline | None:
    """A concern as an email may name it: the date a requested removal is due, never what was
    seen, where, or who reported it; None for no such concern."""
    concern = await records.concern_by_reference(uow.session, reference)
    if concern is None:
        return None
    due = (
        uow.calendar.local(concern.removal_due_at).date()
        if concern.removal_due_at is not None
        and concern.removal_status == RemovalStatus.REQUESTED.value
        else None
    )
    return Headline("Visual-audit concern", concern.reference, "", due)
