"""Re-encrypting every encrypted column under the current data key, page by page.

Run while the old key is still configured after the new one (SAFERHUB_DATA_KEY="new,old"): each
value is read raw, re-encrypted under the first key and written back only if it has not changed
in between, so replicas writing at the same time lose nothing. Values no key can read are
reported by their record and left untouched.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography.fernet import InvalidToken
from sqlalchemy import Table, Text, select, type_coerce, update

from storage.crypto import EncryptedColumn, Keyring, encrypted_columns
from storage.database import Database
from storage.models import Base

PAGE = 500


@dataclass(frozen=True)
class KeyReport:
    """What a pass over the encrypted columns found (and, unless checking, did)."""

    values: int = 0
    rotated: int = 0
    unreadable: tuple[str, ...] = field(default=())


async def rotate(database: Database, keyring: Keyring, *, write: bool = True) -> KeyReport:
    """Re-encrypt every encrypted value under `keyring`'s first key (only count when not `write`)."""
    values = rotated = 0
    unreadable: list[str] = []
    for place in encrypted_columns(Base.metadata.sorted_tables):
        table = Base.metadata.tables[place.table]
        after = 0
        while True:
            async with database.transaction() as session:
                raw = type_coerce(table.c[place.column], Text)
                page = (
                    await session.execute(
                        select(table.c.id, table.c[place.reference], raw)
                        .where(table.c.id > after, table.c[place.column].is_not(None))
                        .order_by(table.c.id)
                        .limit(PAGE)
                    )
                ).all()
                for row_id, name, stored in page:
                    values += 1
                    try:
                        fresh = keyring.rotate(stored)
                    except InvalidToken:
                        unreadable.append(_named(place, table, name))
                        continue
                    rotated += 1
                    if write:
                        await session.execute(
                            update(table)
                            .where(table.c.id == row_id, raw == stored)
                            .values({place.column: type_coerce(fresh, Text)})
                        )
            if len(page) < PAGE:
                break
            after = page[-1][0]
    return KeyReport(values, rotated, tuple(unreadable))


def _named(place: EncryptedColumn, table: Table, name: object) -> str:
    label = table.name.replace("_", " ")
    return (
        f"{name} ({place.column})"
        if place.reference != "id"
        else f"{label} {name} ({place.column})"
    )
