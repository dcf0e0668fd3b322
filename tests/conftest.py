"""Shared fixtures: real databases (SQLite always, PostgreSQL when reachable), a hub, a clock.

PostgreSQL: tests marked by the `database_url` fixture run twice, once on a SQLite file and once
on a scratch database created on SAFERHUB_TEST_POSTGRES (default postgres@127.0.0.1:5432) and
dropped at the end. Without a server they skip with the reason, unless
SAFERHUB_REQUIRE_POSTGRES=1 (set by CI), where an unreachable server fails the run.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot.clock import FixedClock
from bot.config import Settings
from bot.conversation.hub import Hub
from dialogs.messages import Address, Inbound, Input, Platform, TextInput
from storage.database import Database
from storage.models import Base
from tests.private_postgres import Outage, PrivatePostgres, ServerUnavailable

PG_SERVER = os.environ.get(
    "SAFERHUB_TEST_POSTGRES", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
REQUIRE_PG = os.environ.get("SAFERHUB_REQUIRE_POSTGRES") == "1"
ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[1].parent / "shared"

# A Monday morning in term time, away from bank holidays, in UTC.
MONDAY_9AM = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


# The date-sensitive part of the suite, marked `date_sensitive`: tests of clocks, calendars, sweeps,
# deadlines, nudges, escalations, digests, leases and signatures, and of processes that run on the
# real clock (the command line, the replicas). CI runs them a second time under faketime at hard
# dates (`python -m pytest -m date_sensitive`, see .ci/run); add a module here when its tests
# depend on what time it is.
DATE_SENSITIVE = (
    "tests/bot/test_cli.py",
    "tests/conversation/test_conversations.py",
    "tests/conversation/test_every_form_and_action.py",
    "tests/conversation/test_welcome_back.py",
    "tests/channels/slack/test_delivery.py",
    "tests/channels/slack/test_delivery_faults.py",
    "tests/channels/slack/test_recommendation_nudges.py",
    "tests/channels/slack/test_security.py",
    "tests/channels/teams/test_delivery.py",
    "tests/channels/teams/test_security.py",
    "tests/channels/teams/test_tokens.py",
    "tests/core/test_calendar.py",
    "tests/dialogs/test_natural_answers.py",  # dates in words must come from the hub's now only
    "tests/dialogs/test_parsing.py",
    "tests/outbox/test_dispatcher.py",
    "tests/prevent/test_alerts.py",
    "tests/prevent/test_removal.py",
    "tests/recommendations/test_nudges.py",
    "tests/recommendations/test_progress_report.py",
    "tests/scale/",
    "tests/sharing/test_deadlines.py",
    "tests/sharing/test_register.py",
    "tests/storage/test_outbox.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the tests of the DATE_SENSITIVE modules; a listed path that is gone stops the run."""
    missing = [name for name in DATE_SENSITIVE if not (ROOT / name).exists()]
    if missing:
        raise pytest.UsageError(f"DATE_SENSITIVE in tests/conftest.py lists missing {missing}")
    for item in items:
        if item.path.relative_to(ROOT).as_posix().startswith(DATE_SENSITIVE):
            item.add_marker(pytest.mark.date_sensitive)


def _run(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run a coroutine to completion on its own loop in a thread (fixtures may be inside a loop)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, coroutine).result()


async def _admin(statement: str) -> None:
    database = Database(PG_SERVER)
    try:
        async with database.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(statement))
    finally:
        await database.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A scratch PostgreSQL database for this test session, with the schema created once."""
    name = f"saferhub_test_{uuid.uuid4().hex[:10]}"
    try:
        _run(_admin(f'CREATE DATABASE "{name}"'))
    except (OSError, DBAPIError) as error:
        reason = f"PostgreSQL is not reachable at {PG_SERVER} ({type(error).__name__}: {error})"
        if REQUIRE_PG:
            pytest.fail(reason + "; SAFERHUB_REQUIRE_POSTGRES=1 demands it", pytrace=False)
        pytest.skip(reason + "; set SAFERHUB_TEST_POSTGRES to run these tests on PostgreSQL")
    url = PG_SERVER.rsplit("/", 1)[0] + f"/{name}"

    async def create() -> None:
        database = Database(url)
        await database.create_all()
        await database.dispose()

    _run(create())
    yield url
    _run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


TABLES = tuple(table.name for table in Base.metadata.sorted_tables)
"""The hub's tables, each after those it refers to."""
SEQUENCES = (
    "SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = 'public'"
)


