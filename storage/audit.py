"""The append-only audit log, chained with a keyed hash so that any edit or deletion shows.

Each row carries HMAC-SHA-256, under a key kept outside the database, of its content and the row
before it: someone who can write to the database but lacks the key cannot re-chain rows after
editing them. Cutting off the newest rows (and the head row that counts them) leaves a shorter
chain that is still whole, so a seal (the number of rows and the head's hash, kept outside the
database: a file, the board's minutes) is what proves nothing before it was removed.
"""

from __future__ import annotations

import hashlib
import hmac
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
DEVELOPMENT_KEY = b"saferhub-development-audit-key-not-secret"
"""Used when no key is configured (the demo, tests): anyone can re-chain rows under it."""


def entry_hash(
    key: bytes,
    prev_hash: str,
    at: datetime,
    actor: str,
    action: str,
    reference: str,
    summary: dict[str, Any],
) -> str:
    """The HMAC-SHA-256 under `key` of a row's content chained to the previous row's hash."""
    canonical = json.dumps(
        [prev_hash, at.isoformat(timespec="microseconds"), actor, action, reference, summary],
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()


def audit_key(session: AsyncSession) -> bytes:
    """The chain's key, which the `Database` puts in every session's `info`."""
    key = session.info.get("audit_key", DEVELOPMENT_KEY)
    return key if isinstance(key, bytes) else DEVELOPMENT_KEY


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
    key = audit_key(session)
    added = []
    for item in entries:
        content = json.loads(json.dumps(item.summary, default=str))
        digest = entry_hash(
            key, head.last_hash, at, item.actor, item.action, item.reference, content
        )
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
class Seal:
    """The chain as it stood: its first `rows` rows end in `head`, at `at` (UTC)."""

    rows: int
    head: str
    at: datetime

    def line(self) -> str:
        """One line of text for a seal file, a ticket or the minutes."""
        stamp = self.at.isoformat(timespec="seconds")
        return json.dumps({"rows": self.rows, "head": self.head, "at": stamp})

    @classmethod
    def parse(cls, line: str) -> Seal:
        """A seal from `line`; ValueError when it is not one."""
        try:
            fields = json.loads(line)
            rows, head = int(fields["rows"]), str(fields["head"])
            at = datetime.fromisoformat(str(fields["at"]))
        except (ValueError, TypeError, KeyError) as error:
            raise ValueError(f"not a seal: {line.strip()[:80]!r}") from error
        if rows < 0 or len(head) != len(GENESIS):
            raise ValueError(f"not a seal: {line.strip()[:80]!r}")
        return cls(rows, head, at)


async def seal(session: AsyncSession, at: datetime) -> Seal:
    """The chain's current length and head, to be kept outside the database."""
    head = await session.get(AuditHead, HEAD_ID)
    if head is None:
        return Seal(0, GENESIS, at)
    return Seal(head.count, head.last_hash, at)


@dataclass(frozen=True)
class ChainCheck:
    """The verdict on the audit chain: how many rows were checked and the first broken one."""

    rows: int
    broken_at: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return not self.reason


async def verify_chain(session: AsyncSession, seals: Sequence[Seal] = ()) -> ChainCheck:
    """Walk the log in order, recomputing every keyed hash, and hold it against `seals`: any edit,
    deletion, insertion, reordering or re-chaining shows, and so does a cut-off tail up to a seal."""
    key = audit_key(session)
    sealed: dict[int, list[Seal]] = {}
    for stamp in seals:
        sealed.setdefault(stamp.rows, []).append(stamp)
    previous = GENESIS
    count = 0
    rows = await session.stream_scalars(select(AuditEntry).order_by(AuditEntry.id))
    async for row in rows:
        count += 1
        if row.prev_hash != previous:
            return ChainCheck(count, row.id, "a row before it was removed or changed")
        expected = entry_hash(
            key, row.prev_hash, row.at, row.actor, row.action, row.record_reference, row.summary
        )
        if not hmac.compare_digest(row.hash, expected):
            return ChainCheck(count, row.id, "its content was changed or it was re-chained")
        for stamp in sealed.get(count, ()):
            if row.hash != stamp.head:
                return ChainCheck(count, row.id, f"it differs from the seal of {stamp.at:%d %b %Y}")
        previous = row.hash
    longest = max(sealed, default=0)
    if longest > count:
        return ChainCheck(
            count,
            None,
            f"the newest rows were removed: a seal of {sealed[longest][0].at:%d %b %Y} "
            f"counted {longest} rows and {count} remain",
        )
    head = await session.get(AuditHead, HEAD_ID)
    if head is not None and (head.last_hash != previous or head.count != count):
        return ChainCheck(count, None, "the newest rows were removed")
    return ChainCheck(count)
