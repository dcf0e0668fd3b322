"""Three `saferhub serve` replicas on one PostgreSQL database: the scale-out claims, proven.

Each replica is a real process on its own 127.0.0.1 port with the Slack channel, its Web API
pointed at one `FakeSlack` in this test process, and every scheduler tick running each second.
The database is prepared like `saferhub demo` (migrate, then the sample), with a Slack id for
everyone, on the clock the replicas run on: it starts on the sample's Monday at 9:00
(SAFERHUB_CLOCK_START), whatever today's date is, so the sweeps have nudges, escalations and a
digest to send.

- Conversations: each reporter's turns go round the replicas, and some events are delivered
  twice at once, to two replicas, as a Slack retry would be. Every conversation ends with its
  concern recorded, and every turn got exactly one reply.
- Ticks: all three replicas sweep and dispatch; every outbox row is delivered exactly once (the
  fake's messages against the rows' message ids), and each owner gets one nudge for the day.
- SIGKILL: a replica is killed while Slack holds its delivery of an alert it claimed. Nothing it
  committed is lost, the other replicas re-claim its rows once its lease (10 s here) ends, and the
  conversations in progress finish on the survivors.

PostgreSQL only (SQLite is one process's database by design); the fixtures skip or fail like
the rest of the suite's PostgreSQL tests. Every wait polls with a deadline.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select, text

from bot.config import Settings, clock_from_env
from bot.conversation.hub import Hub
from storage.crypto import DEVELOPMENT_KEY
from storage.database import Database
from storage.models import Concern, DialogSession, OutboxMessage, Person, ProcessedEvent
from tests.conftest import PG_SERVER
from tests.fakes.slack_api import (
    BOT_TOKEN,
    SECRET,
    FakeSlack,
    dm_event,
    dm_of,
    event_body,
    signed_headers,
)

ROOT = Path(__file__).resolve().parents[2]
REPLICAS = 3
# Short enough that a killed replica's rows come back within the test, long enough that a send
# slowed by a loaded machine (or one Slack holds while the other rows go out) is never re-claimed
# mid-flight: with 3 s, a busy CI machine saw nudges sent twice and held alerts re-claimed.
LEASE_SECONDS = 10
# The replicas' clock (and the loading fixture's): the sample's Monday, 9:00 in London.
CLOCK = {"SAFERHUB_CLOCK_START": "2026-11-23T09:00:00+00:00"}
# What each reporter types, and a piece of the reply that must come back to it.
REPORT = (
    ("there's racist graffiti on the bus stop on {street}", "anyone in danger now"),
    ("no", "specific person"),
    ("no", "threaten violence"),
    ("none", "photos"),
    ("skip", "reported anywhere"),
    ("none", "Check your visual-audit concern"),
    ("confirm", "Your concern is recorded as CN-2026-"),
)
REPORTERS = ("alex", "kim", "pat", "ali", "jo", "drew")
STREETS = ("Elm Road", "Mill Lane", "Church Street", "Station Road", "Park Avenue", "Queen Street")
RETRIED_TURNS = (2, 5)  # these turns reach two replicas at once, as a Slack retry can
# Under pytest-xdist, one worker runs these tests one after the other: two clusters of three
# replicas at once would be six servers on a 2-core machine, and timing, not claims, would decide.
pytestmark = pytest.mark.xdist_group("replicas")


def slack_id(email: str) -> str:
    return "U" + email.split("@")[0].upper()


async def _admin(statement: str) -> None:
    database = Database(PG_SERVER)
    try:
        async with database.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(statement))
    finally:
        await database.dispose()


@pytest.fixture
async def demo_database(postgres_url: str) -> AsyncIterator[str]:
    """A database of its own, prepared like `saferhub demo`, everyone with a Slack id.

    The sample is loaded on the replicas' clock: its nudges are planned from that moment, so they
    fall due when the replicas start (on the real clock they would be due days after it).
    """
    name = f"saferhub_scale_{uuid.uuid4().hex[:10]}"
    await _admin(f'CREATE DATABASE "{name}"')
    url = PG_SERVER.rsplit("/", 1)[0] + f"/{name}"
    hub = Hub.build(Settings(database_url=url), clock_from_env(CLOCK))
    try:
        await hub.migrate()
        await hub.load_sample()
        async with hub.database.transaction() as session:
            people = list(await session.scalars(select(Person)))
            for person in people:
                person.slack_user_id = slack_id(person.email)
    finally:
        await hub.close()
    yield url
    await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Replica:
    """One `saferhub serve` process."""

    process: asyncio.subprocess.Process
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def alive(self) -> bool:
        return self.process.returncode is None


@dataclass
class Cluster:
    """The replicas, the fake Web API they share, and a database connection for checking."""

    replicas: list[Replica]
    fake: FakeSlack
    database: Database
    http: aiohttp.ClientSession
    events: set[str] = field(default_factory=set)
    undelivered: list[tuple[int, str, str, str | None]] = field(default_factory=list)
    """The rows `all_delivered` last found not sent, for the failure message."""

    def alive(self) -> list[Replica]:
        return [r for r in self.replicas if r.alive]

    async def post(self, replica: Replica, body: str, retry: int | None = None) -> None:
        async with self.http.post(
            replica.url + "/slack/events",
            data=body.encode(),
            headers=signed_headers(body, retry=retry),
        ) as response:
            assert response.status == 200, await response.text()

    async def turn(
        self, user: str, line: str, reply: str, replica: Replica, retry: Replica | None
    ) -> None:
        """`user` types `line`, delivered to `replica` (and at once to `retry` too), and waits
        for the bot's reply containing `reply` (a nudge may land in the same DM meanwhile)."""
        channel = dm_of(user)
        before = len(self.fake.posted(channel))
        event_id = f"Ev{uuid.uuid4().hex[:12].upper()}"
        self.events.add(event_id)
        body = json.dumps(event_body(dm_event(user, line), event_id))
        sends = [self.post(replica, body)]
        if retry is not None:
            sends.append(self.post(retry, body, retry=1))
        await asyncio.gather(*sends)

        def answered() -> bool:
            return any(reply in text_of(m) for m in self.fake.posted(channel)[before:])

        await self.fake.wait_for(answered, timeout=20)

    async def converse(self, users: Sequence[str], turns: range, first: int = 0) -> None:
        """Every user takes `turns` of the report in step; turn k of user u goes round the replicas."""
        for k in turns:
            alive = self.alive()

            async def one(u: int, user: str, k: int = k, alive: list[Replica] = alive) -> None:
                target = alive[(first + u + k) % len(alive)]
                retry = alive[(first + u + k + 1) % len(alive)] if k in RETRIED_TURNS else None
                line, reply = REPORT[k]
                street = STREETS[(first + u) % len(STREETS)]
                await self.turn(user, line.format(street=street), reply, target, retry)

            await asyncio.gather(*(one(u, user) for u, user in enumerate(users)))

    async def rows(self) -> list[OutboxMessage]:
        async with self.database.transaction() as session:
            return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))

    async def count(self, model: Any, *where: Any) -> int:
        async with self.database.transaction() as session:
            return int(await session.scalar(select(func.count()).select_from(model).where(*where)))