async def _empty(url: str) -> None:
    """Empty every table and restart its ids. TRUNCATE, not DELETE: a truncated table is new
    again, so rows come back in the order they were written, as on a fresh database (after a
    DELETE, PostgreSQL may reuse the space and a query without ORDER BY returns any order)."""
    database = Database(url)
    tables = ", ".join(f'"{name}"' for name in TABLES)
    async with database.engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    await database.dispose()


async def _untouched(database: Database) -> bool:
    """Whether a PostgreSQL hub database holds no row at all (as `database_url` leaves it)."""
    empty = " AND ".join(f'NOT EXISTS (SELECT 1 FROM "{name}")' for name in TABLES)
    async with database.engine.connect() as connection:
        return bool(await connection.scalar(text(f"SELECT {empty}")))


class PostgresSamples:
    """The sample as loaded on PostgreSQL, kept beside the hub's tables (a schema per clock
    moment) and copied back in for each test: the same rows and ids as `load_sample` writes."""

    def __init__(self) -> None:
        self.sequences: dict[str, list[tuple[str, int, bool]]] = {}

    async def load_sample(self, hub: Hub) -> None:
        if not await _untouched(hub.database):
            await hub.load_sample()
            return
        kept = f"sample_{hub.clock.now().timestamp():.0f}"
        async with hub.database.engine.begin() as connection:
            if kept not in self.sequences:
                await hub.load_sample()
                copies = " ".join(
                    f'CREATE TABLE "{kept}"."{name}" AS TABLE "{name}";' for name in TABLES
                )
                await connection.execute(text(f'CREATE SCHEMA "{kept}"'))
                await connection.execute(text(f"DO $$ BEGIN {copies} END $$"))
                self.sequences[kept] = [
                    (
                        name,
                        *(
                            await connection.execute(
                                text(f'SELECT last_value, is_called FROM "{name}"')
                            )
                        ).one(),
                    )
                    for name in (await connection.scalars(text(SEQUENCES))).all()
                ]
                return
            inserts = " ".join(
                f'INSERT INTO "{name}" SELECT * FROM "{kept}"."{name}";' for name in TABLES
            )
            restarts = " ".join(
                f"PERFORM setval('\"{name}\"', {value}, {called});"
                for name, value, called in self.sequences[kept]
            )
            await connection.execute(text(f"DO $$ BEGIN {inserts} {restarts} END $$"))


class SqliteTemplates:
    """SQLite hub files made once per test session and copied for each test that needs one: the
    empty schema, and the schema with the sample loaded on the test's clock. A copy holds what
    `create_all` and `load_sample` would have written, without paying for them in every test."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.schema = folder / "schema.db"
        self.postgres = PostgresSamples()

    @staticmethod
    def url(path: Path) -> str:
        return f"sqlite+aiosqlite:///{path}"

    async def empty(self, target: Path) -> None:
        """Put an empty hub database (the schema only) at `target`."""
        if not self.schema.exists():
            database = Database(self.url(self.schema))
            await database.create_all()
            await database.dispose()
        shutil.copyfile(self.schema, target)

    async def load_sample(self, hub: Hub) -> None:
        """Load the sample into `hub`: as a copy when its database is an untouched SQLite file
        on a fixed clock (what `load_sample` on that clock writes), else by importing it."""
        if hub.database.url.startswith("postgresql") and isinstance(hub.clock, FixedClock):
            await self.postgres.load_sample(hub)
            return
        target = Path(hub.database.url.removeprefix("sqlite+aiosqlite:///"))
        untouched = (
            hub.database.url.startswith("sqlite+aiosqlite:///")
            and isinstance(hub.clock, FixedClock)
            and not target.with_name(target.name + "-wal").exists()
            and self.schema.exists()
            and target.read_bytes() == self.schema.read_bytes()
        )
        if not untouched:
            await hub.load_sample()
            return
        moment = hub.clock.now()
        template = self.folder / f"sample-{moment.timestamp():.0f}.db"
        if not template.exists():
            shutil.copyfile(self.schema, template)
            loader = Hub.build(Settings(database_url=self.url(template)), FixedClock(moment))
            await loader.load_sample()
            await loader.close()
        await hub.database.dispose()
        shutil.copyfile(template, target)


@pytest.fixture(scope="session")
def sqlite_templates(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplates:
    return SqliteTemplates(tmp_path_factory.mktemp("templates"))


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty hub database with the schema in place, on each backend in turn."""
    if request.param == "sqlite":
        path = tmp_path / "hub.db"
        await request.getfixturevalue("sqlite_templates").empty(path)
        yield SqliteTemplates.url(path)
        return
    url = request.getfixturevalue("postgres_url")
    await _empty(url)
    yield url


