"""Queries behind the information-sharing life cycle: decisions, challenges, steps, due rows.

Sweeps claim their rows with `claimable` (FOR UPDATE SKIP LOCKED on PostgreSQL), so two replicas
ticking at once never act on the same request or agreement twice.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import claimable
from storage.models import (
    Challenge,
    InformationRequest,
    Person,
    PersonRole,
    RequestDecision,
    RequestEvent,
    SharingAgreement,
)


async def challenges_of(session: AsyncSession, request_id: int) -> Sequence[Challenge]:
    """Every challenge raised against a request, oldest first (one per level reached)."""
    rows = await session.scalars(
        select(Challenge).where(Challenge.request_id == request_id).order_by(Challenge.id)
    )
    return list(rows)


async def decisions_of_request(session: AsyncSession, request_id: int) -> Sequence[RequestDecision]:
    """Every decision record of a request, oldest first: the last is the one in force."""
    rows = await session.scalars(
        select(RequestDecision)
        .where(RequestDecision.request_id == request_id)
        .order_by(RequestDecision.id)
    )
    return list(rows)


async def events_of(
    session: AsyncSession, request_ids: Collection[int]
) -> dict[int, list[RequestEvent]]:
    """The steps of each request, oldest first, by request id."""
    found: dict[int, list[RequestEvent]] = {i: [] for i in request_ids}
    if not request_ids:
        return found
    rows = await session.scalars(
        select(RequestEvent)
        .where(RequestEvent.request_id.in_(list(request_ids)))
        .order_by(RequestEvent.id)
    )
    for row in rows:
        found[row.request_id].append(row)
    return found


async def last_event_id(session: AsyncSession, request_id: int) -> int:
    """The id of a request's newest step (0 when it has none)."""
    found = await session.scalar(
        select(RequestEvent.id)
        .where(RequestEvent.request_id == request_id)
        .order_by(RequestEvent.id.desc())
        .limit(1)
    )
    return int(found or 0)


async def claim_due_requests(
    session: AsyncSession, now: datetime, limit: int
) -> Sequence[InformationRequest]:
    """Requests whose next reminder or lapse is due, locked against other sweeps.

    The ids are claimed first (a row lock cannot cover the partner joined to a request), then
    the requests are loaded: this transaction holds their locks until it ends.
    """
    order = (InformationRequest.next_nudge_at, InformationRequest.id)
    query = (
        select(InformationRequest.id)
        .where(InformationRequest.next_nudge_at <= now)
        .order_by(*order)
        .limit(limit)
    )
    ids = list(await session.scalars(claimable(session, query)))
    if not ids:
        return []
    rows = await session.scalars(
        select(InformationRequest).where(InformationRequest.id.in_(ids)).order_by(*order)
    )
    return list(rows)


async def claim_agreements_past_review(
    session: AsyncSession, today: date, limit: int
) -> Sequence[SharingAgreement]:
    """Agreements past their review date, locked; the caller skips those already flagged."""
    query = (
        select(SharingAgreement)
        .where(SharingAgreement.review_date < today)
        .order_by(SharingAgreement.review_date, SharingAgreement.id)
        .limit(limit)
    )
    return list(await session.scalars(claimable(session, query)))


async def requests_active_since(
    session: AsyncSession, since: datetime
) -> Sequence[InformationRequest]:
    """Requests with any step at or after `since`, oldest reference first."""
    touched = select(RequestEvent.request_id).where(RequestEvent.at >= since)
    rows = await session.scalars(
        select(InformationRequest)
        .where((InformationRequest.submitted_at >= since) | InformationRequest.id.in_(touched))
        .order_by(InformationRequest.id)
    )
    return list(rows)


async def requests_not_in(
    session: AsyncSession, statuses: Collection[str]
) -> Sequence[InformationRequest]:
    """Requests whose status is not one of `statuses` (the open ones, given the final ones)."""
    rows = await session.scalars(
        select(InformationRequest)
        .where(InformationRequest.status.not_in(list(statuses)))
        .order_by(InformationRequest.id)
    )
    return list(rows)


async def requests_submitted_before(
    session: AsyncSession, end: datetime
) -> Sequence[InformationRequest]:
    """Every request submitted before `end`, oldest first."""
    rows = await session.scalars(
        select(InformationRequest)
        .where(InformationRequest.submitted_at < end)
        .order_by(InformationRequest.id)
    )
    return list(rows)


async def decision_histories(
    session: AsyncSession, request_ids: Collection[int]
) -> dict[int, list[RequestDecision]]:
    """Every decision record of each request, oldest first (the last in force), by request id."""
    found: dict[int, list[RequestDecision]] = {i: [] for i in request_ids}
    if not request_ids:
        return found
    rows = await session.scalars(
        select(RequestDecision)
        .where(RequestDecision.request_id.in_(list(request_ids)))
        .order_by(RequestDecision.id)
    )
    for row in rows:
        found[row.request_id].append(row)
    return found