def text_of(message: dict[str, Any]) -> str:
    return json.dumps({"text": message.get("text"), "blocks": message.get("blocks")})


async def until(
    check: Callable[[], Awaitable[bool]],
    timeout: float,
    what: str,
    state: Callable[[], str] = lambda: "",
) -> None:
    """Poll `check` until it holds; fail saying `what` did not happen within `timeout` seconds,
    and what `state` then says."""
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout:.0f} s; {state()}")
        await asyncio.sleep(0.1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def start_replica(url: str, fake: FakeSlack, log_dir: Path) -> Replica:
    port = free_port()
    log = log_dir / f"replica-{port}.log"
    env = {
        **os.environ,
        "SAFERHUB_DATABASE_URL": url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.api_url,
        "SAFERHUB_TICK_SECONDS": "1",
        "SAFERHUB_OUTBOX_LEASE_SECONDS": str(LEASE_SECONDS),
        # The key the test's own probes read with: every replica must share the one key.
        "SAFERHUB_DATA_KEY": DEVELOPMENT_KEY.decode(),
        **CLOCK,
        "SAFERHUB_LOG_LEVEL": "WARNING",
    }
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "serve", "--port", str(port),
            cwd=ROOT, env=env, stdout=out, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
    return Replica(process, port, log)


@pytest.fixture
async def cluster(demo_database: str, tmp_path: Path) -> AsyncIterator[Cluster]:
    """Three replicas serving Slack on one database, with one fake Web API."""
    people: dict[str, tuple[str, str]] = {}
    probe = Database(demo_database)
    async with probe.transaction() as session:
        for person in await session.scalars(select(Person)):
            people[slack_id(person.email)] = (person.email, person.name)
    fake = FakeSlack(people)
    await fake.start()
    replicas = [await start_replica(demo_database, fake, tmp_path) for _ in range(REPLICAS)]
    http = aiohttp.ClientSession()
    cluster = Cluster(replicas, fake, probe, http)
    try:
        for replica in replicas:
            await until(lambda r=replica: _healthy(http, r), 60, f"replica on {replica.port}")
        yield cluster
    finally:
        for replica in replicas:
            if replica.alive:
                replica.process.send_signal(signal.SIGTERM)
        for replica in replicas:
            try:
                await asyncio.wait_for(replica.process.wait(), 15)
            except TimeoutError:
                replica.process.kill()
                await replica.process.wait()
        await http.close()
        await fake.stop()
        await probe.dispose()


async def _healthy(http: aiohttp.ClientSession, replica: Replica) -> bool:
    if not replica.alive:
        raise AssertionError(f"replica exited early:\n{replica.log.read_text()[-3000:]}")
    try:
        async with http.get(replica.url + "/healthz") as response:
            return response.status == 200
    except aiohttp.ClientError:
        return False


async def all_delivered(cluster: Cluster) -> bool:
    rows = await cluster.rows()
    cluster.undelivered = [
        (r.id, r.kind, r.status, r.last_error) for r in rows if r.status != "sent"
    ]
    return bool(rows) and not cluster.undelivered


async def check_exactly_once(cluster: Cluster, reporters: Sequence[str]) -> list[OutboxMessage]:
    """Each turn one reply, each outbox row one Slack message: nothing lost, nothing twice."""
    fake = cluster.fake
    rows = await cluster.rows()
    assert {row.status for row in rows} == {"sent"}
    new = [row for row in rows if "replaces" not in row.payload]
    notices = {str(row.platform_message_id) for row in new}
    assert len(notices) == len(new) and notices <= fake.messages.keys()
    dms = {dm_of(user) for user in reporters}
    unexplained = [
        (m["channel"], m["text"][:80])
        for ts, m in fake.messages.items()
        if ts not in notices and m["channel"] not in dms
    ]
    assert unexplained == []  # every other message is the delivery of exactly one row
    for user in reporters:
        answers = [text_of(m) for m in fake.posted(dm_of(user)) if m["ts"] not in notices]
        assert len(answers) == len(REPORT), (user, [a[:80] for a in answers])
        assert all(reply in answer for (_line, reply), answer in zip(REPORT, answers, strict=True))
    assert len(fake.called("chat.update")) == len(rows) - len(new)
    assert await cluster.count(Concern) == len(reporters)
    assert await cluster.count(ProcessedEvent) == len(cluster.events)
    nudges = [row for row in rows if row.kind == "recommendation_nudge"]
    assert nudges and len({row.recipient_id for row in nudges}) == len(nudges)
    assert any(row.kind == "concern_alert" for row in rows)
    return rows


async def test_conversations_alerts_and_nudges_across_three_replicas_happen_once(
    cluster: Cluster,
) -> None:
    reporters = [slack_id(f"{name}@example.org") for name in REPORTERS]

    await cluster.converse(reporters, range(len(REPORT)))

    await until(
        lambda: all_delivered(cluster),
        60,
        "delivery of every outbox row",
        lambda: f"not sent: {cluster.undelivered}",
    )
    rows = await check_exactly_once(cluster, reporters)
    senders = {str(row.claimed_by).rsplit(":", 1)[1] for row in rows}
    # Which replica claims a row is timing (on a busy machine one may win every claim); that
    # any of them delivers another's rows is proven by the SIGKILL test below.
    assert senders <= {str(r.process.pid) for r in cluster.replicas}
    assert all(replica.alive for replica in cluster.replicas)


async def test_a_replica_killed_mid_delivery_loses_nothing_and_strands_nobody(
    cluster: Cluster,
) -> None:
    fake = cluster.fake
    first_wave = [slack_id(f"{name}@example.org") for name in REPORTERS[:3]]
    second_wave = [slack_id(f"{name}@example.org") for name in REPORTERS[3:]]
    async with cluster.database.transaction() as session:
        managers = {
            person.id: dm_of(str(person.slack_user_id))
            for person in await session.scalars(
                select(Person).where(Person.email.in_(["priya@example.org", "sam@example.org"]))
            )
        }
    for channel in managers.values():
        fake.hold("chat.postMessage", channel)  # Slack stalls on the managers' alerts
    half = len(REPORT) // 2

    await asyncio.gather(
        cluster.converse(first_wave, range(len(REPORT))),
        cluster.converse(second_wave, range(half), first=len(first_wave)),
    )
    claimed: list[OutboxMessage] = []

    async def only_held_alerts_in_flight() -> bool:
        rows = await cluster.rows()
        claimed[:] = [r for r in rows if r.status == "sending" and r.recipient_id in managers]
        others = [r for r in rows if r.recipient_id not in managers]
        seen[:] = [(r.id, r.kind, r.status, r.claimed_by) for r in others if r.status != "sent"]
        return fake.holding > 0 and bool(claimed) and not seen

    seen: list[tuple[int, str, str, str | None]] = []
    try:
        await until(only_held_alerts_in_flight, 30, "a replica claiming alerts that Slack holds")
    except AssertionError as error:
        raise AssertionError(f"{error}; held {fake.holding}, other rows not sent: {seen}") from None
    worker = str(claimed[0].claimed_by)
    victim = next(r for r in cluster.replicas if worker.endswith(f":{r.process.pid}"))
    stranded = {r.id for r in claimed if r.claimed_by == worker}
    victim.process.send_signal(signal.SIGKILL)
    await victim.process.wait()
    fake.release()

    await cluster.converse(second_wave, range(half, len(REPORT)), first=len(first_wave))

    await until(
        lambda: all_delivered(cluster),
        60,
        "delivery of every outbox row",
        lambda: f"not sent: {cluster.undelivered}",
    )
    rows = await check_exactly_once(cluster, [*first_wave, *second_wave])
    reclaimed = [row for row in rows if row.id in stranded]
    assert reclaimed and all(row.attempts >= 2 for row in reclaimed)
    assert [r.alive for r in cluster.replicas].count(False) == 1
    assert await cluster.count(DialogSession, DialogSession.active.is_(True)) == 0
