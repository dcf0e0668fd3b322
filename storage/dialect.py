"""The few statements that differ between SQLite and PostgreSQL, chosen from the session's bind."""

from __future__ import annotations

from typing import Any, TypeVar, cast

from sqlalchemy import Select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

S = TypeVar("S", bound=Select[Any])


def insert_for(session: AsyncSession, table: Any) -> Any:
    """A dialect-specific insert() that offers on_conflict_do_nothing / _do_update."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def rows_affected(result: Any) -> int:
    """How many rows an INSERT or UPDATE touched."""
    return int(cast(CursorResult[Any], result).rowcount)


def claimable(session: AsyncSession, query: S) -> S:
    """`query` locking its rows so concurrent sweeps skip them (PostgreSQL SKIP LOCKED).

    SQLite needs nothing: its write transactions (BEGIN IMMEDIATE) already run one at a time.
    """
    if session.get_bind().dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True)
    return query
