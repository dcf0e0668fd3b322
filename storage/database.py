"""The async engine and sessions, set up the same way for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage.crypto import DEVELOPMENT_KEYRING, Keyring
from storage.models import Base

DEFAULT_URL = "sqlite+aiosqlite:///./saferhub.db"
CONNECT_TIMEOUT = 10.0


def _prepare_sqlite(engine: AsyncEngine) -> None:
    """WAL, foreign keys, a busy timeout, and BEGIN IMMEDIATE so writers queue instead of failing."""

    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """One engine and session factory for the whole process.

    PostgreSQL connections are not pinged before each use (that was one more round trip per
    transaction): a connection found dead raises with `connection_invalidated`, the pool drops
    it and the ones opened before it, and callers that must not fail (the turn loop) run again.
    """

    def __init__(
        self,
        url: str = DEFAULT_URL,
        *,
        pool_size: int = 10,
        echo: bool = False,
        audit_key: bytes | None = None,
        keyring: Keyring = DEVELOPMENT_KEYRING,
    ) -> None:
        self.url = url
        self.keyring = keyring
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        # Errors never carry a statement's parameters (what people typed) into logs or tracebacks.
        options: dict[str, Any] = {"echo": echo, "hide_parameters": True}
        if self.dialect == "postgresql":
            options.update(pool_size=pool_size, max_overflow=pool_size)
            if parsed.get_driver_name() == "asyncpg":
                # A server that does not answer (a network partition) fails a connect after
                # CONNECT_TIMEOUT rather than asyncpg's 60 s, so callers that wait out an
                # outage for a bounded time (the turn loop) keep to it.
                options["connect_args"] = {"timeout": CONNECT_TIMEOUT}
        self.engine = create_async_engine(url, **options)
        if self.dialect == "sqlite":
            _prepare_sqlite(self.engine)
        # The encrypted column types (storage/crypto.py) find the keys on the dialect they are
        # given, which is this engine's own: two databases in one process keep their own keys.
        self.engine.sync_engine.dialect.saferhub_keyring = keyring  # type: ignore[attr-defined]
        # Every session carries the audit chain's key (storage/audit.py), so each write is keyed
        # without threading it through every service that audits.
        info = {"audit_key": audit_key} if audit_key else {}
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False, info=info)

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on any error."""
        async with self.sessions() as session, session.begin():
            yield session

    async def create_all(self) -> None:
        """Create every table directly (tests); deployments use `saferhub db upgrade`."""
        async with self.engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)

    async def dispose(self) -> None:
        await self.engine.dispose()
