"""Inbound turns: signed Slack `message.im` events against a real `saferhub serve` process.

Many simulated users each talk to the bot in their own DM, in parallel: every user reports
visual-audit concerns in typed chat (14 turns from "there's racist graffiti on the bus stop on
Elm Road" to "confirm", which records the concern, its triage, audit rows and the managers'
alerts), then asks "my reports", and starts again. Two users share each of 200 streets. Events are signed like Slack's and posted to
/slack/events; the Slack Web API is the loopback fake (`tests/fakes/slack_api.py`) running in
this process, which sees every reply the server posts.

For each backend (SQLite, PostgreSQL) and number of replicas (one `saferhub serve` process, then
two on the same PostgreSQL database with events spread round robin, as a load balancer would) it
prints:

- ack latency p50/p95/p99 and the full turn time (event posted -> reply posted to the fake) at a
  fixed offered load (open loop, default 100 events/s);
- sustained full turns per second with many conversations in flight (closed loop: each
  conversation sends its next message when the reply to the last one arrives);
- the server processes' CPU time per turn, how busy the whole machine was, and peak RSS;

and, in the same run, the throughput of a bare slack-bolt AsyncApp on aiohttp that verifies the
signature and acknowledges an empty handler (`bench/bare_bolt.py`), with Saferhub's sustained
turns per second as a ratio of it. Run from the repository root:

    python -m bench.inbound_turns [--backend sqlite postgresql] [--postgres URL]
        [--replicas 1 2] [--users 400] [--rate 100] [--seconds 20] [--concurrency 64]
        [--saturate-seconds 20] [--py-spy PREFIX]

With --py-spy (pip install '.[bench]') the first server process is sampled during saturation
and the raw stacks written to PREFIX-BACKEND.txt.

Everything is bounded: each phase stops sending at its deadline and waits at most 60 s for the
replies still due; all traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import shutil
import subprocess
import sys
import time
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import AsyncExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from sqlalchemy import select

from bench.common import (
    DEFAULT_POSTGRES,
    Served,
    free_port,
    machine,
    machine_busy,
    scratch_database,
    served,
)
from bench.common import spread as spread_of
from bot.config import Settings
from bot.conversation.hub import Hub
from storage.crypto import DEVELOPMENT_KEY
from storage.models import Partner, Person, PersonRole
from tests.fakes.slack_api import (
    BOT_TOKEN,
    PEOPLE,
    SECRET,
    Call,
    FakeSlack,
    dm_event,
    dm_of,
    event_body,
    signed_headers,
)

# 200 street names, two users to a street: reports near one another are triaged together and
# folded into one alert, but no single street collects every report of the run.
STREETS = tuple(
    f"{name} {kind}"
    for name in (
        "Elm", "Mill", "Church", "Station", "Victoria", "Park", "Queen", "King", "Bridge", "Oak",
        "Ash", "Cedar", "Maple", "Willow", "Birch", "Hazel", "Rowan", "Holly", "Laurel", "Beech",
    )
    for kind in ("Road", "Street", "Lane", "Avenue", "Grove", "Close", "Way", "Place", "Row", "Walk")
)  # fmt: skip
SCRIPT = (
    "there's racist graffiti on the bus stop on {street}",
    "no",
    "no",
    "Go home written in red",
    "now",
    "yes",
    "a single item",
    "no",
    "no",
    "no",
    "skip",
    "none",
    "no",
    "confirm",
    "my reports",
)
REPLY_WAIT = 60.0


def bench_people(count: int) -> dict[str, tuple[str, str]]:
    """Slack user id -> (email, name) for the simulated users."""
    return {f"UB{i:05d}": (f"bench{i:05d}@example.org", f"Bench User{i:05d}") for i in range(count)}


async def prepare(url: str, people: dict[str, tuple[str, str]]) -> None:
    """`saferhub demo` (migrate and the sample), plus the simulated users in the directory."""
    hub = Hub.build(Settings(database_url=url))
    try:
        await hub.migrate()
        await hub.load_sample()
        async with hub.database.transaction() as session:
            cst = await session.scalar(select(Partner).where(Partner.code == "CST"))
            assert cst is not None
            session.add_all(
                Person(
                    email=email,
                    name=name,
                    partner_id=cst.id,
                    slack_user_id=user,
                    in_directory=True,
                    roles=[PersonRole(role="staff")],
                )
                for user, (email, name) in people.items()
            )
    finally:
        await hub.close()


@dataclass
class Phase:
    """What one phase of load measured."""

    acks_ms: list[float] = field(default_factory=list)
    turns_ms: list[float] = field(default_factory=list)
    sent: int = 0
    failed: int = 0
    started: float = 0.0
    deadline: float = 0.0
    replied_in_time: int = 0


class Load:
    """Sends users' next lines as signed events and matches each reply the fake sees to its event.

    A user's events are answered in order (one process keeps a conversation's turns in order,
    and with several replicas a user has at most one event in flight except at the fixed load,
    where they are seconds apart), so the n-th reply posted in a DM answers the n-th event.
    """

    def __init__(self, urls: Sequence[str], fake: FakeSlack, users: Sequence[str]) -> None:
        self.urls = itertools.cycle([url + "/slack/events" for url in urls])
        self.users = list(users)
        self.street = {user: STREETS[i % len(STREETS)] for i, user in enumerate(users)}
        self.cursor = dict.fromkeys(users, 0)
        self.waiting: dict[str, deque[float]] = {dm_of(user): deque() for user in users}
        self.replied: dict[str, asyncio.Event] = {dm_of(user): asyncio.Event() for user in users}
        self.phase = Phase()
        self.session: aiohttp.ClientSession | None = None
        fake.listeners.append(self._seen)

    async def __aenter__(self) -> Load:
        connector = aiohttp.TCPConnector(limit=256)
        self.session = aiohttp.ClientSession(connector=connector)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self.session is not None:
            await self.session.close()

    def _seen(self, call: Call) -> None:
        if call.method != "chat.postMessage" or "_failed" in call.args:
            return
        channel = str(call.args.get("channel"))
        queue = self.waiting.get(channel)
        if not queue:
            return
        sent = queue.popleft()
        self.phase.turns_ms.append((call.at - sent) * 1000)
        if call.at <= self.phase.deadline:
            self.phase.replied_in_time += 1
        self.replied[channel].set()

    def next_line(self, user: str) -> str:
        line = SCRIPT[self.cursor[user] % len(SCRIPT)]
        self.cursor[user] += 1
        return line.format(street=self.street[user])

    async def send(self, user: str, text: str, *, expect_reply: bool = True) -> None:
        """Post one signed message event; record the ack time, and await its reply if asked."""
        assert self.session is not None
        body = json.dumps(event_body(dm_event(user, text)))
        channel = dm_of(user)
        sent = time.monotonic()
        if expect_reply:
            self.waiting[channel].append(sent)
        self.phase.sent += 1
        try:
            async with self.session.post(
                next(self.urls), data=body.encode(), headers=signed_headers(body)
            ) as response:
                await response.read()
                ok = response.status == 200
        except aiohttp.ClientError:
            ok = False
        self.phase.acks_ms.append((time.monotonic() - sent) * 1000)
        if not ok:
            self.phase.failed += 1
            if expect_reply:
                self.waiting[channel].remove(sent)

    async def settle(self) -> None:
        """Wait (at most REPLY_WAIT seconds) until every event sent has had its reply."""
        limit = time.monotonic() + REPLY_WAIT
        while any(self.waiting.values()) and time.monotonic() < limit:
            await asyncio.sleep(0.05)
        for queue in self.waiting.values():
            queue.clear()

    def start_phase(self, seconds: float) -> Phase:
        self.phase = Phase(started=time.monotonic())
        self.phase.deadline = self.phase.started + seconds
        return self.phase

    async def open_loop(self, rate: float, seconds: float, *, replies: bool = True) -> Phase:
        """Offer `rate` events per second for `seconds`, whatever the replies do.

        With `replies` False every event is a plain "hello" and only the acks are timed (the
        bare bolt app answers nothing).
        """
        phase = self.start_phase(seconds)
        tasks = []
        for k in range(int(rate * seconds)):
            delay = phase.started + k / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            user = self.users[k % len(self.users)]
            line = self.next_line(user) if replies else "hello"
            tasks.append(asyncio.create_task(self.send(user, line, expect_reply=replies)))
        await asyncio.gather(*tasks)
        if replies:
            await self.settle()
        return phase

    async def closed_loop(self, concurrency: int, seconds: float) -> Phase:
        """`concurrency` conversations in flight: each sends again when its reply arrives."""
        phase = self.start_phase(seconds)

        async def conversation(users: list[str]) -> None:
            turn = 0
            while time.monotonic() < phase.deadline:
                user = users[turn % len(users)]
                turn += 1
                channel = dm_of(user)
                self.replied[channel].clear()
                await self.send(user, self.next_line(user))
                try:
                    await asyncio.wait_for(self.replied[channel].wait(), REPLY_WAIT)
                except TimeoutError:
                    return

        await asyncio.gather(
            *(conversation(self.users[w::concurrency]) for w in range(concurrency))
        )
        await self.settle()
        return phase

    async def acks_only(self, concurrency: int, seconds: float) -> Phase:
        """`concurrency` senders posting events as fast as they are acknowledged (no replies)."""
        phase = self.start_phase(seconds)

        async def sender(users: list[str]) -> None:
            turn = 0
            while time.monotonic() < phase.deadline:
                user = users[turn % len(users)]
                turn += 1
                await self.send(user, "hello", expect_reply=False)
                if time.monotonic() <= phase.deadline:
                    phase.replied_in_time += 1

        await asyncio.gather(*(sender(self.users[w::concurrency]) for w in range(concurrency)))
        return phase


@contextmanager
def profiled(server: Served, output: str | None, backend: str, seconds: float) -> Iterator[None]:
    """Sample the server with py-spy while the block runs (raw collapsed stacks to OUTPUT-backend)."""
    if not output:
        yield
        return
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(py_spy).exists():
        raise SystemExit("--py-spy needs py-spy: pip install -e '.[bench]'")
    recorder = subprocess.Popen(
        [
            py_spy,
            "record",
            "--pid",
            str(server.pid),
            "--duration",
            str(int(seconds)),
            "--format",
            "raw",
            "--nonblocking",
            "--output",
            f"{output}-{backend}.txt",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        recorder.wait(timeout=seconds + 30)


def slack_env(fake: FakeSlack) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.api_url,
    }


@dataclass
class Figures:
    """One backend's results."""

    backend: str
    replicas: int
    fixed: Phase
    saturated: Phase
    saturated_seconds: float
    cpu_ms_per_turn: float
    machine_load: float
    rss_mb: float
    bare: Phase
    bare_fixed: Phase

    @property
    def turns_per_second(self) -> float:
        return self.saturated.replied_in_time / self.saturated_seconds

    @property
    def bare_per_second(self) -> float:
        return self.bare.replied_in_time / self.saturated_seconds


