"""A database outage through the turn loop: what was sent is either processed once the database
is back, in order and once, or its sender is told plainly that nothing was saved, and the
conversation stays on the question that is really open.

The outages are real: a PostgreSQL server of the test's own is stopped (a fast shutdown, as in a
restart) and started again, mid-turn or between turns.
"""

from __future__ import annotations

import asyncio
import errno
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from bot.channels.console.chat import ConsoleChat
from bot.config import ConfigError, Settings
from bot.conversation.hub import Hub
from bot.conversation.turns import ALREADY_SAVED, TurnResult
from dialogs.messages import Ask, Inbound, Say, TextInput
from storage.database import Database
from storage.models import DialogSession, ProcessedEvent
from storage.outage import unreachable
from tests.conftest import Person
from tests.private_postgres import Outage

START = "there's racist graffiti on the bus stop on Cheapside"
NOT_SAVED = (
    "I couldn't save your last message because the hub's database is unavailable. Nothing from "
    "it was recorded; please send it again in a few minutes."
)


async def answers(hub: Hub, person: Person) -> dict[str, Any]:
    async with hub.database.transaction() as session:
        row = await session.scalar(
            select(DialogSession).where(
                DialogSession.address_key == person.address.key, DialogSession.active.is_(True)
            )
        )
    assert row is not None
    return dict(row.state["answers"])


async def processed(hub: Hub) -> int:
    async with hub.database.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(ProcessedEvent)) or 0)


def asked(result: TurnResult) -> str:
    last = result.replies[-1]
    assert isinstance(last, Ask), result
    return last.field


def send(hub: Hub, person: Person, line: str, **options: Any) -> asyncio.Task[TurnResult]:
    """Hand one line to the turn loop now, as a channel does, without waiting for it."""
    inbound = Inbound(person.address, uuid.uuid4().hex, TextInput(line), person.email)
    return asyncio.get_running_loop().create_task(hub.turns.handle(inbound, **options))


def test_a_message_waits_thirty_seconds_for_the_database_unless_set() -> None:
    assert Settings.from_env({}).database_retry == timedelta(seconds=30)
    retry = Settings.from_env({"SAFERHUB_DATABASE_RETRY_SECONDS": "5"}).database_retry
    assert retry == timedelta(seconds=5)
    with pytest.raises(ConfigError, match="SAFERHUB_DATABASE_RETRY_SECONDS"):
        Settings.from_env({"SAFERHUB_DATABASE_RETRY_SECONDS": "a while"})


async def test_an_answer_cut_off_mid_turn_is_processed_once_the_database_is_back(
    outage: Outage,
) -> None:
    hub = await outage.hub(retry_seconds=10)
    alex = Person(hub, "alex@example.org")
    await alex.send(START)
    outage.start_after(1.0)

    with outage.cut_when(hub, "INSERT INTO processed_event") as cut:
        replies = await alex.send("no")

    assert cut.fired and outage.server.running()
    assert isinstance(replies[-1], Ask) and replies[-1].field == "about_person"
    assert (await answers(hub, alex))["danger_now"] == "no"
    assert await processed(hub) == 2


async def test_answers_sent_during_a_short_outage_are_all_processed_in_order(
    outage: Outage,
) -> None:
    hub = await outage.hub(retry_seconds=10)
    alex = Person(hub, "alex@example.org")
    await alex.send(START)
    await outage.stop()

    turns = [send(hub, alex, line) for line in ("no", "no", "violence")]
    outage.start_after(1.0)
    results = [await turn for turn in turns]

    assert [asked(result) for result in results] == ["about_person", "threats", "photos"]
    got = await answers(hub, alex)
    assert (got["danger_now"], got["about_person"]) == ("no", "no")
    assert got["threats"] == ["violence"]
    assert await processed(hub) == 4


