"""Queries over the recommendations register: claiming due owners, history, reports, notices.

Claiming works per owner so that one owner's due items always travel in one grouped nudge: the
owners' directory rows are locked with SKIP LOCKED on PostgreSQL (a replica skips owners another
one is nudging), then their items are locked FOR UPDATE so a concurrent owner reply waits and then
fails its version check instead of being overwritten. SQLite runs write transactions one at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import claimable
from storage.models import (
    OutboxMessage,
    Person,
    Recommendation,
    RecommendationUpdate,
    ReportSnapshot,
)


async def claim_due_owners(session: AsyncSession, now: datetime, limit: int) -> list[int]:
    """Lock up to `limit` owners with an item due by `now`; owners locked elsewhere are skipped."""
    due = await session.scalars(
        select(Recommendation.owner_id)
        .where(Recommendation.next_nudge_at <= now, Recommendation.owner_id.is_not(None))
        .group_by(Recommendation.owner_id)
        .order_by(Recommendation.owner_id)
        .limit(limit)
    )
    candidates = [owner for owner in due if owner is not None]
    if not candidates:
        return []
    locked = await session.scalars(
        claimable(session, select(Person.id).where(Person.id.in_(candidates)).order_by(Person.id))
    )
    return list(locked)


async def items_of(
    session: AsyncSession, owner_ids: Sequence[int], statuses: Iterable[str]
) -> list[Recommendation]:
    """The items of these owners in `statuses` or still scheduled, locked until the transaction
    ends (a scheduled item in another status is one whose schedule must be cleared)."""
    if not owner_ids:
        return []
    rows = await session.scalars(
        select(Recommendation)
        .where(
            Recommendation.owner_id.in_(owner_ids),
            or_(
                Recommendation.status.in_(list(statuses)),
                Recommendation.next_nudge_at.is_not(None),
            ),
        )
        .order_by(Recommendation.owner_id, Recommendation.due_date, Recommendation.reference)
        .with_for_update(of=Recommendation)
    )
    return list(rows.unique())


async def claim_unowned_due(
    session: AsyncSession, now: datetime, limit: int
) -> list[Recommendation]:
    """Due items without an owner (escalations only), locked; rows locked elsewhere are skipped."""
    ids = list(
        await session.scalars(
            claimable(
                session,
                select(Recommendation.id)
                .where(Recommendation.next_nudge_at <= now, Recommendation.owner_id.is_(None))
                .order_by(Recommendation.id)
                .limit(limit),
            )
        )
    )
    if not ids:
        return []
    rows = await session.scalars(
        select(Recommendation).where(Recommendation.id.in_(ids)).order_by(Recommendation.reference)
    )
    return list(rows.unique())


async def all_items(session: AsyncSession) -> list[Recommendation]:
    """Every item of the register, by source and reference."""
    rows = await session.scalars(
        select(Recommendation).order_by(Recommendation.source, Recommendation.reference)
    )
    return list(rows.unique())


async def sources(session: AsyncSession) -> list[str]:
    """The distinct sources (workshops, reviews) in the register."""
    rows = await session.scalars(
        select(Recommendation.source).distinct().order_by(Recommendation.source)
    )
    return list(rows)


async def latest_updates(
    session: AsyncSession, recommendation_ids: Sequence[int]
) -> dict[int, RecommendationUpdate]:
    """The newest history entry with a note, per item, for "the owner's latest explanation"."""
    if not recommendation_ids:
        return {}
    rows = await session.scalars(
        select(RecommendationUpdate)
        .where(
            RecommendationUpdate.recommendation_id.in_(recommendation_ids),
            RecommendationUpdate.note != "",
        )
        .order_by(RecommendationUpdate.at, RecommendationUpdate.id)
    )
    return {row.recommendation_id: row for row in rows}


async def last_snapshot(session: AsyncSession, kind: str) -> ReportSnapshot | None:
    """The most recent report snapshot of `kind`."""
    found = await session.scalars(
        select(ReportSnapshot)
        .where(ReportSnapshot.kind == kind)
        .order_by(ReportSnapshot.taken_at.desc(), ReportSnapshot.id.desc())
        .limit(1)
    )
    return found.first()


async def notices_to(
    session: AsyncSession, recipient_id: int, kinds: Sequence[str], limit: int
) -> list[OutboxMessage]:
    """The newest outbox messages of `kinds` for one person, newest first."""
    rows = await session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.recipient_id == recipient_id, OutboxMessage.kind.in_(list(kinds)))
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    return list(rows)


async def history(
    session: AsyncSession, recommendation_id: int, limit: int
) -> list[tuple[RecommendationUpdate, str]]:
    """The newest `limit` entries of one item's history, oldest first, each with its author's
    name ("" for the system)."""
    rows = await session.execute(
        select(RecommendationUpdate, Person.name)
        .outerjoin(Person, Person.id == RecommendationUpdate.author_id)
        .where(RecommendationUpdate.recommendation_id == recommendation_id)
        .order_by(RecommendationUpdate.at.desc(), RecommendationUpdate.id.desc())
        .limit(limit)
    )
    return [(update, name or "") for update, name in reversed(rows.all())]
