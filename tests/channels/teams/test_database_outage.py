"""Teams during a database outage: activities posted to the real aiohttp app while a private
PostgreSQL server is stopped. A message is answered once the database is back, or its sender is
told plainly that it was not saved; nothing before or after the turn fails the activity."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot.channels.teams import build_channel
from bot.conversation.hub import Hub
from bot.server import build_app
from storage.models import ChannelAddress, ProcessedEvent
from tests.channels.teams.conftest import ROSTER, TEAM_ID, TENANT, Connector, Teams, TeamsUser
from tests.channels.teams.test_conversations import channel_message
from tests.private_postgres import Outage


@asynccontextmanager
async def teams_on(hub: Hub, connector: Connector) -> AsyncIterator[Teams]:
    """The Teams channel of `hub` served over HTTP, as the `teams` fixture does for the sample."""
    env = {"SAFERHUB_DEV": "1", "SAFERHUB_TEAMS_SERVICE_HOSTS": connector.host}
    channel = build_channel(hub, env, "127.0.0.1")
    client = TestClient(TestServer(build_app(hub, [channel]), host="127.0.0.1"))
    await client.start_server()
    try:
        yield Teams(client, channel, connector)
    finally:
        await client.close()


def alex_in(teams: Teams) -> TeamsUser:
    email, aad, name = ROSTER["29:alex"]
    return TeamsUser(teams, "29:alex", aad, name)


async def count(hub: Hub, model: type[ProcessedEvent] | type[ChannelAddress]) -> int:
    async with hub.database.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_first_message_during_a_short_outage_is_answered_when_the_database_is_back(
    outage: Outage, connector: Connector
) -> None:
    hub = await outage.hub(retry_seconds=10)
    async with teams_on(hub, connector) as teams:
        alex = alex_in(teams)
        await outage.stop()
        outage.start_after(1.0)

        reply = await alex.say("report")

        assert "is anyone in danger now" in reply.text
        assert await count(hub, ProcessedEvent) == 1
        assert await count(hub, ChannelAddress) == 1


async def test_a_card_answer_during_a_long_outage_is_answered_not_saved_and_can_be_resent(
    outage: Outage, connector: Connector
) -> None:
    hub = await outage.hub(retry_seconds=1)
    async with teams_on(hub, connector) as teams:
        alex = alex_in(teams)
        ask = await alex.say("report")
        await outage.stop()

        reply = await alex.press(ask, "No")

        assert "I couldn't record that button press" in reply.text
        assert "the hub's database is unavailable" in reply.text
        await outage.start_after(0)
        assert await count(hub, ProcessedEvent) == 1
        reply = await alex.press(ask, "No")
        assert "specific person" in reply.text


async def test_a_channel_mention_during_a_short_outage_carries_on_privately(
    outage: Outage, connector: Connector
) -> None:
    hub = await outage.hub(retry_seconds=10)
    async with teams_on(hub, connector) as teams:
        alex = alex_in(teams)
        await outage.stop()
        outage.start_after(1.0)

        posted = await alex.send(channel_message(alex, "report graffiti on Cheapside"))

        private, pointer = posted[-2], posted[-1]
        assert private.conversation == "a:chat-29:alex"
        assert "is anyone in danger now" in private.text
        assert pointer.conversation.startswith("19:general@thread.tacv2")


async def test_a_team_installed_during_an_outage_is_greeted(
    outage: Outage, connector: Connector
) -> None:
    hub = await outage.hub()
    async with teams_on(hub, connector) as teams:
        alex = alex_in(teams)
        team = {"conversationType": "channel", "isGroup": True, "tenantId": TENANT}
        installed = alex.activity(
            "conversationUpdate",
            {**team, "id": "19:general@thread.tacv2"},
            membersAdded=[{"id": "28:saferhub-bot"}],
            channelData={"tenant": {"id": TENANT}, "team": {"id": TEAM_ID}},
        )
        await outage.stop()

        welcome = await alex.send(installed)

        assert len(welcome) == 1 and "private chat" in welcome[0].text
