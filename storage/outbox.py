"""The outbox: proactive messages written with their cause, claimed and delivered once.

Claiming is a conditional UPDATE (`status = 'pending'`), which is atomic on SQLite and PostgreSQL
alike; on PostgreSQL the candidate rows are also picked with SKIP LOCKED so replicas do not queue
behind each other. A claim is a lease: a replica that dies mid-delivery releases its rows when the
lease ends.

Delivery is at least once, and exactly once where the platform lets us check. Before each send
the row records, in its own committed transaction, that a send is starting (`start_attempt`
sets `unconfirmed_since`); the outcome is recorded right after the platform answers. If the
database or the process goes away in between, the row is claimed again with `unconfirmed_since`
still set: the message may already be out. Slack then looks for it in the conversation (the row
id travels in the message's metadata) and records the message it finds instead of posting again.
Teams offers no such lookup, so a Teams notice posted in the moment between the platform's answer
and the short transaction recording it (or during a database outage that outlasts the
dispatcher's retries of that transaction) is posted a second time when its lease ends.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import claimable, insert_for, rows_affected
from storage.models import OutboxMessage

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
DEAD = "dead"
HELD = "held"


async def enqueue(
    session: AsyncSession,
    *,
    dedupe_key: str,
    kind: str,
    payload: dict[str, Any],
    now: datetime,
    recipient_id: int | None = None,
    channel: str = "",
    reference: str = "",
    due_at: datetime | None = None,
) -> bool:
    """Queue a message unless one with `dedupe_key` exists; True when a row was added."""
    statement = (
        insert_for(session, OutboxMessage)
        .values(
            dedupe_key=dedupe_key,
            kind=kind,
            payload=payload,
            recipient_id=recipient_id,
            channel=channel,
            record_reference=reference,
            status=PENDING,
            attempts=0,
            next_attempt_at=due_at or now,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
    )
    result = await session.execute(statement)
    return bool(rows_affected(result))


@dataclass(frozen=True)
class Queued:
    """One message for `enqueue_many`, with the same meaning as `enqueue`'s arguments."""

    dedupe_key: str
    kind: str
    payload: dict[str, Any]
    recipient_id: int | None = None
    channel: str = ""
    reference: str = ""
    due_at: datetime | None = None


async def enqueue_many(session: AsyncSession, messages: Sequence[Queued], *, now: datetime) -> int:
    """Queue many messages in one batched statement (sweeps), skipping dedupe keys already
    queued; how many rows were added."""
    if not messages:
        return 0
    rows = [
        {
            "dedupe_key": m.dedupe_key,
            "kind": m.kind,
            "payload": m.payload,
            "recipient_id": m.recipient_id,
            "channel": m.channel,
            "record_reference": m.reference,
            "status": PENDING,
            "attempts": 0,
            "next_attempt_at": m.due_at or now,
            "created_at": now,
        }
        for m in messages
    ]
    statement = (
        insert_for(session, OutboxMessage.__table__)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(OutboxMessage.__table__.c.id)
    )
    added = await session.execute(statement, rows)
    return len(added.all())


def _due(now: datetime) -> Any:
    return or_(
        and_(OutboxMessage.status == PENDING, OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == SENDING, OutboxMessage.claimed_until < now),
    )


async def claim_due(
    session: AsyncSession, *, worker: str, now: datetime, limit: int = 50, lease: timedelta
) -> Sequence[OutboxMessage]:
    """Claim up to `limit` due messages for `worker`; other workers cannot claim them meanwhile."""
    candidates = select(OutboxMessage.id).where(_due(now)).order_by(OutboxMessage.id).limit(limit)
    ids = list(await session.scalars(claimable(session, candidates)))
    if not ids:
        return []
    claimed = await session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), _due(now))
        .values(
            status=SENDING,
            claimed_by=worker,
            claimed_until=now + lease,
            attempts=OutboxMessage.attempts + 1,
        )
        .returning(OutboxMessage)
        .execution_options(synchronize_session=False)
    )
    return list(claimed)


async def start_attempt(
    session: AsyncSession, message_id: int, *, worker: str, now: datetime, lease: timedelta
) -> bool:
    """Extend `worker`'s claim and record that a send starts now; False when the claim was lost.

    Committed before the send, so a row whose outcome never gets recorded is known to be
    possibly delivered. `unconfirmed_since` keeps the earliest such send, the one to look from.
    A batch can take longer to deliver than the lease (Slack paces posts to one person, a slow
    platform times out): once a lease has run out another replica may claim and send the row,
    so the first must not send it as well.
    """
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.claimed_by == worker,
            OutboxMessage.status == SENDING,
        )
        .values(
            claimed_until=now + lease,
            unconfirmed_since=func.coalesce(OutboxMessage.unconfirmed_since, now),
        )
        # The claimed row keeps showing the earlier send's state, which its caller acts on.
        .execution_options(synchronize_session=False)
    )
    return bool(rows_affected(result))


async def mark_sent(
    session: AsyncSession,
    message_id: int,
    *,
    worker: str,
    now: datetime,
    platform: str,
    platform_message_id: str = "",
    platform_conversation: str = "",
) -> bool:
    """Record a delivery, if `worker` still holds the claim."""
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.claimed_by == worker,
            OutboxMessage.status == SENDING,
        )
        .values(
            status=SENT,
            sent_at=now,
            platform=platform,
            platform_message_id=platform_message_id,
            platform_conversation=platform_conversation,
            unconfirmed_since=None,
            last_error=None,
        )
    )
    return bool(rows_affected(result))


