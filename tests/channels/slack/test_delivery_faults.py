"""Outbox delivery to Slack through faults: each notice reaches Slack once, whatever breaks.

The database goes away mid-delivery (after Slack kept a post, before its row was marked sent), the
dispatcher dies before its post reaches Slack, and Slack answers 429 and 500, sometimes after
keeping the message. Faults strike from the Slack fake's `before_answer` hook, at the moment Slack
has the message and the dispatcher does not yet know it; the database is PostgreSQL's, with its
connections terminated (and refused, for an outage that outlasts the dispatcher's retries).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg
import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError

from bot.channels.slack.delivery import SlackDeliverer
from bot.channels.slack.render import render_notice
from bot.channels.slack.workspace import Workspace, web_client
from bot.clock import FixedClock
from bot.conversation.hub import Hub
from bot.outbox.dispatcher import Dispatcher
from dialogs.messages import Notice, notice_from_json, notice_to_json
from storage import outbox
from storage.models import OutboxMessage, Person
from tests.conftest import PG_SERVER
from tests.fakes.outage import Outage
from tests.fakes.slack_api import BOT_TOKEN, Call, FakeSlack

SLACK_IDS = {"alex@example.org": "UALEX", "priya@example.org": "UPRIYA", "sam@example.org": "USAM"}
ON_POSTGRES = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@pytest.fixture
async def outage(database_url: str) -> AsyncIterator[Outage]:
    taken = Outage(database_url, PG_SERVER)
    yield taken
    await taken.end()


@pytest.fixture
async def fake(clock: FixedClock) -> AsyncIterator[FakeSlack]:
    slack = FakeSlack(clock=clock)
    await slack.start()
    yield slack
    await slack.stop()


@pytest.fixture
async def deliverer(fake: FakeSlack) -> SlackDeliverer:
    client = web_client(BOT_TOKEN, fake.api_url)
    return SlackDeliverer(Workspace(client, attempts=2, backoff=0.01), pace_seconds=0.0)


def dispatcher(hub: Hub, deliverer: SlackDeliverer, worker: str) -> Dispatcher:
    return Dispatcher(
        hub.database, hub.clock, [deliverer], worker=worker, write_retries=(0.05, 0.1)
    )


async def queue(hub: Hub, each: int) -> None:
    """`each` notices for each of three people with a Slack id, as sweeps or alerts queue them."""
    async with hub.unit() as uow:
        for email, slack_id in SLACK_IDS.items():
            await uow.session.execute(
                update(Person).where(Person.email == email).values(slack_user_id=slack_id)
            )
            person = await uow.session.scalar(select(Person.id).where(Person.email == email))
            for i in range(each):
                notice = Notice("concern_alert", f"Alert {i} for {email}", ("Please look.",), "")
                await outbox.enqueue(
                    uow.session,
                    dedupe_key=f"{email}:{i}",
                    kind="concern_alert",
                    payload=notice_to_json(notice),
                    now=uow.now,
                    recipient_id=person,
                )


async def rows(hub: Hub) -> list[OutboxMessage]:
    async with hub.database.transaction() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def drain_into_the_outage(deliver: Dispatcher) -> None:
    """Drain until the fault strikes. The database's refusal arrives wrapped by SQLAlchemy, or
    raw from the driver as it connects (SQLAlchemy 2.0 does not wrap every connect error)."""
    with pytest.raises((DBAPIError, OSError, asyncpg.PostgresError)):
        await deliver.drain()


def on_post(
    number: int, fault: Callable[[], Awaitable[None]], *, failed: bool = False
) -> Callable[[Call], Awaitable[None]]:
    """A `before_answer` hook that runs `fault` when Slack gets its `number`th post (counting
    the ones it refuses instead, when `failed`)."""
    seen = 0

    async def hook(call: Call) -> None:
        nonlocal seen
        if call.method == "chat.postMessage" and ("_failed" in call.args) == failed:
            seen += 1
            if seen == number:
                await fault()

    return hook


async def assert_each_notice_reached_slack_once(hub: Hub, fake: FakeSlack) -> None:
    """Every row is sent, Slack holds its notice exactly once, and the row holds that ts."""
    expected = {render_notice(notice_from_json(row.payload)).text: row for row in await rows(hub)}
    notices = [m for m in fake.messages.values() if m["text"] in expected]
    held = Counter(m["text"] for m in notices)
    by_text = {m["text"]: m for m in notices}
    twice = sorted(body for body, count in held.items() if count > 1)
    assert twice == [], "posted more than once"
    assert set(held) == set(expected), "not posted"
    for body, row in expected.items():
        assert row.status == "sent"
        message = by_text[body]
        assert (row.platform_message_id, row.platform_conversation) == (
            message["ts"],
            message["channel"],
        )


@ON_POSTGRES
async def test_an_alert_posted_just_before_the_database_went_away_is_not_posted_again(
    sample_hub: Hub, clock: FixedClock, fake: FakeSlack, deliverer: SlackDeliverer, outage: Outage
) -> None:
    await queue(sample_hub, 10)
    fake.before_answer.append(on_post(12, lambda: outage.strike(refuse=True)))

    await drain_into_the_outage(dispatcher(sample_hub, deliverer, "first"))
    await outage.end()
    clock.advance(minutes=3)  # the first replica's lease runs out; another one takes over
    await dispatcher(sample_hub, deliverer, "second").drain()

    await assert_each_notice_reached_slack_once(sample_hub, fake)
    assert fake.called("conversations.history")  # the unconfirmed post was looked for, and found


@ON_POSTGRES
async def test_connections_dropped_after_a_post_cost_a_retry_of_the_write_not_a_second_post(
    sample_hub: Hub, clock: FixedClock, fake: FakeSlack, deliverer: SlackDeliverer, outage: Outage
) -> None:
    await queue(sample_hub, 4)
    fake.before_answer.append(on_post(5, lambda: outage.strike(refuse=False)))

    report = await dispatcher(sample_hub, deliverer, "first").drain()
    clock.advance(minutes=3)
    again = await dispatcher(sample_hub, deliverer, "second").drain()

    assert (report.sent, again.sent) == (12, 0)
    await assert_each_notice_reached_slack_once(sample_hub, fake)
    assert not fake.called("conversations.history")  # every outcome was recorded at once


@ON_POSTGRES
async def test_a_post_slack_refused_as_the_database_went_away_is_sent_once_later(
    sample_hub: Hub, clock: FixedClock, fake: FakeSlack, deliverer: SlackDeliverer, outage: Outage
) -> None:
    await queue(sample_hub, 3)
    fake.fail_next("chat.postMessage", 500, {"ok": False, "error": "internal_error"})
    fake.before_answer.append(on_post(1, lambda: outage.strike(refuse=True), failed=True))

    await drain_into_the_outage(dispatcher(sample_hub, deliverer, "first"))
    await outage.end()
    clock.advance(minutes=3)
    await dispatcher(sample_hub, deliverer, "second").drain()

    await assert_each_notice_reached_slack_once(sample_hub, fake)
    assert fake.called("conversations.history")  # looked for, not found, then posted


@ON_POSTGRES
async def test_a_post_cut_off_before_slack_received_it_is_sent_once_later(
    sample_hub: Hub, clock: FixedClock, fake: FakeSlack, deliverer: SlackDeliverer
) -> None:
    """Replicas share PostgreSQL; a SQLite hub is one process, whose death also frees the file's
    write lock, which a task cancelled inside this test's process does not (it held the lock
    until collected, and the second dispatcher timed out behind it)."""
    await queue(sample_hub, 3)
    fake.hold("chat.postMessage", "DALEX")
    first = asyncio.create_task(dispatcher(sample_hub, deliverer, "first").drain())
    await fake.wait_for(lambda: fake.holding > 0)
    first.cancel()  # the replica dies with its post to Alex in flight
    with pytest.raises(asyncio.CancelledError):
        await first
    fake.release()
    await fake.wait_for(lambda: fake.holding == 0)

    clock.advance(minutes=3)
    await dispatcher(sample_hub, deliverer, "second").drain()

    await assert_each_notice_reached_slack_once(sample_hub, fake)
    assert [c.args["_failed"] for c in fake.calls if "_failed" in c.args] == ["caller gone"]


async def test_slack_429s_and_500s_during_a_drain_lose_nothing_and_post_nothing_twice(
    sample_hub: Hub, clock: FixedClock, fake: FakeSlack, deliverer: SlackDeliverer
) -> None:
    await queue(sample_hub, 10)
    fake.fail_next("chat.postMessage", 500, {"ok": False, "error": "internal_error"})
    fake.fail_next("chat.postMessage", 500, {"ok": False, "error": "internal_error"}, kept=True)
    fake.fail_next(
        "conversations.history", 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"}
    )
    fake.throttle("chat.postMessage", every=4, retry_after=1)
    deliver = dispatcher(sample_hub, deliverer, "only")

    for _tick in range(30):
        await deliver.drain()
        if {row.status for row in await rows(sample_hub)} == {"sent"}:
            break
        clock.advance(seconds=20)  # past Retry-After and the backoff after a 500

    await assert_each_notice_reached_slack_once(sample_hub, fake)
    refused = Counter(c.args["_failed"] for c in fake.calls if "_failed" in c.args)
    assert refused[500] == 2 and refused[429] >= 5


@ON_POSTGRES
async def test_a_notice_replaced_again_after_its_outcome_was_lost_is_still_one_message(
    sample_hub: Hub, clock: FixedClock, fake: FakeSlack, deliverer: SlackDeliverer, outage: Outage
) -> None:
    await queue(sample_hub, 0)  # links the Slack ids
    async with sample_hub.unit() as uow:
        priya = await uow.session.scalar(
            select(Person.id).where(Person.email == "priya@example.org")
        )
        alert = Notice("concern_alert", "Concern CN-2026-0001", ("Please look.",), "CN-2026-0001")
        await outbox.enqueue(
            uow.session,
            dedupe_key="alert",
            kind="concern_alert",
            payload=notice_to_json(alert),
            now=uow.now,
            recipient_id=priya,
            reference="CN-2026-0001",
        )
    await dispatcher(sample_hub, deliverer, "first").drain()
    async with sample_hub.unit() as uow:
        acted = Notice("concern_alert", "CN-2026-0001 acknowledged", (), "CN-2026-0001")
        waiting = await uow.refresh_notices(acted, "concern_alert")
    assert waiting == frozenset()  # the alert was delivered: it is replaced in place below

    async def strike_on_update(call: Call) -> None:
        if call.method == "chat.update":
            fake.before_answer.clear()
            await outage.strike(refuse=True)

    fake.before_answer.append(strike_on_update)
    await drain_into_the_outage(dispatcher(sample_hub, deliverer, "first"))
    await outage.end()
    clock.advance(minutes=3)
    await dispatcher(sample_hub, deliverer, "second").drain()

    (message,) = fake.posted("DPRIYA")
    assert "acknowledged" in message["text"]
    assert len(fake.called("chat.update")) == 2 and len(fake.called("chat.postMessage")) == 1
    sent, replaced = await rows(sample_hub)
    assert (sent.status, replaced.status) == ("sent", "sent")
    assert replaced.platform_message_id == sent.platform_message_id == message["ts"]


async def test_an_unconfirmed_post_is_found_beyond_the_first_page_of_history(
    sample_hub: Hub, clock: FixedClock, fake: FakeSlack, deliverer: SlackDeliverer
) -> None:
    await queue(sample_hub, 1)
    fake.fail_next("chat.postMessage", 500, {"ok": False, "error": "internal_error"}, kept=True)
    deliver = dispatcher(sample_hub, deliverer, "only")
    await deliver.drain()  # the first post was kept by Slack, though it answered 500
    kept = next(m for m in fake.messages.values() if m.get("metadata"))
    chatter = AsyncWebClient(token=BOT_TOKEN, base_url=fake.api_url)
    for i in range(450):  # replies in the same DM since, newest first in the history
        await chatter.chat_postMessage(channel=kept["channel"], text=f"reply {i}")

    clock.advance(minutes=20)
    await deliver.drain()

    pages = [c.args.get("cursor") for c in fake.calls if c.method == "conversations.history"]
    assert len(pages) == 3 and pages[0] is None  # found on the third page
    assert [m["ts"] for m in fake.messages.values() if m.get("metadata")] == [
        m["ts"] for m in fake.messages.values() if "Alert" in m["text"]
    ]
    await assert_each_notice_reached_slack_once(sample_hub, fake)


async def test_a_notice_that_cannot_be_looked_for_is_posted_again_rather_than_lost(
    sample_hub: Hub, clock: FixedClock, fake: FakeSlack, deliverer: SlackDeliverer
) -> None:
    await queue(sample_hub, 1)
    fake.fail_next("chat.postMessage", 503, {"ok": False, "error": "service_unavailable"})
    fake.fail_next("conversations.history", 200, {"ok": False, "error": "missing_scope"})
    deliver = dispatcher(sample_hub, deliverer, "only")

    await deliver.drain()
    clock.advance(minutes=20)
    await deliver.drain()

    assert {row.status for row in await rows(sample_hub)} == {"sent"}
    assert len(fake.called("chat.postMessage")) == 3


async def test_a_post_whose_answer_was_lost_is_looked_for_not_resent_blindly(
    sample_hub: Hub, clock: FixedClock, fake: FakeSlack, deliverer: SlackDeliverer
) -> None:
    await queue(sample_hub, 1)
    fake.drop_next("chat.postMessage")
    deliver = dispatcher(sample_hub, deliverer, "only")

    for _tick in range(10):
        await deliver.drain()
        if {row.status for row in await rows(sample_hub)} == {"sent"}:
            break
        clock.advance(seconds=60)

    await assert_each_notice_reached_slack_once(sample_hub, fake)
    assert [c.args.get("_failed") for c in fake.calls].count("dropped") == 1
