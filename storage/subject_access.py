"""Everything the hub holds about one person, found from the schema rather than listed by hand.

A directory person is found through every column that points at `person.id` (whatever table a
domain adds later, its links are followed at once) and the audit rows naming their email. Someone
named in a record (a subject, not a user) is found by searching every text and JSON column,
decrypted, for the words given. For each record found, who it reached is read from the outbox and
the audit log.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, RowMapping, String, Table, Text, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.crypto import EncryptedJson, EncryptedText
from storage.models import AuditEntry, Base, OutboxMessage, Person

SEARCHABLE = (String, Text, JSON, EncryptedText, EncryptedJson)
NOT_HELD = frozenset({"audit_head", "reference_counter", "processed_event", "alembic_version"})
"""Bookkeeping tables that hold nothing about anyone."""


@dataclass(frozen=True)
class Held:
    """One row held about the person: its table, the record it belongs to, why, and its fields."""

    table: str
    reference: str
    why: str
    fields: Mapping[str, Any]


@dataclass(frozen=True)
class Seen:
    """Someone a record reached, or who acted on it: from the outbox or the audit log."""

    reference: str
    who: str
    what: str
    at: datetime | None


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):  # a photo: named in the report, its bytes kept out of it
        return f"[image data, {len(value):,} bytes]"
    return value


def _row(table: Table, row: RowMapping) -> dict[str, Any]:
    return {column.name: _plain(row[column.name]) for column in table.c}


async def _reference(session: AsyncSession, table: Table, row: RowMapping) -> str:
    """The record a row belongs to: its own reference, or that of the record it points at
    (a concern's events, a request's decision), else the table and id."""
    for name in ("reference", "record_reference"):
        if name in table.c and row[name]:
            return str(row[name])
    for column in table.c:
        for key in column.foreign_keys:
            target = key.column.table
            if row[column.name] is not None and "reference" in target.c and target.name != "person":
                found = await session.scalar(
                    select(target.c.reference).where(key.column == row[column.name])
                )
                if found:
                    return str(found)
    return f"{table.name} {row['id']}" if "id" in table.c else table.name


async def _held(session: AsyncSession, table: Table, row: RowMapping, why: str) -> Held:
    return Held(table.name, await _reference(session, table, row), why, _row(table, row))


def _person_links() -> Iterable[tuple[Table, Column[Any]]]:
    person = Base.metadata.tables["person"]
    for table in Base.metadata.sorted_tables:
        for column in table.c:
            if any(fk.column is person.c.id for fk in column.foreign_keys):
                yield table, column


async def held_about_person(session: AsyncSession, person: Person) -> list[Held]:
    """The person's directory row and every row that links to them or names their email."""
    person_table = Base.metadata.tables["person"]
    found = [
        Held("person", person.email, "their directory entry", _row(person_table, row))
        for row in (
            await session.execute(select(person_table).where(person_table.c.id == person.id))
        ).mappings()
    ]
    for table, column in _person_links():
        rows = await session.execute(select(table).where(column == person.id))
        why = column.name.removesuffix("_id").replace("_", " ")
        found.extend([await _held(session, table, row, why) for row in rows.mappings()])
    audit = Base.metadata.tables["audit_log"]
    rows = await session.execute(
        select(audit).where(audit.c.actor == person.email).order_by(audit.c.id)
    )
    found.extend([await _held(session, audit, row, "actor") for row in rows.mappings()])
    return found


async def held_naming(session: AsyncSession, words: str) -> list[Held]:
    """Every row whose text (decrypted) contains `words`, case-insensitively."""
    wanted = " ".join(words.lower().split())
    found = []
    for table in Base.metadata.sorted_tables:
        if table.name in NOT_HELD:
            continue
        columns = [c for c in table.c if isinstance(c.type, SEARCHABLE)]
        if not columns:
            continue
        for row in (await session.execute(select(table))).mappings():
            matched = [c.name for c in columns if wanted in _text(row[c.name])]
            if matched:
                why = "names them in " + ", ".join(matched)
                found.append(await _held(session, table, row, why))
    return found


def _text(value: Any) -> str:
    if value is None:
        return ""
    raw = value if isinstance(value, str) else json.dumps(value, default=str)
    return " ".join(raw.lower().split())


async def seen_by(session: AsyncSession, references: Iterable[str]) -> list[Seen]:
    """For each record, who it was sent to (outbox) and who acted on it (audit)."""
    wanted = sorted({r for r in references if r})
    if not wanted:
        return []
    sent = await session.execute(
        select(
            OutboxMessage.record_reference, Person.email, OutboxMessage.kind, OutboxMessage.sent_at
        )
        .join(Person, Person.id == OutboxMessage.recipient_id)
        .where(OutboxMessage.record_reference.in_(wanted))
        .order_by(OutboxMessage.id)
    )
    acted = await session.execute(
        select(AuditEntry.record_reference, AuditEntry.actor, AuditEntry.action, AuditEntry.at)
        .where(AuditEntry.record_reference.in_(wanted))
        .order_by(AuditEntry.id)
    )
    return [Seen(r, who, f"sent {kind}", at) for r, who, kind, at in sent] + [
        Seen(r, who, action, at) for r, who, action, at in acted
    ]
