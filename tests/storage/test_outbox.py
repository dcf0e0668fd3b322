"""The outbox: dedupe keys, atomic claims, leases, retries."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from storage import outbox
from storage.database import Database
from storage.models import OutboxMessage

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=2)


async def queue(database: Database, count: int) -> None:
    async with database.transaction() as session:
        for i in range(count):
            await outbox.enqueue(
                session, dedupe_key=f"k{i}", kind="test", payload={"i": i}, now=NOW
            )


async def test_the_same_dedupe_key_is_queued_once(database_url):
    database = Database(database_url)
    async with database.transaction() as session:
        first = await outbox.enqueue(
            session, dedupe_key="alert:CN-1:7", kind="alert", payload={}, now=NOW
        )
        second = await outbox.enqueue(
            session, dedupe_key="alert:CN-1:7", kind="alert", payload={}, now=NOW
        )
        count = len((await session.scalars(select(OutboxMessage))).all())
    await database.dispose()
    assert (first, second, count) == (True, False, 1)


async def test_two_workers_racing_claim_each_message_once(database_url):
    first_db, second_db = Database(database_url), Database(database_url)
    await queue(first_db, 60)

    async def claim_all(database: Database, worker: str) -> list[int]:
        got: list[int] = []
        while True:
            async with database.transaction() as session:
                batch = await outbox.claim_due(
                    session, worker=worker, now=NOW, limit=7, lease=LEASE
                )
            if not batch:
                return got
            got.extend(m.id for m in batch)

    a, b = await asyncio.gather(claim_all(first_db, "a"), claim_all(second_db, "b"))
    await first_db.dispose()
    await second_db.dispose()
    assert len(a) + len(b) == 60
    assert not set(a) & set(b)


async def test_an_expired_lease_is_claimed_again_and_a_late_worker_cannot_mark_it(database_url):
    database = Database(database_url)
    await queue(database, 1)
    async with database.transaction() as session:
        [message] = await outbox.claim_due(session, worker="crashed", now=NOW, lease=LEASE)
    async with database.transaction() as session:
        assert (
            await outbox.claim_due(session, worker="b", now=NOW + timedelta(minutes=1), lease=LEASE)
            == []
        )
        [again] = await outbox.claim_due(
            session, worker="b", now=NOW + timedelta(minutes=3), lease=LEASE
        )
    async with database.transaction() as session:
        late = await outbox.mark_sent(
            session, message.id, worker="crashed", now=NOW, platform="slack"
        )
        ok = await outbox.mark_sent(session, again.id, worker="b", now=NOW, platform="slack")
    await database.dispose()
    assert (late, ok, again.attempts) == (False, True, 2)


async def test_failures_retry_later_then_go_dead(database_url):
    database = Database(database_url)
    await queue(database, 1)
    async with database.transaction() as session:
        [message] = await outbox.claim_due(session, worker="w", now=NOW, lease=LEASE)
        await outbox.mark_failed(
            session, message.id, worker="w", error="429", retry_at=NOW + timedelta(seconds=30)
        )
    async with database.transaction() as session:
        assert (
            await outbox.claim_due(
                session, worker="w", now=NOW + timedelta(seconds=10), lease=LEASE
            )
            == []
        )
        [message] = await outbox.claim_due(
            session, worker="w", now=NOW + timedelta(seconds=31), lease=LEASE
        )
        await outbox.mark_failed(session, message.id, worker="w", error="gone", retry_at=None)
    async with database.transaction() as session:
        row = await session.get(OutboxMessage, message.id)
    await database.dispose()
    assert row.status == "dead" and row.last_error == "gone"


async def test_a_send_whose_outcome_was_never_recorded_is_claimed_again_as_unconfirmed(
    database_url,
):
    database = Database(database_url)
    await queue(database, 1)
    later = NOW + timedelta(minutes=3)

    async def claim(worker: str, now: datetime) -> OutboxMessage:
        async with database.transaction() as session:
            [message] = await outbox.claim_due(session, worker=worker, now=now, lease=LEASE)
            assert await outbox.start_attempt(
                session, message.id, worker=worker, now=now, lease=LEASE
            )
        return message

    first = await claim("crashed", NOW)  # posted, then the process died before recording it
    second = await claim("b", later)
    async with database.transaction() as session:
        await outbox.mark_failed(  # a timeout: this send may have landed as well
            session, second.id, worker="b", error="timeout", retry_at=later, maybe_delivered=True
        )
    third = await claim("c", later)
    async with database.transaction() as session:
        await outbox.mark_failed(  # a 429: nothing out there, as the lookup had shown
            session, third.id, worker="c", error="429", retry_at=later
        )
    fourth = await claim("d", later)
    async with database.transaction() as session:
        await outbox.mark_sent(session, fourth.id, worker="d", now=later, platform="slack")
        row = await session.get(OutboxMessage, first.id)
    await database.dispose()

    assert first.unconfirmed_since is None
    # Claimed again, the row says since when the message may be out: the earliest unknown send.
    assert second.unconfirmed_since == third.unconfirmed_since == NOW
    assert fourth.unconfirmed_since is None
    assert (row.status, row.unconfirmed_since) == ("sent", None)
