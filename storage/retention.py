"""Applying the retention schedule: what is kept too long is anonymised or deleted, in bulk.

Each function finds what is due before `cutoff` and, when `apply`, changes it in one statement
whose condition is checked again row by row, so two replicas (or `retention run` twice at once)
never count or change a row twice. Each returns how many rows it found (or changed).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import rows_affected
from storage.models import (
    Attachment,
    Concern,
    ConcernEvent,
    ConcernFollowUp,
    DialogSession,
    InformationRequest,
    OutboxMessage,
    Photo,
    ProcessedEvent,
)
from storage.outbox import DEAD, SENT


async def _apply(
    session: AsyncSession,
    table: Table,
    due: ColumnElement[bool],
    apply: bool,
    values: dict[str, Any] | None = None,
) -> int:
    if not apply:
        return int(await session.scalar(select(func.count()).select_from(table).where(due)) or 0)
    statement = update(table).where(due).values(values) if values else delete(table).where(due)
    return rows_affected(await session.execute(statement))


async def anonymise_concerns(
    session: AsyncSession, cutoff: datetime, now: datetime, *, apply: bool
) -> int:
    """Concerns closed before `cutoff` keep their place, category, priority and dates; their
    description, the location as typed, answers, outcome, removal note, photos, questions to
    the reporter and their answers, and the reporter go."""
    due = (Concern.closed_at < cutoff) & Concern.anonymised_at.is_(None)
    if apply:
        ids = select(Concern.id).where(due).scalar_subquery()
        references = select(Concern.reference).where(due).scalar_subquery()
        await session.execute(delete(Attachment).where(Attachment.record_reference.in_(references)))
        await session.execute(delete(Photo).where(Photo.record_reference.in_(references)))
        await session.execute(
            update(ConcernEvent).where(ConcernEvent.concern_id.in_(ids)).values(detail={})
        )
        await session.execute(
            update(ConcernFollowUp)
            .where(ConcernFollowUp.concern_id.in_(ids))
            .values(question="", answer="")
        )
    values: dict[str, Any] = {
        "description": "",
        "location_text": "",
        "answers": {},
        "outcome": "",
        "removal_note": "",
        "reporter_id": None,
        "anonymised_at": now,
    }
    return await _apply(session, Concern.__table__, due, apply, values)  # type: ignore[arg-type]


async def anonymise_requests(
    session: AsyncSession, cutoff: datetime, now: datetime, *, apply: bool
) -> int:
    """Requests closed before `cutoff` keep the decision record; the subject details go."""
    due = (InformationRequest.closed_at < cutoff) & InformationRequest.anonymised_at.is_(None)
    values = {"answers": {}, "more_info_question": "", "anonymised_at": now}
    return await _apply(session, InformationRequest.__table__, due, apply, values)  # type: ignore[arg-type]


async def delete_conversations(session: AsyncSession, cutoff: datetime, *, apply: bool) -> int:
    """Conversations (and the drafts in them) untouched since `cutoff`."""
    table = DialogSession.__table__
    return await _apply(session, table, DialogSession.updated_at < cutoff, apply)  # type: ignore[arg-type]


async def delete_processed_events(session: AsyncSession, cutoff: datetime, *, apply: bool) -> int:
    """Inbound event ids seen before `cutoff`: platforms retry within minutes, not days."""
    table = ProcessedEvent.__table__
    return await _apply(session, table, ProcessedEvent.at < cutoff, apply)  # type: ignore[arg-type]


async def delete_sent_messages(session: AsyncSession, cutoff: datetime, *, apply: bool) -> int:
    """Outbox rows delivered (or given up on) before `cutoff`."""
    due = OutboxMessage.status.in_((SENT, DEAD)) & (
        func.coalesce(OutboxMessage.sent_at, OutboxMessage.created_at) < cutoff
    )
    return await _apply(session, OutboxMessage.__table__, due, apply)  # type: ignore[arg-type]
