"""The audit chain detects an edited, deleted or truncated row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update

from storage.audit import append_audit, verify_chain
from storage.database import Database
from storage.models import AuditEntry

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


async def write_three(database: Database) -> None:
    for i in range(3):
        async with database.transaction() as session:
            await append_audit(
                session,
                at=T0 + timedelta(minutes=i),
                actor="alex@example.org",
                action="concern.reported",
                reference=f"CN-2026-000{i + 1}",
                summary={"priority": "P2"},
            )


async def test_an_intact_chain_verifies(database_url):
    database = Database(database_url)
    await write_three(database)
    async with database.transaction() as session:
        check = await verify_chain(session)
    await database.dispose()
    assert check.ok and check.rows == 3


async def test_an_edited_row_is_detected(database_url):
    database = Database(database_url)
    await write_three(database)
    async with database.transaction() as session:
        second = await session.scalar(select(AuditEntry.id).order_by(AuditEntry.id).offset(1))
        await session.execute(
            update(AuditEntry).where(AuditEntry.id == second).values(summary={"priority": "P4"})
        )
    async with database.transaction() as session:
        check = await verify_chain(session)
    await database.dispose()
    assert not check.ok and check.broken_at == second and "changed" in check.reason


async def test_a_deleted_row_is_detected(database_url):
    database = Database(database_url)
    await write_three(database)
    async with database.transaction() as session:
        first = await session.scalar(select(AuditEntry.id).order_by(AuditEntry.id))
        await session.execute(delete(AuditEntry).where(AuditEntry.id == first))
    async with database.transaction() as session:
        check = await verify_chain(session)
    assert not check.ok and "removed" in check.reason
    async with database.transaction() as session:
        last = await session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()))
        await session.execute(delete(AuditEntry).where(AuditEntry.id >= last))
    await database.dispose()


async def test_a_truncated_tail_is_detected(database_url):
    database = Database(database_url)
    await write_three(database)
    async with database.transaction() as session:
        last = await session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()))
        await session.execute(delete(AuditEntry).where(AuditEntry.id == last))
    async with database.transaction() as session:
        check = await verify_chain(session)
    await database.dispose()
    assert not check.ok and "newest rows were removed" in check.reason
