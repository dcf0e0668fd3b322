"""Outbox delivery to Teams through a database fault: the Bot Connector cannot be asked what it
already has, so the post is recorded straight after Teams answers, through a dropped connection."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp import web
from sqlalchemy import select

from bot.clock import FixedClock
from bot.conversation.hub import Hub
from bot.outbox.dispatcher import Dispatcher
from dialogs.messages import Notice, notice_to_json
from storage import outbox
from storage.models import ChannelAddress, OutboxMessage, Person
from tests.channels.teams.conftest import ROSTER, TEAM_ID, TENANT, Connector, Teams, TeamsUser
from tests.conftest import PG_SERVER
from tests.fakes.outage import Outage

ON_POSTGRES = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


class StrikingConnector(Connector):
    """The Bot Connector fake, running `before_answer` hooks once it has taken a post."""

    def __init__(self, roster: dict[str, tuple[str, str, str]]) -> None:
        super().__init__(roster)
        self.before_answer: list[Callable[[], Awaitable[None]]] = []

    async def post(self, request: web.Request) -> web.Response:
        answer = await super().post(request)
        for hook in self.before_answer:
            await hook()
        return answer


@pytest.fixture
async def connector() -> AsyncIterator[StrikingConnector]:
    fake = StrikingConnector(ROSTER)
    await fake.server.start_server()
    yield fake
    await fake.server.close()


async def queue(hub: Hub, email: str, count: int) -> None:
    async with hub.unit() as uow:
        person = await uow.session.scalar(select(Person.id).where(Person.email == email))
        for i in range(count):
            await outbox.enqueue(
                uow.session,
                dedupe_key=f"{email}:{i}",
                kind="concern_alert",
                payload=notice_to_json(Notice("concern_alert", f"Alert {i}", ("Look.",), "")),
                now=uow.now,
                recipient_id=person,
            )


async def rows(hub: Hub) -> list[OutboxMessage]:
    async with hub.database.transaction() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


@ON_POSTGRES
async def test_a_teams_post_is_recorded_sent_through_connections_dropped_as_teams_took_it(
    teams_user: Callable[[str], TeamsUser],
    teams: Teams,
    sample_hub: Hub,
    connector: StrikingConnector,
    database_url: str,
    clock: FixedClock,
) -> None:
    priya = teams_user("29:priya")
    await priya.say("hi")  # stores her conversation reference
    await queue(sample_hub, "priya@example.org", 3)
    outage = Outage(database_url, PG_SERVER)

    async def drop_connections() -> None:
        connector.before_answer.clear()
        await outage.strike(refuse=False)

    connector.before_answer.append(drop_connections)
    deliver = Dispatcher(
        sample_hub.database,
        sample_hub.clock,
        [teams.channel.deliverer],
        worker="first",
        write_retries=(0.05, 0.1),
    )
    report = await deliver.drain()
    clock.advance(minutes=3)
    again = await deliver.drain()

    assert (report.sent, again.sent) == (3, 0)
    titles = [c.text for c in connector.posted(priya.chat) if "Alert" in c.text]
    assert len(titles) == 3 and len(set(titles)) == 3
    assert {(r.status, r.platform_conversation) for r in await rows(sample_hub)} == {
        ("sent", priya.chat)
    }


async def test_a_chat_opened_for_a_notice_is_remembered_after_the_notice_is_recorded(
    teams_user: Callable[[str], TeamsUser], teams: Teams, sample_hub: Hub, connector: Connector
) -> None:
    priya = teams_user("29:priya")
    team = {"conversationType": "channel", "isGroup": True, "tenantId": TENANT, "id": "19:g"}
    await priya.send(
        priya.activity(
            "conversationUpdate",
            team,
            membersAdded=[{"id": "28:saferhub-bot"}],
            channelData={"tenant": {"id": TENANT}, "team": {"id": TEAM_ID}},
        )
    )
    await queue(sample_hub, "priya@example.org", 2)
    deliver = Dispatcher(
        sample_hub.database, sample_hub.clock, [teams.channel.deliverer], worker="w", batch=1
    )

    await deliver.drain()

    creates = [c for c in connector.calls if c.path == "/v3/conversations"]
    assert len(creates) == 1  # the second notice went to the chat the first one opened
    async with sample_hub.database.transaction() as session:
        stored = await session.scalar(
            select(ChannelAddress.reference).join(Person).where(Person.email == "priya@example.org")
        )
    assert stored["conversation_id"] == "a:chat-29:priya"
    assert {r.status for r in await rows(sample_hub)} == {"sent"}
