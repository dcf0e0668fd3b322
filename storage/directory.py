"""People, partners and sharing agreements: who is who, and who may be asked for what."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from storage.dialect import insert_for
from storage.models import (
    CatalogueEntry,
    ChannelAddress,
    Concern,
    InformationRequest,
    Partner,
    Person,
    PersonRole,
    Recommendation,
    SharingAgreement,
)


async def person_by_email(session: AsyncSession, email: str) -> Person | None:
    """The person with this email, case-insensitively (roles loaded in the same query)."""
    found = await session.scalars(
        select(Person)
        .options(joinedload(Person.roles))
        .where(func.lower(Person.email) == email.lower())
    )
    return found.unique().first()


# Every turn starts with one of these: built once (building a statement costs more than its
# cached SQL), with the roles in the same query rather than a second round trip.
_BY_PLATFORM_ID = {
    platform: select(Person).options(joinedload(Person.roles)).where(column == bindparam("user_id"))
    for platform, column in (("slack", Person.slack_user_id), ("teams", Person.teams_aad_id))
}


async def person_by_platform_id(
    session: AsyncSession, platform: str, user_id: str
) -> Person | None:
    """The person linked to a Slack user id or a Teams AAD object id."""
    statement = _BY_PLATFORM_ID["slack" if platform == "slack" else "teams"]
    found = await session.scalars(statement, {"user_id": user_id})
    return found.unique().first()


async def people_with_role(
    session: AsyncSession, role: str, partner_id: int | None = None
) -> Sequence[Person]:
    """Everyone holding `role` (for `partner_id` when given), by name."""
    query = select(Person).join(PersonRole).where(PersonRole.role == role)
    if partner_id is not None:
        query = query.where(PersonRole.partner_id == partner_id)
    found = await session.scalars(query.order_by(Person.name))
    return list(found.unique())


async def people_in_partner(session: AsyncSession, partner_id: int) -> Sequence[Person]:
    """Everyone in the directory who works for a partner, by name."""
    found = await session.scalars(
        select(Person).where(Person.partner_id == partner_id).order_by(Person.name)
    )
    return list(found)


async def everyone(session: AsyncSession) -> Sequence[Person]:
    """Every person, with their organisation and roles, by name (the administrator's list)."""
    return list(await session.scalars(select(Person).order_by(Person.name, Person.email)))


async def person_by_id(session: AsyncSession, person_id: int) -> Person | None:
    found: Person | None = await session.get(Person, person_id)
    return found


async def held_by(
    session: AsyncSession,
    person_id: int,
    *,
    concerns_open: Collection[str],
    requests_done: Collection[str],
    recommendations_done: Collection[str],
) -> tuple[Sequence[Concern], Sequence[InformationRequest], Sequence[Recommendation]]:
    """What a person still holds: concerns assigned to them whose status is in `concerns_open`,
    and the requests they made and recommendations they own not yet done."""
    concerns = await session.scalars(
        select(Concern)
        .where(Concern.assigned_to_id == person_id, Concern.status.in_(sorted(concerns_open)))
        .order_by(Concern.reference)
    )
    requests = await session.scalars(
        select(InformationRequest)
        .where(
            InformationRequest.requester_id == person_id,
            InformationRequest.status.not_in(sorted(requests_done)),
        )
        .order_by(InformationRequest.reference)
    )
    recommendations = await session.scalars(
        select(Recommendation)
        .where(
            Recommendation.owner_id == person_id,
            Recommendation.status.not_in(sorted(recommendations_done)),
        )
        .order_by(Recommendation.reference)
    )
    return list(concerns), list(requests), list(recommendations)


async def partners(session: AsyncSession) -> Sequence[Partner]:
    """Every partner, by name."""
    return list(await session.scalars(select(Partner).order_by(Partner.name)))


async def partner_by_code(session: AsyncSession, code: str) -> Partner | None:
    found = await session.scalars(select(Partner).where(func.upper(Partner.code) == code.upper()))
    return found.first()


async def catalogue(session: AsyncSession) -> dict[int, list[CatalogueEntry]]:
    """Every partner's data catalogue, by partner id, each in category order."""
    rows = await session.scalars(
        select(CatalogueEntry).order_by(CatalogueEntry.partner_id, CatalogueEntry.category)
    )
    found: dict[int, list[CatalogueEntry]] = {}
    for row in rows:
        found.setdefault(row.partner_id, []).append(row)
    return found


async def agreement_by_reference(session: AsyncSession, reference: str) -> SharingAgreement | None:
    found: SharingAgreement | None = await session.scalar(
        select(SharingAgreement).where(SharingAgreement.reference == reference)
    )
    return found


async def agreements_for(session: AsyncSession, partner_code: str) -> Sequence[SharingAgreement]:
    """Sharing agreements that name this partner as a party."""
    rows = await session.scalars(select(SharingAgreement).order_by(SharingAgreement.title))
    return [a for a in rows if partner_code.upper() in (p.upper() for p in a.parties)]


async def save_channel_address(
    session: AsyncSession,
    *,
    person_id: int,
    platform: str,
    reference: dict[str, Any],
    now: datetime,
) -> None:
    """Remember how to reach a person on a platform (the newest reference wins)."""
    statement = insert_for(session, ChannelAddress).values(
        person_id=person_id, platform=platform, reference=reference, updated_at=now
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["person_id", "platform"],
            set_={"reference": statement.excluded.reference, "updated_at": now},
        )
    )


async def channel_addresses(session: AsyncSession, person_id: int) -> dict[str, dict[str, Any]]:
    """Every stored platform address of a person, by platform."""
    rows = await session.scalars(
        select(ChannelAddress).where(ChannelAddress.person_id == person_id)
    )
    return {row.platform: row.reference for row in rows}


async def references_on(session: AsyncSession, platform: str) -> Sequence[dict[str, Any]]:
    """Every stored address on one platform (a scan: only rare lookups by conversation use it)."""
    rows = await session.scalars(
        select(ChannelAddress.reference).where(ChannelAddress.platform == platform)
    )
    return rows.all()
