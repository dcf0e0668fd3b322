"""The audit chain: every way of tampering with it is caught, and seals catch a cut-off tail.

Each tampering is done the way someone with write access to the database but not the key would
do it, straight in SQL, and the chain is then verified as `saferhub audit verify` does.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.audit import GENESIS, HEAD_ID, Seal, append_audit, seal, verify_chain
from storage.database import Database
from storage.models import AuditEntry, AuditHead

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
KEY = b"k" * 32
ROWS = 5


async def write(database: Database, count: int = ROWS, start: int = 0) -> None:
    for i in range(start, start + count):
        async with database.transaction() as session:
            await append_audit(
                session,
                at=T0 + timedelta(minutes=i),
                actor="alex@example.org",
                action="concern.reported",
                reference=f"CN-2026-{i + 1:04d}",
                summary={"priority": "P2"},
            )


async def rows(session: AsyncSession) -> list[AuditEntry]:
    return list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def plain(_key: bytes, canonical: bytes) -> str:
    """The unkeyed SHA-256 an attacker without the key could compute."""
    return hashlib.sha256(canonical).hexdigest()


def keyed(key: bytes) -> Callable[[bytes, bytes], str]:
    return lambda _key, canonical: hmac.new(key, canonical, hashlib.sha256).hexdigest()


async def rechain(session: AsyncSession, digest: Callable[[bytes, bytes], str]) -> None:
    """Recompute every row's hash and the head with `digest`, as a forger would after an edit."""
    previous = GENESIS
    entries = await rows(session)
    for entry in entries:
        canonical = json.dumps(
            [
                previous,
                entry.at.isoformat(timespec="microseconds"),
                entry.actor,
                entry.action,
                entry.record_reference,
                entry.summary,
            ],
            sort_keys=True,
            separators=(",", ":"),
            default=str,
        )
        chained_to, previous = previous, digest(b"", canonical.encode())
        await session.execute(
            update(AuditEntry)
            .where(AuditEntry.id == entry.id)
            .values(prev_hash=chained_to, hash=previous)
        )
    await session.execute(
        update(AuditHead)
        .where(AuditHead.id == HEAD_ID)
        .values(last_hash=previous, count=len(entries))
    )


async def edit(session: AsyncSession) -> None:
    second = (await rows(session))[1]
    await session.execute(
        update(AuditEntry).where(AuditEntry.id == second.id).values(summary={"priority": "P4"})
    )


async def delete_middle(session: AsyncSession) -> None:
    await session.execute(delete(AuditEntry).where(AuditEntry.id == (await rows(session))[2].id))


async def delete_tail(session: AsyncSession) -> None:
    await session.execute(delete(AuditEntry).where(AuditEntry.id == (await rows(session))[-1].id))


async def delete_tail_and_head(session: AsyncSession) -> None:
    await delete_tail(session)
    await session.execute(delete(AuditHead))


async def delete_tail_and_mend_head(session: AsyncSession) -> None:
    await delete_tail(session)
    last = (await rows(session))[-1]
    await session.execute(update(AuditHead).values(last_hash=last.hash, count=AuditHead.count - 1))


async def reorder(session: AsyncSession) -> None:
    second, third = (await rows(session))[1:3]
    swapped = {
        second.id: (third.actor, third.action, third.record_reference, third.summary),
        third.id: (second.actor, second.action, second.record_reference, second.summary),
    }
    for row_id, (actor, action, reference, summary) in swapped.items():
        await session.execute(
            update(AuditEntry)
            .where(AuditEntry.id == row_id)
            .values(actor=actor, action=action, record_reference=reference, summary=summary)
        )


async def insert(session: AsyncSession) -> None:
    last = (await rows(session))[-1]
    forged = AuditEntry(
        at=T0 + timedelta(hours=1),
        actor="mallory@example.org",
        action="concern.closed",
        record_reference="CN-2026-0001",
        summary={},
        prev_hash=last.hash,
        hash="f" * 64,
    )
    session.add(forged)
    await session.flush()
    await rechain(session, plain)


async def edit_and_rechain_plain(session: AsyncSession) -> None:
    await edit(session)
    await rechain(session, plain)


async def edit_and_rechain_wrong_key(session: AsyncSession) -> None:
    await edit(session)
    await rechain(session, keyed(b"w" * 32))