def cpu_of(servers: Sequence[Served]) -> float:
    return sum(server.cpu_seconds() for server in servers)


async def run_backend(backend: str, replicas: int, args: argparse.Namespace) -> Figures:
    people = bench_people(args.users)
    fake = FakeSlack({**PEOPLE, **people})
    await fake.start()
    try:
        async with scratch_database(backend, args.postgres) as url:
            await prepare(url, people)
            env = {
                **slack_env(fake),
                "SAFERHUB_DATABASE_URL": url,
                "SAFERHUB_TICK_SECONDS": "30",
                "SAFERHUB_LOG_LEVEL": "WARNING",
                "SAFERHUB_DATA_KEY": DEVELOPMENT_KEY.decode(),  # one key shared by the replicas
            }
            async with AsyncExitStack() as stack:
                servers = []
                for _ in range(replicas):
                    port = free_port()
                    command = ["bot", "serve", "--port", str(port)]
                    servers.append(await stack.enter_async_context(served(command, env, port)))
                load = await stack.enter_async_context(
                    Load([server.url for server in servers], fake, list(people))
                )
                await load.closed_loop(args.concurrency, 3)  # warm up: profiles, pools, caches
                fixed = await load.open_loop(args.rate, args.seconds)
                cpu_before, busy_before = cpu_of(servers), machine_busy()
                with profiled(servers[0], args.py_spy, backend, args.saturate_seconds):
                    saturated = await load.closed_loop(args.concurrency, args.saturate_seconds)
                cpu = cpu_of(servers) - cpu_before
                busy_after = machine_busy()
                machine_load = (busy_after[0] - busy_before[0]) / (busy_after[1] - busy_before[1])
                rss = max(server.peak_rss_mb() for server in servers)
            bare, bare_fixed = await measure_bare(fake, people, args)
    finally:
        await fake.stop()
    cpu_ms = cpu * 1000 / max(1, len(saturated.turns_ms))
    return Figures(
        backend,
        replicas,
        fixed,
        saturated,
        args.saturate_seconds,
        cpu_ms,
        machine_load,
        rss,
        bare,
        bare_fixed,
    )


