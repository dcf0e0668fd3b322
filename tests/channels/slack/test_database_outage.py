"""Slack during a database outage: signed events through the real aiohttp app while a private
PostgreSQL server is stopped. Every event Slack got a 200 for is either answered once the
database is back, in order and once, or its sender is told plainly that it was not saved; the
conversation then stays on the question that is really open."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot.channels.slack import SlackChannel, SlackSettings
from bot.conversation.hub import Hub
from bot.server import build_app
from storage.models import OutboxMessage, ProcessedEvent
from tests.channels.slack.conftest import (
    Call,
    FakeSlack,
    SlackHarness,
    buttons,
    event_body,
    slack_env,
    text_of,
)
from tests.channels.slack.test_modals import ANSWERS, open_by_shortcut, submit
from tests.fakes.slack_api import dm_event, signed_headers
from tests.private_postgres import Outage

START = "there's racist graffiti on the bus stop on Cheapside"
NOT_SAVED = "I couldn't save your last message because the hub's database is unavailable"


@asynccontextmanager
async def slack_on(hub: Hub, fake: FakeSlack) -> AsyncIterator[SlackHarness]:
    """The Slack channel of `hub` served over HTTP, as the `slack` fixture does for the sample."""
    settings = replace(
        SlackSettings.from_env(slack_env(fake)), reply_backoff=0.01, pace_seconds=0.0
    )
    channel = SlackChannel(hub, settings)
    client = TestClient(TestServer(build_app(hub, [channel])))
    await client.start_server()
    try:
        yield SlackHarness(hub, channel, client, fake)
    finally:
        await client.close()
        await channel.stop()


async def type_now(slack: SlackHarness, user: str, text: str) -> int:
    """Post one signed DM event and return Slack's answer at once, without waiting for the turn."""
    body = json.dumps(event_body(dm_event(user, text=text)))
    loop = asyncio.get_running_loop()
    began = loop.time()
    response = await slack.client.post(
        "/slack/events", data=body.encode(), headers=signed_headers(body)
    )
    assert loop.time() - began < 1.0, "the event was not acknowledged at once"
    return response.status


async def events_recorded(hub: Hub) -> int:
    async with hub.database.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(ProcessedEvent)) or 0)


async def test_events_acknowledged_during_a_short_outage_are_answered_in_order(
    outage: Outage, fake_slack: FakeSlack
) -> None:
    hub = await outage.hub(retry_seconds=10)
    async with slack_on(hub, fake_slack) as slack:
        alex = slack.user("UALEX")
        await alex.say(START)
        before = len(alex.messages())
        await outage.stop()

        lines = ("no", "no", "none", "skip")
        statuses = [await type_now(slack, "UALEX", line) for line in lines]
        outage.start_after(1.0)
        await slack.channel.idle()

        assert statuses == [200] * 4
        replies = [text_of(m) for m in alex.messages()[before:]]
        assert len(replies) == 4
        assert "specific person" in replies[0]
        assert "Does it threaten violence" in replies[1]
        assert "upload up to 4" in replies[2]
        assert "reported anywhere" in replies[3]
        assert not any(NOT_SAVED in reply for reply in replies)
        assert await events_recorded(hub) == 5


async def test_events_during_a_long_outage_are_each_answered_not_saved_and_nothing_moves(
    outage: Outage, fake_slack: FakeSlack
) -> None:
    """The database is back after the first event gave up (at 2 s) but well before the later
    ones would (at 3.5 s): they answered the questions after the dropped one, so they go with
    it, though they could have been saved."""
    hub = await outage.hub(retry_seconds=2)
    async with slack_on(hub, fake_slack) as slack:
        alex = slack.user("UALEX")
        await alex.say(START)
        before = len(alex.messages())
        await outage.stop()

        statuses = [await type_now(slack, "UALEX", "no")]
        await asyncio.sleep(1.5)
        statuses += [await type_now(slack, "UALEX", line) for line in ("no", "Go home")]
        outage.start_after(1.0)
        await slack.channel.idle()
        await outage.restarts[-1]

        assert statuses == [200] * 3
        replies = [text_of(m) for m in alex.messages()[before:]]
        assert len(replies) == 3
        assert all(NOT_SAVED in reply for reply in replies)
        assert "send it again in a few minutes" in replies[0]
        assert await events_recorded(hub) == 1
        resent = await alex.say("no")
        assert "specific person" in text_of(resent[-1])


