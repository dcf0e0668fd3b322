"""Dialog sessions and the processed-event table that makes inbound retries harmless."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import insert_for, rows_affected
from storage.models import DialogSession, ProcessedEvent


async def claim_event(
    session: AsyncSession, *, platform: str, event_id: str, now: datetime
) -> bool:
    """Record that an event is being handled; False if it was already handled and committed.

    On PostgreSQL a concurrent insert of the same key waits for the other transaction: if that
    one rolls back, this one goes ahead, so a failed first attempt never swallows the retry.
    """
    result = await session.execute(
        insert_for(session, ProcessedEvent.__table__)
        .values(platform=platform, event_id=event_id, at=now)
        .on_conflict_do_nothing(index_elements=["platform", "event_id"])
    )
    return bool(rows_affected(result))


# Built once: every turn runs it, and building a statement costs more than its cached SQL.
_ACTIVE = (
    select(DialogSession)
    .where(DialogSession.address_key == bindparam("address_key"), DialogSession.active.is_(True))
    .order_by(DialogSession.id.desc())
    .limit(1)
)


async def active_session(session: AsyncSession, address_key: str) -> DialogSession | None:
    """The conversation in flight for this address, if any."""
    found = await session.scalars(_ACTIVE, {"address_key": address_key})
    return found.first()