async def test_a_long_outage_tells_the_person_and_the_resend_answers_the_open_question(
    outage: Outage,
) -> None:
    hub = await outage.hub(retry_seconds=1)
    alex = Person(hub, "alex@example.org")
    await alex.send(START)
    await outage.stop()
    loop = asyncio.get_running_loop()
    began = loop.time()

    result = await send(hub, alex, "no")

    assert 1.0 <= loop.time() - began < 5.0
    assert result.unsaved and result.replies == (Say(NOT_SAVED),)
    await outage.start_after(0)
    assert "danger_now" not in await answers(hub, alex)
    assert await processed(hub) == 1
    replies = await alex.send("no")
    assert isinstance(replies[-1], Ask) and replies[-1].field == "about_person"


async def test_answers_waiting_behind_a_dropped_one_are_dropped_with_it(outage: Outage) -> None:
    """The second answer would wait longer than the first, and the database is back before it
    gives up; processed, it would answer the question meant for the dropped first one."""
    hub = await outage.hub(retry_seconds=1)
    alex = Person(hub, "alex@example.org")
    await alex.send(START)
    await outage.stop()

    first = send(hub, alex, "no")
    await asyncio.sleep(0.3)
    second = send(hub, alex, "Go home written in red", patience=timedelta(seconds=10))
    outage.start_after(1.2)

    assert (await first).unsaved
    assert (await second).unsaved
    await outage.restarts[-1]
    assert "danger_now" not in await answers(hub, alex)
    assert await processed(hub) == 1


@contextmanager
def commit_reply_lost() -> Iterator[None]:
    """The connection dies just after COMMIT reached the database: the turn is saved, but the
    turn loop sees only the lost connection (raised from SQLAlchemy's after_commit hook)."""
    armed = [True]

    def lose(_session: Session) -> None:
        if armed[0]:
            armed[0] = False
            raise ConnectionResetError(errno.ECONNRESET, "connection lost after COMMIT")

    event.listen(Session, "after_commit", lose)
    try:
        yield
    finally:
        event.remove(Session, "after_commit", lose)


async def test_a_turn_saved_as_the_connection_dropped_says_so_and_asks_the_open_question(
    sample_hub: Hub,
) -> None:
    alex = Person(sample_hub, "alex@example.org")
    await alex.send(START)

    with commit_reply_lost():
        replies = await alex.send("no")

    assert replies[0] == Say(ALREADY_SAVED)
    assert isinstance(replies[-1], Ask) and replies[-1].field == "about_person"
    assert (await answers(sample_hub, alex))["danger_now"] == "no"
    assert await processed(sample_hub) == 2


async def test_the_terminal_chat_says_plainly_that_a_line_was_not_saved(outage: Outage) -> None:
    hub = await outage.hub(retry_seconds=0.5)
    lines: list[str] = []
    chat = ConsoleChat(hub, "alex@example.org", lines.append)
    await chat.send(TextInput(START))
    await outage.stop()

    await chat.send(TextInput("no"))

    assert lines[-1] == NOT_SAVED


async def test_only_an_unreachable_database_is_waited_for(outage: Outage) -> None:
    """Real errors from a real server: an outage is recognised, a fault in the request is not."""
    hub = await outage.hub()
    database = Database(hub.database.url)
    caught: dict[str, BaseException] = {}

    async def attempt(name: str, statement: str) -> None:
        try:
            async with database.transaction() as session:
                await session.execute(text(statement))
        except Exception as error:
            caught[name] = error

    await attempt("bad sql", "SELEC 1")
    await attempt("constraint", "INSERT INTO person (id) VALUES (NULL)")
    await attempt("warm", "SELECT 1")
    await outage.stop()
    await attempt("connection died", "SELECT 1")
    await attempt("refused", "SELECT 1")
    await database.dispose()

    assert set(caught) == {"bad sql", "constraint", "connection died", "refused"}
    assert not unreachable(caught["bad sql"]) and not unreachable(caught["constraint"])
    assert isinstance(caught["connection died"], DBAPIError)
    assert unreachable(caught["connection died"]) and unreachable(caught["refused"])
    assert unreachable(PoolTimeout("QueuePool limit reached"))
    assert not unreachable(FileNotFoundError(errno.ENOENT, "no such file"))
    assert not unreachable(ValueError("a bug"))
