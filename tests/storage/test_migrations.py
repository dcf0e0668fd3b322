"""Migrations bring an empty database to head, and head matches the models exactly."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from storage.database import Database
from storage.migrate import upgrade
from storage.models import Base


@pytest.fixture(params=["sqlite", "postgresql"])
async def empty_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
        return
    base = request.getfixturevalue("postgres_url")
    database = Database(base)
    async with database.engine.connect() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
        await connection.commit()
    await database.dispose()
    yield base
    database = Database(base)
    async with database.engine.connect() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
        await connection.commit()
    await database.create_all()
    await database.dispose()


async def test_upgrade_to_head_matches_the_models(empty_url):
    database = Database(empty_url)
    try:
        await upgrade(database.engine)
        await upgrade(database.engine)  # idempotent: a second run changes nothing

        def differences(connection):
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, Base.metadata)

        async with database.engine.connect() as connection:
            diff = await connection.run_sync(differences)
        assert diff == []
    finally:
        await database.dispose()
