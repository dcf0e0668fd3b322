"""Migrations bring an empty database to head, and head matches the models exactly."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from asyncio.subprocess import PIPE, STDOUT
from datetime import datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from bot.cli import NOT_AT_HEAD, main
from storage.crypto import generate_key
from storage.database import Database
from storage.migrate import alembic_config, at_head, upgrade
from storage.models import Base

ROOT = Path(__file__).resolve().parents[2]
DB_UPGRADE = (sys.executable, "-m", "bot", "db", "upgrade")


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


async def test_replicas_migrating_a_fresh_postgres_database_at_once_all_succeed(empty_url):
    if not empty_url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers itself; the race was on PostgreSQL")
    replicas = 4
    env = {**os.environ, "SAFERHUB_DATABASE_URL": empty_url}
    database = Database(empty_url)
    try:
        async with database.engine.connect() as gate:
            # An uncommitted alembic_version table holds every upgrade at the same point, then
            # lets them all go at once: the race of replicas started together, every time.
            await gate.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32))"))
            upgrades = [
                await asyncio.create_subprocess_exec(
                    *DB_UPGRADE, cwd=ROOT, env=env, stdout=PIPE, stderr=STDOUT
                )
                for _replica in range(replicas)
            ]
            await _until_waiting(database, replicas)
            await gate.rollback()
        results = await asyncio.gather(*(upgrade.communicate() for upgrade in upgrades))

        last_lines = [output.decode().strip().splitlines()[-1] for output, _ in results]
        assert [upgrade.returncode for upgrade in upgrades] == [0] * replicas, last_lines
        assert await at_head(database.engine)
    finally:
        await database.dispose()


async def _until_waiting(database: Database, count: int) -> None:
    """Wait until `count` other sessions of the database are blocked on a lock."""
    deadline = time.monotonic() + 60
    while True:
        async with database.engine.connect() as connection:
            waiting = await connection.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
        if waiting >= count:
            return
        assert time.monotonic() < deadline, f"only {waiting} of {count} upgrades got going"
        await asyncio.sleep(0.1)


async def test_only_a_database_with_every_migration_is_at_head(empty_url):
    database = Database(empty_url)
    try:
        assert not await at_head(database.engine)
        await upgrade(database.engine, "0006")
        assert not await at_head(database.engine)
        await upgrade(database.engine)
        assert await at_head(database.engine)
    finally:
        await database.dispose()


def test_serve_refuses_a_database_not_at_head_and_says_to_upgrade(empty_url, capsys, monkeypatch):
    for name in (
        "SLACK_BOT_TOKEN",
        "MICROSOFT_APP_ID",
        "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID",
        "SAFERHUB_DEV",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SAFERHUB_DATA_KEY", generate_key())
    assert main(["--database", empty_url, "serve"]) == 1
    assert capsys.readouterr().err == NOT_AT_HEAD + "\n"

    async def half_migrate() -> None:
        database = Database(empty_url)
        await upgrade(database.engine, "0006")
        await database.dispose()

    asyncio.run(half_migrate())
    assert main(["--database", empty_url, "serve"]) == 1
    assert "run 'saferhub db upgrade'" in capsys.readouterr().err

    assert main(["--database", empty_url, "db", "upgrade"]) == 0
    # At head, serve starts (the web hub alone without chat settings): tests/web/test_serve.py


async def _downgrade(database: Database, revision: str) -> None:
    config = alembic_config(database.engine.url.render_as_string(hide_password=False))

    def run(connection):
        config.attributes["connection"] = connection
        command.downgrade(config, revision)

    async with database.engine.begin() as connection:
        await connection.run_sync(run)


async def test_removal_marks_earlier_requests_as_requested_and_goes_back_down(empty_url):
    database = Database(empty_url)
    try:
        await upgrade(database.engine, "0010_retention")
        async with database.engine.begin() as connection:
            for reference, due in (("CN-2026-0001", "2026-11-24 17:00:00"), ("CN-2026-0002", None)):
                await connection.execute(
                    text(
                        "INSERT INTO concern (reference, category, description, location_text, "
                        "street_key, postcode_sector, location_type, seen_at, answers, priority, "
                        "reasons, status, marking, created_at, escalation_level, fold_count, "
                        "outcome, version, removal_due_at) VALUES (:reference, 'hate_graffiti', "
                        "'', '', '', '', 'wall_bridge', :seen, '{}', 'P2', '[]', 'acknowledged', "
                        "'official', :seen, 0, 0, '', 1, :due)"
                    ),
                    {
                        "reference": reference,
                        "seen": datetime(2026, 11, 23, 9, 0),
                        "due": datetime.fromisoformat(due) if due else None,
                    },
                )
        await upgrade(database.engine)
        async with database.engine.connect() as connection:
            found = await connection.execute(
                text("SELECT reference, removal_status, removal_note FROM concern ORDER BY id")
            )
            assert [tuple(row) for row in found] == [
                ("CN-2026-0001", "requested", ""),
                ("CN-2026-0002", None, ""),
            ]

        await _downgrade(database, "0010_retention")

        def columns(connection):
            return {c["name"] for c in inspect(connection).get_columns("concern")}

        async with database.engine.connect() as connection:
            left = await connection.run_sync(columns)
        assert {c for c in left if c.startswith("remov")} == {"removal_due_at"}
        await upgrade(database.engine)
        assert await at_head(database.engine)
    finally:
        await database.dispose()
