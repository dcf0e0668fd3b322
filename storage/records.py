"""Queries over the hub's records: references, concerns, requests and recommendations."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import insert_for
from storage.models import Concern, InformationRequest, Recommendation, ReferenceCounter


async def next_reference(session: AsyncSession, prefix: str, year: int) -> str:
    """Issue the next reference for `prefix` in `year`, such as CN-2026-0042, atomically."""
    (reference,) = await next_references(session, prefix, year, 1)
    return reference


async def next_references(session: AsyncSession, prefix: str, year: int, count: int) -> list[str]:
    """Issue the next `count` references for `prefix` in `year` at once, in order (one statement,
    for sweeps that write many notices)."""
    if count <= 0:
        return []
    statement = insert_for(session, ReferenceCounter).values(prefix=prefix, year=year, last=count)
    statement = statement.on_conflict_do_update(
        index_elements=["prefix", "year"], set_={"last": ReferenceCounter.last + count}
    ).returning(ReferenceCounter.last)
    last = (await session.execute(statement)).scalar_one()
    return [f"{prefix}-{year}-{number:04d}" for number in range(last - count + 1, last + 1)]


async def concern_by_reference(session: AsyncSession, reference: str) -> Concern | None:
    return (await session.scalars(select(Concern).where(Concern.reference == reference))).first()


async def concerns_near(
    session: AsyncSession,
    *,
    since: datetime,
    street_key: str,
    postcode_sector: str,
    box: tuple[float, float, float, float] | None,
) -> Sequence[Concern]:
    """Concerns seen since `since` on the same street or sector, or inside a lat/lon box.

    The box is (south, west, north, east); exact distances are the caller's business.
    """
    conditions = []
    if street_key:
        conditions.append(Concern.street_key == street_key)
    if postcode_sector:
        conditions.append(Concern.postcode_sector == postcode_sector)
    if box is not None:
        south, west, north, east = box
        conditions.append(
            Concern.latitude.between(south, north) & Concern.longitude.between(west, east)
        )
    if not conditions:
        return []
    rows = await session.scalars(
        select(Concern).where(Concern.seen_at >= since, or_(*conditions)).order_by(Concern.seen_at)
    )
    return list(rows)


async def reported_since_near(
    session: AsyncSession, *, since: datetime, street_key: str, postcode_sector: str
) -> Sequence[Concern]:
    """Concerns reported (not seen) since `since` on the same street or postcode sector."""
    conditions = []
    if street_key:
        conditions.append(Concern.street_key == street_key)
    if postcode_sector:
        conditions.append(Concern.postcode_sector == postcode_sector)
    if not conditions:
        return []
    rows = await session.scalars(
        select(Concern).where(Concern.created_at >= since, or_(*conditions)).order_by(Concern.id)
    )
    return list(rows)


async def concerns_by_reporter(session: AsyncSession, person_id: int) -> Sequence[Concern]:
    rows = await session.scalars(
        select(Concern).where(Concern.reporter_id == person_id).order_by(Concern.id.desc())
    )
    return list(rows)


async def request_by_reference(session: AsyncSession, reference: str) -> InformationRequest | None:
    found = await session.scalars(
        select(InformationRequest).where(InformationRequest.reference == reference)
    )
    return found.first()


async def requests_by_requester(
    session: AsyncSession, person_id: int
) -> Sequence[InformationRequest]:
    rows = await session.scalars(
        select(InformationRequest)
        .where(InformationRequest.requester_id == person_id)
        .order_by(InformationRequest.id.desc())
    )
    return list(rows)


async def recommendation_by_reference(
    session: AsyncSession, reference: str
) -> Recommendation | None:
    found = await session.scalars(
        select(Recommendation).where(func.upper(Recommendation.reference) == reference.upper())
    )
    return found.first()


async def recommendations_owned_by(
    session: AsyncSession, person_id: int
) -> Sequence[Recommendation]:
    rows = await session.scalars(
        select(Recommendation)
        .where(Recommendation.owner_id == person_id)
        .order_by(Recommendation.reference)
    )
    return list(rows)
