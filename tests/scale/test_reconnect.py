"""The turn loop outlives a database restart: pooled connections are not pinged before use, so a
dead one must cost a retry, never the user's message."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bot.conversation.hub import Hub
from storage.database import Database
from tests.conftest import Person


async def test_a_turn_after_the_database_dropped_every_connection_is_answered(
    sample_hub: Hub,
) -> None:
    if not sample_hub.database.is_postgres:
        pytest.skip("only PostgreSQL connections can be dropped from the server side")
    alex = Person(sample_hub, "alex@example.org")
    await alex.say("my reports")
    admin = Database(sample_hub.database.url)
    try:
        async with admin.engine.connect() as connection:
            dropped = await connection.scalar(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
    finally:
        await admin.dispose()
    assert dropped >= 1

    replies = await alex.say("my reports")

    assert "reported any concerns" in str(replies[-1])
