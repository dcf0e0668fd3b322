"""Every row of the hub's tables, to show that something changed nothing.

The audit log (where a refused attempt is written down), the processed-event table (every event
is claimed) and the channel addresses a Teams turn refreshes are left out unless asked for.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from storage.database import Database
from storage.models import Base

BOOKKEEPING = frozenset({"audit_log", "audit_head", "processed_event", "channel_address"})


async def snapshot(
    database: Database, ignore: frozenset[str] = BOOKKEEPING
) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of every table but `ignore`, in primary-key order."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    async with database.transaction() as session:
        for table in Base.metadata.sorted_tables:
            if table.name in ignore:
                continue
            query = select(table).order_by(*table.primary_key.columns)
            rows[table.name] = [tuple(row) for row in (await session.execute(query)).all()]
    return rows