async def test_a_button_pressed_during_an_outage_stays_to_be_pressed_again(
    outage: Outage, fake_slack: FakeSlack
) -> None:
    hub = await outage.hub(retry_seconds=0.5)
    async with slack_on(hub, fake_slack) as slack:
        alex = slack.user("UALEX")
        question = (await alex.say(START))[-1]
        await outage.stop()

        replies = await alex.press(question, "No")

        assert len(replies) == 1
        assert "I couldn't record that button press" in text_of(replies[0])
        assert buttons(fake_slack.messages[question["ts"]]) == ["Yes", "No"]
        await outage.start_after(0)
        replies = await alex.press(fake_slack.messages[question["ts"]], "No")
        assert "specific person" in text_of(replies[-1])


async def test_a_modal_submitted_during_an_outage_says_so_over_the_answers(
    outage: Outage, fake_slack: FakeSlack
) -> None:
    hub = await outage.hub()
    async with slack_on(hub, fake_slack) as slack:
        view = await open_by_shortcut(slack, "UALEX", "log_concern")
        await outage.stop()
        loop = asyncio.get_running_loop()
        began = loop.time()

        status, body = await submit(slack, "UALEX", view, ANSWERS)

        assert loop.time() - began < 3.0, "Slack wants the acknowledgement within 3 seconds"
        answer: dict[str, Any] = json.loads(body)
        assert status == 200 and answer["response_action"] == "push"
        assert answer["view"]["close"]["text"] == "Back"
        assert "couldn't save this form" in json.dumps(answer["view"])
        await outage.start_after(0)
        assert await events_recorded(hub) == 0
        assert await submit(slack, "UALEX", view, ANSWERS) == (200, "")
        assert "Who does it target?" in text_of(slack.user("UALEX").messages()[-1])
        assert await events_recorded(hub) == 1


async def test_the_app_home_commands_and_shortcuts_say_the_database_is_unavailable(
    outage: Outage, fake_slack: FakeSlack
) -> None:
    hub = await outage.hub()
    async with slack_on(hub, fake_slack) as slack:
        await outage.stop()
        home = {"type": "app_home_opened", "user": "UALEX", "channel": "DALEX", "tab": "home"}

        home_status, _ = await slack.event(event_body(home))
        command_status, _ = await slack.command("UALEX", "status CN-2026-0001")
        await open_by_shortcut(slack, "UALEX", "request_information")

        assert (home_status, command_status) == (200, 200)
        (published,) = fake_slack.called("views.publish")
        assert "hub's database is unavailable" in json.dumps(published["view"])
        (answered,) = fake_slack.called("response_url")
        assert "I couldn't look that up" in answered["text"]
        (opened,) = fake_slack.called("views.open")
        assert "can't open this form just now" in json.dumps(opened["view"])


async def test_a_reply_slack_refused_as_the_database_went_down_is_kept_once_it_is_back(
    outage: Outage, fake_slack: FakeSlack
) -> None:
    """The turn committed, Slack refused its reply, and the database went down before the
    reply could be kept in the outbox: keeping it waits for the database like a turn does."""
    hub = await outage.hub(retry_seconds=10)
    async with slack_on(hub, fake_slack) as slack:
        alex = slack.user("UALEX")
        for _attempt in range(slack.channel.workspace.attempts):
            fake_slack.fail_next("chat.postMessage", 503, {"ok": False, "error": "unavailable"})

        def database_down_on_reply(call: Call) -> None:
            if call.method == "chat.postMessage" and not outage.restarts:
                outage.server.stop()
                outage.start_after(1.0)

        fake_slack.listeners.append(database_down_on_reply)
        assert await alex.say("report") == []

        assert outage.restarts and outage.server.running()
        async with hub.database.transaction() as session:
            kinds = list(await session.scalars(select(OutboxMessage.kind)))
        assert kinds == ["kept_reply"]
