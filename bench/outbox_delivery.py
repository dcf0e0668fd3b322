"""Outbox delivery: 10 000 pending notices through the Slack channel, with Slack rate-limiting.

Queues N notices (default 10 000) to R people (default 1 000, round robin, as a morning of
nudges and alerts would be), then runs D dispatchers (default 2, each with its own database pool,
Slack channel and worker name, as two replicas would) until every notice is delivered. The Slack
Web API is the loopback fake (`tests/fakes/slack_api.py`), answering every 100th chat.postMessage
with 429 and `Retry-After: 1`; the channel's real deliverer is used, so posts to one person are
paced to one a second like Slack's limit.

It prints notices per second, the 429s Slack answered and the retries they caused, and checks
from the fake's side that every notice arrived exactly once (none lost, none twice). Run from
the repository root:

    python -m bench.outbox_delivery [--backend sqlite postgresql] [--postgres URL]
        [--notices 10000] [--recipients 1000] [--dispatchers 2] [--throttle-every 100]

Bounded: it gives up after --timeout seconds (default 300).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import time
from collections import Counter

from sqlalchemy import func, select

from bench.common import DEFAULT_POSTGRES, machine, scratch_database
from bot.channels.slack import build_channel
from bot.config import Settings
from bot.conversation.hub import Hub
from bot.outbox.dispatcher import Dispatcher
from dialogs.messages import Notice, notice_to_json
from storage import outbox
from storage.models import OutboxMessage, Partner, Person, PersonRole
from tests.fakes.slack_api import BOT_TOKEN, SECRET, FakeSlack

KIND = "bench_notice"


async def prepare(url: str, notices: int, recipients: int) -> dict[str, tuple[str, str]]:
    """`saferhub demo`, the recipients (with Slack ids), and the pending notices."""
    people = {
        f"UR{i:05d}": (f"reader{i:05d}@example.org", f"Reader {i:05d}") for i in range(recipients)
    }
    hub = Hub.build(Settings(database_url=url))
    try:
        await hub.migrate()
        await hub.load_sample()
        async with hub.unit() as uow:
            cst = await uow.session.scalar(select(Partner).where(Partner.code == "CST"))
            assert cst is not None
            added = [
                Person(
                    email=email,
                    name=name,
                    partner_id=cst.id,
                    slack_user_id=user,
                    roles=[PersonRole(role="staff")],
                )
                for user, (email, name) in people.items()
            ]
            uow.session.add_all(added)
            await uow.session.flush()
            queued = [
                outbox.Queued(
                    dedupe_key=f"bench:{i}",
                    kind=KIND,
                    payload=notice_to_json(
                        Notice(KIND, f"Bench notice {i}", ("Nothing to do: a benchmark.",), "")
                    ),
                    recipient_id=added[i % recipients].id,
                )
                for i in range(notices)
            ]
            await outbox.enqueue_many(uow.session, queued, now=uow.now)
    finally:
        await hub.close()
    return people


async def pending(hub: Hub) -> int:
    async with hub.database.transaction() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.kind == KIND, OutboxMessage.status != "sent")
        )
    return int(count or 0)


async def replica(hub: Hub, dispatcher: Dispatcher, deadline: float) -> None:
    """What a replica's outbox job does, run back to back until nothing is left to send."""
    while time.monotonic() < deadline:
        report = await dispatcher.drain()
        if not any((report.sent, report.retried, report.lost)) and not await pending(hub):
            return
        if not report.sent:
            await asyncio.sleep(0.1)  # only rate-limited rows left: wait for their Retry-After


async def run_backend(backend: str, args: argparse.Namespace) -> None:
    async with scratch_database(backend, args.postgres) as url:
        people = await prepare(url, args.notices, args.recipients)
        fake = FakeSlack(people)
        fake.throttle("chat.postMessage", args.throttle_every, retry_after=1)
        await fake.start()
        env = {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": fake.api_url,
        }
        hubs = [Hub.build(Settings(database_url=url)) for _ in range(args.dispatchers)]
        channels = [build_channel(hub, env) for hub in hubs]
        try:
            for channel in channels:
                await channel.start()
            dispatchers = [
                Dispatcher(
                    hub.database,
                    hub.clock,
                    [channel.deliverer],
                    worker=f"bench-{n}",
                    lease=hub.settings.outbox_lease,
                )
                for n, (hub, channel) in enumerate(zip(hubs, channels, strict=True))
            ]
            started = time.monotonic()
            deadline = started + args.timeout
            await asyncio.gather(
                *(replica(hub, d, deadline) for hub, d in zip(hubs, dispatchers, strict=True))
            )
            elapsed = time.monotonic() - started
            left = await pending(hubs[0])
        finally:
            for channel in channels:
                await channel.stop()
            for hub in hubs:
                await hub.close()
            await fake.stop()
    posts = [c for c in fake.calls if c.method == "chat.postMessage"]
    delivered = Counter(c.args.get("text") for c in posts if "_failed" not in c.args)
    limited = sum(1 for c in posts if c.args.get("_failed") == 429)
    twice = sum(1 for n in delivered.values() if n > 1)
    missing = args.notices - len(delivered)
    print(
        f"\n{backend}: {args.notices:,} notices to {args.recipients:,} people, "
        f"{args.dispatchers} dispatcher(s)"
    )
    print(
        f"  delivered in {elapsed:6.1f} s: {args.notices / elapsed:7.1f} notices/s; "
        f"{limited} answered 429 (Retry-After: 1 s) and retried"
    )
    print(
        f"  each notice exactly once: {'yes' if not (twice or missing or left) else 'NO'} "
        f"({missing} missing, {twice} twice, {left} still pending)"
    )


async def main() -> None:
    logging.getLogger("bot.outbox.dispatcher").setLevel(logging.ERROR)  # 429s are expected here
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--backend", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"]
    )
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, metavar="URL")
    parser.add_argument("--notices", type=int, default=10_000)
    parser.add_argument("--recipients", type=int, default=1_000)
    parser.add_argument("--dispatchers", type=int, default=2)
    parser.add_argument("--throttle-every", type=int, default=100, metavar="N")
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args()
    print(f"Outbox delivery through the Slack channel on {machine()}")
    for backend in args.backend:
        await run_backend(backend, args)


if __name__ == "__main__":
    asyncio.run(main())