@pytest.fixture(scope="session")
def private_postgres() -> Iterator[PrivatePostgres]:
    """A PostgreSQL server of this test session's own, which fault tests stop and start."""
    try:
        server = PrivatePostgres()
    except ServerUnavailable as error:
        reason = f"no private PostgreSQL server for the fault tests: {error}"
        if REQUIRE_PG:
            pytest.fail(reason + "; SAFERHUB_REQUIRE_POSTGRES=1 demands it", pytrace=False)
        pytest.skip(reason)
    yield server
    server.remove()


@pytest.fixture
async def outage(private_postgres: PrivatePostgres, clock: FixedClock) -> AsyncIterator[Outage]:
    """Hubs on the private server, which the test may stop and start (running again after)."""
    faults = Outage(private_postgres, clock)
    yield faults
    await faults.close()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(MONDAY_9AM)


@pytest.fixture(autouse=True)
def command_line_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The `saferhub` commands a test runs (in process or as a subprocess) start their clock at
    the test clock's moment (SAFERHUB_CLOCK_START), never at today's date."""
    monkeypatch.setenv("SAFERHUB_CLOCK_START", MONDAY_9AM.isoformat())


@pytest.fixture(autouse=True)
def root_log_handlers() -> Iterator[None]:
    """Give back the root logger's handlers after a test that ran a `saferhub` command: its
    handler writes to that test's captured stderr, which is closed once the test ends."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
    for handler in handlers:
        if handler not in root.handlers:
            root.addHandler(handler)
    root.setLevel(level)


@pytest.fixture
async def hub(database_url: str, clock: FixedClock) -> AsyncIterator[Hub]:
    """A hub on an empty database."""
    built = Hub.build(Settings(database_url=database_url), clock)
    yield built
    await built.close()


@pytest.fixture
async def sample_hub(hub: Hub, sqlite_templates: SqliteTemplates) -> Hub:
    """A hub with the fictional sample directory, agreements and recommendations loaded."""
    await sqlite_templates.load_sample(hub)
    return hub


GRAFFITI: dict[str, Any] = {
    "danger_now": "no",
    "about_person": "no",
    "category": "hate_graffiti",
    "description": "Go home, in red",
    "location": {"text": "Cheapside", "postcode": None, "lat": None, "lon": None},
    "location_type": "wall_bridge",
    "seen_at": "2026-11-23T08:30:00+00:00",
    "still_there": "yes",
    "extent": "single",
    "targets": ["nobody"],
    "threat_violence": "no",
    "names_target": "no",
    "terror_reference": "no",
    "photos": None,
    "already_reported": "none",
    "removal_requested": "no",
    "show_name": "no",
    "marking": "official",
}


def concern_answers(**changes: Any) -> dict[str, Any]:
    """A confirmed concern form's answers (hate graffiti on Cheapside, P3 as it stands), changed."""
    return {**GRAFFITI, **changes}


class Person:
    """A test user talking to the hub through the console address, like a transcript."""

    def __init__(self, hub: Hub, email: str, platform: Platform = Platform.CONSOLE) -> None:
        self.hub = hub
        self.email = email
        self.address = Address(platform, "local", "terminal", email)
        self.replies: list[object] = []

    async def send(self, user_input: Input | str, event_id: str | None = None) -> list[object]:
        item = TextInput(user_input) if isinstance(user_input, str) else user_input
        inbound = Inbound(self.address, event_id or uuid.uuid4().hex, item, email=self.email)
        result = await self.hub.turns.handle(inbound)
        self.replies = list(result.replies)
        return self.replies

    async def say(self, *lines: str) -> list[object]:
        """Send each line in turn; return the replies to the last one."""
        for line in lines:
            await self.send(line)
        return self.replies

    @property
    def last(self) -> object:
        return self.replies[-1]


@pytest.fixture
def person(sample_hub: Hub):  # type: ignore[no-untyped-def]
    """Factory: person('alex@example.org') talks to the sample hub."""
    return lambda email: Person(sample_hub, email)