async def delete_middle_and_rechain_plain(session: AsyncSession) -> None:
    await delete_middle(session)
    await rechain(session, plain)


TAMPERINGS: dict[str, Callable[[AsyncSession], Awaitable[None]]] = {
    "edit a row": edit,
    "delete a middle row": delete_middle,
    "delete the newest row": delete_tail,
    "reorder two rows": reorder,
    "insert a forged row and re-chain": insert,
    "edit a row and re-chain with the plain SHA-256": edit_and_rechain_plain,
    "edit a row and re-chain with another key": edit_and_rechain_wrong_key,
    "delete a middle row and re-chain": delete_middle_and_rechain_plain,
}
TAILS: dict[str, Callable[[AsyncSession], Awaitable[None]]] = {
    "delete the newest row and the head row": delete_tail_and_head,
    "delete the newest row and mend the head row": delete_tail_and_mend_head,
}


async def test_an_intact_chain_verifies_against_its_seal(database_url):
    database = Database(database_url, audit_key=KEY)
    await write(database)
    async with database.transaction() as session:
        stamp = await seal(session, T0 + timedelta(days=1))
    await write(database, 2, start=ROWS)
    async with database.transaction() as session:
        check = await verify_chain(session, [stamp])
    await database.dispose()
    assert stamp.rows == ROWS
    assert check.ok and check.rows == ROWS + 2


@pytest.mark.parametrize("tamper", list(TAMPERINGS), ids=str)
async def test_tampering_is_caught_without_a_seal(database_url, tamper):
    database = Database(database_url, audit_key=KEY)
    await write(database)
    async with database.transaction() as session:
        await TAMPERINGS[tamper](session)
    async with database.transaction() as session:
        check = await verify_chain(session)
    await database.dispose()
    assert not check.ok, tamper


@pytest.mark.parametrize("tamper", list(TAILS), ids=str)
async def test_a_cut_off_tail_is_caught_by_a_seal(database_url, tamper):
    """Without a seal a shorter chain is still whole, which is why seals exist."""
    database = Database(database_url, audit_key=KEY)
    await write(database)
    async with database.transaction() as session:
        stamp = await seal(session, T0 + timedelta(days=1))
        await TAILS[tamper](session)
    async with database.transaction() as session:
        unsealed = await verify_chain(session)
        sealed = await verify_chain(session, [stamp])
    await database.dispose()
    assert unsealed.ok
    assert not sealed.ok and "newest rows were removed" in sealed.reason
    assert f"counted {ROWS} rows and {ROWS - 1} remain" in sealed.reason


async def test_a_re_chained_row_differs_from_its_seal_even_with_the_key(database_url):
    """Someone holding the key can re-chain, but not past a seal kept elsewhere."""
    database = Database(database_url, audit_key=KEY)
    await write(database)
    async with database.transaction() as session:
        stamp = await seal(session, T0 + timedelta(days=1))
        await edit(session)
        await rechain(session, keyed(KEY))
    async with database.transaction() as session:
        unsealed = await verify_chain(session)
        sealed = await verify_chain(session, [stamp])
    await database.dispose()
    assert unsealed.ok
    assert not sealed.ok and "differs from the seal of 24 Nov 2026" in sealed.reason


async def test_the_chain_is_checked_under_the_key_it_was_written_with(database_url):
    writer = Database(database_url, audit_key=KEY)
    await write(writer)
    await writer.dispose()
    other = Database(database_url, audit_key=b"o" * 32)
    async with other.transaction() as session:
        check = await verify_chain(session)
    await other.dispose()
    assert not check.ok and check.rows == 1


def test_a_seal_reads_back_from_its_line():
    stamp = Seal(12, "a" * 64, T0)
    assert Seal.parse(stamp.line()) == stamp


@pytest.mark.parametrize(
    "line",
    [
        "",
        "not json",
        "{}",
        '{"rows": -1, "head": "' + "a" * 64 + '", "at": "2026-11-23"}',
        '{"rows": 3, "head": "short", "at": "2026-11-23"}',
        '{"rows": 3, "head": 5, "at": 7}',
    ],
)
def test_a_line_that_is_not_a_seal_is_refused(line):
    with pytest.raises(ValueError, match="not a seal"):
        Seal.parse(line)
