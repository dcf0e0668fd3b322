"""Queries over the gazetteer: the named places locations are resolved against."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import GazetteerEntry

POSTCODE_KIND = "postcode"
CHUNK = 1000


async def named_places(session: AsyncSession) -> Sequence[GazetteerEntry]:
    """Every entry but the postcodes (streets, localities, landmarks): the names text can carry."""
    rows = await session.scalars(
        select(GazetteerEntry)
        .where(GazetteerEntry.kind != POSTCODE_KIND)
        .order_by(GazetteerEntry.id)
    )
    return list(rows)


async def entries_by_key(session: AsyncSession, keys: Iterable[str]) -> Sequence[GazetteerEntry]:
    """The entries whose normalised name is one of `keys` (a postcode, a district)."""
    wanted = sorted({key for key in keys if key})
    if not wanted:
        return []
    rows = await session.scalars(
        select(GazetteerEntry).where(GazetteerEntry.key.in_(wanted)).order_by(GazetteerEntry.id)
    )
    return list(rows)


async def replace_entries(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> int:
    """Replace the whole gazetteer with `rows` (column values); how many entries it had before."""
    before = await session.scalar(select(func.count()).select_from(GazetteerEntry)) or 0
    await session.execute(delete(GazetteerEntry))
    for start in range(0, len(rows), CHUNK):
        await session.execute(insert(GazetteerEntry), list(rows[start : start + CHUNK]))
    return before