async def measure_bare(
    fake: FakeSlack, people: dict[str, tuple[str, str]], args: argparse.Namespace
) -> tuple[Phase, Phase]:
    """The bare bolt app: acks per second flat out, and ack latency at the fixed rate."""
    port = free_port()
    async with (
        served(["bench.bare_bolt", "--port", str(port)], slack_env(fake), port) as server,
        Load([server.url], fake, list(people)) as load,
    ):
        await load.acks_only(args.concurrency, 2)  # warm up
        flat_out = await load.acks_only(args.concurrency, args.saturate_seconds)
        fixed = await load.open_loop(args.rate, args.seconds, replies=False)
    return flat_out, fixed


def report(figures: Figures, args: argparse.Namespace) -> None:
    fixed, saturated = figures.fixed, figures.saturated
    served_by = f"{figures.replicas} replicas" if figures.replicas > 1 else "one process"
    print(
        f"\n{figures.backend}, saferhub serve as {served_by}: {args.users} users, "
        f"{len(SCRIPT)}-turn conversations"
    )
    print(
        f"  fixed load, {args.rate:g} events/s for {args.seconds:g} s "
        f"({fixed.sent} events, {fixed.failed} not acknowledged with 200):"
    )
    print(f"    ack latency                          {spread_of(fixed.acks_ms)}")
    print(f"    full turn (event -> reply posted)    {spread_of(fixed.turns_ms)}")
    print(
        f"  saturation, {args.concurrency} conversations in flight for {args.saturate_seconds:g} s:"
    )
    print(
        f"    sustained full turns/s              {figures.turns_per_second:7.1f}"
        f"   ({figures.cpu_ms_per_turn:.2f} ms of server CPU per turn; "
        f"all cores {figures.machine_load:.0%} busy)"
    )
    print(f"    ack latency                          {spread_of(saturated.acks_ms)}")
    print(f"    full turn (event -> reply posted)    {spread_of(saturated.turns_ms)}")
    print(f"  peak RSS of a server process          {figures.rss_mb:7.1f} MB")
    print(
        f"  bare bolt AsyncApp (verify + ack, empty handler): {figures.bare_per_second:7.1f} acks/s; "
        f"ack latency at {args.rate:g}/s {spread_of(figures.bare_fixed.acks_ms)}"
    )
    print(
        f"  ratio: Saferhub full turns/s / bare bolt acks/s = "
        f"{figures.turns_per_second / max(figures.bare_per_second, 1e-9):.2f}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--backend", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"]
    )
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, metavar="URL")
    parser.add_argument("--users", type=int, default=400)
    parser.add_argument("--rate", type=float, default=100.0, help="events/s of the fixed load")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the fixed load")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--saturate-seconds", type=float, default=20.0)
    parser.add_argument(
        "--replicas",
        type=int,
        nargs="+",
        default=[1, 2],
        help="saferhub serve processes on one PostgreSQL database, events spread round robin "
        "(SQLite runs one)",
    )
    parser.add_argument(
        "--py-spy",
        metavar="PREFIX",
        help="record the server with py-spy during the saturation phase (PREFIX-BACKEND.txt)",
    )
    args = parser.parse_args()
    print(f"Inbound Slack turns against saferhub serve on {machine()}")
    print(
        "Targets (2 cores): ack p99 < 50 ms at 100 events/s; >= 300 full turns/s on PostgreSQL; "
        "ratio to the bare bolt app >= 0.5; RSS < 200 MB"
    )
    for backend in args.backend:
        for replicas in args.replicas:
            if replicas > 1 and backend == "sqlite":
                continue  # SQLite is one process's database
            report(await run_backend(backend, replicas, args), args)


if __name__ == "__main__":
    asyncio.run(main())