async def mark_failed(
    session: AsyncSession,
    message_id: int,
    *,
    worker: str,
    error: str,
    retry_at: datetime | None,
    maybe_delivered: bool = False,
) -> None:
    """Release a claim after a failed delivery: retry at `retry_at`, or dead when it is None.

    `maybe_delivered` (a timeout, a dropped connection, a server error) keeps the send marked
    unconfirmed, so the retry first looks for the message instead of posting it again.
    """
    values: dict[str, Any] = {"last_error": error[:500], "claimed_by": None, "claimed_until": None}
    values.update(status=PENDING, next_attempt_at=retry_at) if retry_at else values.update(
        status=DEAD
    )
    if not maybe_delivered:
        values.update(unconfirmed_since=None)
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.claimed_by == worker)
        .values(**values)
    )


async def hold(session: AsyncSession, message_id: int, *, worker: str, reason: str) -> None:
    """Keep a message that no channel can deliver yet (its recipient has no address)."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.claimed_by == worker)
        .values(status=HELD, last_error=reason, claimed_by=None, claimed_until=None)
    )


async def release_held(session: AsyncSession, person_id: int, now: datetime) -> int:
    """Make a person's held messages due again, once they have an address."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.recipient_id == person_id, OutboxMessage.status == HELD)
        .values(status=PENDING, next_attempt_at=now)
    )
    return rows_affected(result)


async def cancel_for(session: AsyncSession, person_id: int, reason: str) -> int:
    """Give up every message still waiting for a person (they left): none will be sent."""
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.recipient_id == person_id,
            OutboxMessage.status.in_((PENDING, HELD)),
        )
        .values(status=DEAD, last_error=reason)
    )
    return rows_affected(result)


async def claim_for_recipient(
    session: AsyncSession, person_id: int, *, worker: str, now: datetime, lease: timedelta
) -> Sequence[OutboxMessage]:
    """Claim every message waiting for one person (due or held), for a channel they are using."""
    waiting = or_(_due(now), OutboxMessage.status == HELD)
    claimed = await session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.recipient_id == person_id, waiting)
        .values(
            status=SENDING,
            claimed_by=worker,
            claimed_until=now + lease,
            attempts=OutboxMessage.attempts + 1,
        )
        .returning(OutboxMessage)
        .execution_options(synchronize_session=False)
    )
    return sorted(claimed, key=lambda m: m.id)


@dataclass(frozen=True)
class Recipients:
    """Whose copies of a notice a rewrite touches: everyone, only some people, or all but some."""

    only: frozenset[int] | None = None
    besides: frozenset[int] = frozenset()

    def clause(self) -> Any:
        """The condition on OutboxMessage.recipient_id that picks these people's rows."""
        picked = [OutboxMessage.recipient_id.not_in(list(self.besides))] if self.besides else []
        if self.only is not None:
            picked.append(OutboxMessage.recipient_id.in_(list(self.only)))
        return and_(True, *picked)


EVERYONE = Recipients()


async def sent_copies(
    session: AsyncSession, reference: str, kind: str, recipients: Recipients = EVERYONE
) -> Sequence[OutboxMessage]:
    """Delivered copies of a notice about `reference`, to replace them once it is acted on."""
    rows = await session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.record_reference == reference,
            OutboxMessage.kind == kind,
            OutboxMessage.status == SENT,
            OutboxMessage.platform_message_id.is_not(None),
            recipients.clause(),
        )
    )
    return list(rows)


async def rewrite_waiting(
    session: AsyncSession,
    reference: str,
    kind: str,
    payload: dict[str, Any],
    recipients: Recipients = EVERYONE,
) -> frozenset[int]:
    """Give notices not yet delivered the new content, so nobody receives stale buttons.

    Returns the people whose waiting copy now carries it."""
    waiting = (
        OutboxMessage.record_reference == reference,
        OutboxMessage.kind == kind,
        OutboxMessage.status.in_((PENDING, HELD)),
        recipients.clause(),
    )
    people = await session.scalars(select(OutboxMessage.recipient_id).where(*waiting))
    await session.execute(update(OutboxMessage).where(*waiting).values(payload=payload))
    return frozenset(p for p in people if p is not None)


async def retire_copies(
    session: AsyncSession,
    reference: str,
    kind: str,
    recipients: Recipients = EVERYONE,
    *,
    delivered_only: bool = False,
) -> int:
    """Stop treating earlier `kind` notices about `reference` as live, so later refreshes skip
    them (they were replaced with a final version: a handover, or a newer message below)."""
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.record_reference == reference,
            OutboxMessage.kind == kind,
            recipients.clause(),
            OutboxMessage.status == SENT if delivered_only else and_(True),
        )
        .values(kind=f"{kind}_retired")
    )
    return rows_affected(result)


async def rewrite_pending(
    session: AsyncSession, dedupe_prefix: str, payload: dict[str, Any]
) -> int:
    """Give not-yet-sent messages whose dedupe key starts with `dedupe_prefix` a new payload."""
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.dedupe_key.startswith(dedupe_prefix, autoescape=True),
            OutboxMessage.status == PENDING,
        )
        .values(payload=payload)
    )
    return rows_affected(result)
