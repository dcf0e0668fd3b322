"""Photos kept in the hub: stored with their draft, linked to the record it became, shown."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import rows_affected
from storage.models import DialogSession, Photo


async def link(
    session: AsyncSession, ids: Sequence[int], person_id: int, reference: str
) -> list[Photo]:
    """Give `reference` the photos `ids` that `person_id` uploaded and no record has yet (a
    photo id named by someone else's answers links nothing); the photos linked, in id order."""
    if not ids:
        return []
    await session.execute(
        update(Photo)
        .where(Photo.id.in_(ids), Photo.person_id == person_id, Photo.record_reference == "")
        .values(record_reference=reference)
    )
    return await photos_of(session, reference)


async def photos_of(session: AsyncSession, reference: str) -> list[Photo]:
    """The photos of a record, in the order they were uploaded."""
    found = await session.scalars(
        select(Photo).where(Photo.record_reference == reference).order_by(Photo.id)
    )
    return list(found)


async def count_of(session: AsyncSession, reference: str) -> int:
    """How many photos a record has."""
    found = await session.scalar(
        select(func.count(Photo.id)).where(Photo.record_reference == reference)
    )
    return int(found or 0)


async def delete_unrecorded(session: AsyncSession, session_id: int) -> int:
    """The photos of a draft that ended without a record."""
    due = (Photo.session_id == session_id) & (Photo.record_reference == "")
    return rows_affected(await session.execute(delete(Photo).where(due)))


async def delete_abandoned(session: AsyncSession, cutoff: datetime, *, apply: bool) -> int:
    """Photos uploaded before `cutoff` that belong to no record and to no draft in progress."""
    live = select(DialogSession.id).where(DialogSession.active).scalar_subquery()
    due = (
        (Photo.record_reference == "")
        & (Photo.created_at < cutoff)
        & (Photo.session_id.is_(None) | Photo.session_id.not_in(live))
    )
    if not apply:
        return len((await session.scalars(select(Photo.id).where(due))).all())
    return rows_affected(await session.execute(delete(Photo).where(due)))
