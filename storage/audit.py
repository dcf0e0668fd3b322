"""The append-only audit log, hash-chained so that any edit or deletion is detectable."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry, AuditHead

GENESIS = "0" * 64
HEAD_ID = 1


def entry_hash(
    prev_hash: str, at: datetime, actor: str, action: str, reference: str, summary: dict[str, Any]
) -> str:
    """The SHA-256 of a row's content chained to the previous row's hash."""
    canonical = json.dumps(
        [prev_hash, at.isoformat(timespec="microseconds"), actor, action, reference, summary],
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Audited:
    """One action to append to the log: who, what, about which record, and a summary."""

    actor: str
    action: str
    reference: str = ""
    summary: dict[str, Any] = field(default_factory=dict)


async def append_audit(
    session: AsyncSession,
    *,
    at: datetime,
    actor: str,
    action: str,
    reference: str = "",
    summary: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add one audit row in the caller's transaction; the head row's lock orders concurrent appends."""
    (entry,) = await append_audits(
        session, at=at, entries=[Audited(actor, action, reference, summary or {})]
    )
    return entry


async def append_audits(
    session: AsyncSession, *, at: datetime, entries: Sequence[Audited]
) -> list[AuditEntry]:
    """Add audit rows in order, chained, in the caller's transaction: one lock of the head and
    one batch of inserts however many there are (a sweep audits every notice it writes)."""
    if not entries:
        return []
    head = await session.scalar(select(AuditHead).where(AuditHead.id == HEAD_ID).with_for_update())
    if head is None:
        head = AuditHead(id=HEAD_ID, last_hash=GENESIS, count=0)
        session.add(head)
    added = []
    for item in entries:
        content = json.loads(json.dumps(item.summary, default=str))
        digest = entry_hash(head.last_hash, at, item.actor, item.action, item.reference, content)
        added.append(
            AuditEntry(
                at=at,
                actor=item.actor,
                action=item.action,
                record_reference=item.reference,
                summary=content,
                prev_hash=head.last_hash,
                hash=digest,
            )
        )
        head.last_hash = digest
        head.count += 1
    session.add_all(added)
    await session.flush()
    return added


@dataclass(frozen=True)
class ChainCheck:
    """The verdict on the audit chain: how many rows were checked and the first broken one."""

    rows: int
    broken_at: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return not self.reason


async def verify_chain(session: AsyncSession) -> ChainCheck:
    """Walk the log in order, recomputing every hash; any edit, deletion or reordering shows."""
    previous = GENESIS
    count = 0
    rows = await session.stream_scalars(select(AuditEntry).order_by(AuditEntry.id))
    async for row in rows:
        count += 1
        if row.prev_hash != previous:
            return ChainCheck(count, row.id, "a row before it was removed or changed")
        expected = entry_hash(
            row.prev_hash, row.at, row.actor, row.action, row.record_reference, row.summary
        )
        if row.hash != expected:
            return ChainCheck(count, row.id, "its content was changed")
        previous = row.hash
    head = await session.get(AuditHead, HEAD_ID)
    if head is not None and (head.last_hash != previous or head.count != count):
        return ChainCheck(count, None, "the newest rows were removed")
    return ChainCheck(count)