async def challenges_for(
    session: AsyncSession, request_ids: Collection[int]
) -> dict[int, list[Challenge]]:
    """The challenges of each request, oldest first, by request id."""
    found: dict[int, list[Challenge]] = {i: [] for i in request_ids}
    if not request_ids:
        return found
    rows = await session.scalars(
        select(Challenge).where(Challenge.request_id.in_(list(request_ids))).order_by(Challenge.id)
    )
    for row in rows:
        found[row.request_id].append(row)
    return found


async def people_by_id(session: AsyncSession, ids: Collection[int]) -> dict[int, Person]:
    """The people with these ids, by id."""
    if not ids:
        return {}
    rows = await session.scalars(select(Person).where(Person.id.in_(list(ids))))
    return {p.id: p for p in rows}


async def agreements(session: AsyncSession) -> Sequence[SharingAgreement]:
    """Every sharing agreement, by reference."""
    return list(
        await session.scalars(select(SharingAgreement).order_by(SharingAgreement.reference))
    )


async def citations(session: AsyncSession) -> dict[int, int]:
    """How many requests cite each agreement, by agreement id."""
    rows = await session.execute(
        select(InformationRequest.agreement_id, func.count())
        .where(InformationRequest.agreement_id.is_not(None))
        .group_by(InformationRequest.agreement_id)
    )
    return {int(agreement or 0): int(count) for agreement, count in rows.all()}


async def open_requests_to(
    session: AsyncSession, partner_ids: Collection[int], open_statuses: Collection[str]
) -> Sequence[InformationRequest]:
    """Requests to these partners in one of `open_statuses`, oldest first (a data owner's queue)."""
    if not partner_ids:
        return []
    rows = await session.scalars(
        select(InformationRequest)
        .where(
            InformationRequest.partner_id.in_(list(partner_ids)),
            InformationRequest.status.in_(list(open_statuses)),
        )
        .order_by(InformationRequest.submitted_at, InformationRequest.id)
    )
    return list(rows)


async def requests_in(
    session: AsyncSession, statuses: Collection[str]
) -> Sequence[InformationRequest]:
    """Every request in one of `statuses`, oldest first."""
    rows = await session.scalars(
        select(InformationRequest)
        .where(InformationRequest.status.in_(list(statuses)))
        .order_by(InformationRequest.submitted_at, InformationRequest.id)
    )
    return list(rows)


async def deputised_partners(session: AsyncSession, person_id: int, role: str) -> set[int]:
    """The partners for which someone holding `role` has `person_id` as deputy."""
    rows = await session.scalars(
        select(PersonRole.partner_id)
        .join(Person, Person.id == PersonRole.person_id)
        .where(Person.deputy_id == person_id, PersonRole.role == role)
    )
    return {p for p in rows if p is not None}


async def claim_deletions_due(
    session: AsyncSession, today: date, limit: int
) -> Sequence[InformationRequest]:
    """Fulfilled requests whose delete-by date has come and whose requester was not yet
    reminded, locked against other sweeps."""
    fulfilled = select(RequestEvent.id).where(
        RequestEvent.request_id == InformationRequest.id, RequestEvent.to_status == "fulfilled"
    )
    query = (
        select(InformationRequest.id)
        .where(
            InformationRequest.delete_by <= today,
            InformationRequest.delete_reminded_at.is_(None),
            fulfilled.exists(),
        )
        .order_by(InformationRequest.delete_by, InformationRequest.id)
        .limit(limit)
    )
    ids = list(await session.scalars(claimable(session, query)))
    if not ids:
        return []
    rows = await session.scalars(
        select(InformationRequest)
        .where(InformationRequest.id.in_(ids))
        .order_by(InformationRequest.delete_by, InformationRequest.id)
    )
    return list(rows)


async def latest_submission(session: AsyncSession) -> datetime | None:
    """When the newest request was submitted (None before the first)."""
    found: datetime | None = await session.scalar(select(func.max(InformationRequest.submitted_at)))
    return found


async def awaiting_authorisation_by(
    session: AsyncSession, person_id: int, status: str
) -> Sequence[InformationRequest]:
    """Requests in `status` whose named authoriser is `person_id`, oldest first."""
    rows = await session.scalars(
        select(InformationRequest)
        .where(InformationRequest.authoriser_id == person_id, InformationRequest.status == status)
        .order_by(InformationRequest.submitted_at, InformationRequest.id)
    )
    return list(rows)
