"""The batched writes sweeps use: the same outcome as writing row by row, in a few statements."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from bot.conversation.hub import Hub
from storage import outbox
from storage.audit import Audited, append_audit, append_audits, verify_chain
from storage.bulk import save_locked
from storage.models import Recommendation
from storage.records import next_reference, next_references


async def test_saving_locked_rows_bumps_their_version_so_an_earlier_reader_cannot_overwrite(
    sample_hub: Hub,
) -> None:
    database = sample_hub.database
    later = sample_hub.clock.now() + timedelta(days=3)
    chosen = Recommendation.reference.in_(["DV-04", "VUL-13"])
    async with database.sessions() as reader:
        stale = await reader.scalar(
            select(Recommendation).where(Recommendation.reference == "DV-04")
        )
        assert stale is not None
        await reader.commit()  # it keeps the row as it read it, at version 1
        async with database.transaction() as session:
            rows = list(await session.scalars(select(Recommendation).where(chosen)))
            by_reference = {row.reference: row for row in rows}
            by_reference["DV-04"].next_nudge_at = later
            by_reference["VUL-13"].unanswered_nudges += 1
            saved = await save_locked(session, rows)
        assert saved == 2
        stale.unanswered_nudges = 9
        with pytest.raises(StaleDataError):
            await reader.commit()
    async with database.transaction() as session:
        after = {
            row.reference: row
            for row in await session.scalars(select(Recommendation).where(chosen))
        }
    assert (after["DV-04"].next_nudge_at, after["DV-04"].version) == (later, 2)
    assert (after["VUL-13"].unanswered_nudges, after["VUL-13"].version) == (1, 2)


async def test_references_issued_together_continue_the_sequence(sample_hub: Hub) -> None:
    async with sample_hub.database.transaction() as session:
        first = await next_reference(session, "RN", 2026)
        batch = await next_references(session, "RN", 2026, 3)
        after = await next_reference(session, "RN", 2026)
        none = await next_references(session, "RN", 2026, 0)
    assert [first, *batch, after] == [f"RN-2026-{n:04d}" for n in range(1, 6)]
    assert none == []


async def test_queueing_many_skips_dedupe_keys_already_queued(sample_hub: Hub) -> None:
    now = sample_hub.clock.now()
    messages = [outbox.Queued(f"k{i}", "test", {"i": i}) for i in range(3)]
    async with sample_hub.database.transaction() as session:
        await outbox.enqueue(session, dedupe_key="k1", kind="test", payload={}, now=now)
        added = await outbox.enqueue_many(session, messages, now=now)
        keys = list(await session.scalars(select(outbox.OutboxMessage.dedupe_key)))
    assert added == 2
    assert sorted(keys) == ["k0", "k1", "k2"]


async def test_audit_rows_appended_in_a_batch_extend_the_chain(sample_hub: Hub) -> None:
    now = sample_hub.clock.now()
    async with sample_hub.database.transaction() as session:
        await append_audit(session, at=now, actor="system", action="one")
        await append_audits(
            session, at=now, entries=[Audited("system", "two", "RN-2026-0001", {"n": 2})] * 3
        )
        await append_audit(session, at=now, actor="system", action="five")
    async with sample_hub.database.transaction() as session:
        check = await verify_chain(session)
    assert check.ok
    assert check.rows >= 5
