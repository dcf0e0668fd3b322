"""References are issued once each, even when many writers race for them."""

from __future__ import annotations

import asyncio

from storage.database import Database
from storage.records import next_reference


async def test_references_are_sequential_per_prefix_and_year(database_url):
    database = Database(database_url)
    async with database.transaction() as session:
        issued = [await next_reference(session, "CN", 2026) for _ in range(3)]
        other = await next_reference(session, "IR", 2026)
        next_year = await next_reference(session, "CN", 2027)
    await database.dispose()
    assert issued == ["CN-2026-0001", "CN-2026-0002", "CN-2026-0003"]
    assert (other, next_year) == ("IR-2026-0001", "CN-2027-0001")


async def test_racing_writers_never_share_a_reference(database_url):
    database = Database(database_url)

    async def issue() -> str:
        async with database.transaction() as session:
            return await next_reference(session, "CN", 2026)

    issued = await asyncio.gather(*(issue() for _ in range(20)))
    await database.dispose()
    assert len(set(issued)) == 20
