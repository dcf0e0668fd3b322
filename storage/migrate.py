"""Schema migrations with Alembic, callable from code (the CLI, tests) without an alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).parent / "migrations"
# The PostgreSQL advisory lock every `saferhub` process takes to migrate: one at a time.
MIGRATION_LOCK = 0x5AFE_0DB


def alembic_config(url: str) -> Config:
    """An Alembic configuration pointing at this package's migrations and `url`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    return config


async def upgrade(engine: AsyncEngine, revision: str = "heads") -> None:
    """Bring the database behind `engine` up to `revision`: every head by default, so migrations
    added on parallel branches all apply.

    On PostgreSQL the whole upgrade runs in one transaction holding an advisory lock, so replicas
    started together migrate one after the other and the later ones find nothing left to do
    (SQLite serialises writers itself).
    """
    config = alembic_config(engine.url.render_as_string(hide_password=False))

    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
            )
        await connection.run_sync(run)


async def at_head(engine: AsyncEngine) -> bool:
    """Whether the database behind `engine` has every migration of this version applied."""
    script = ScriptDirectory(str(MIGRATIONS))

    def current(connection: Connection) -> set[str]:
        return set(MigrationContext.configure(connection).get_current_heads())

    async with engine.connect() as connection:
        return await connection.run_sync(current) == set(script.get_heads())
