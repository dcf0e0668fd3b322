"""A concern's whole path in Slack: reporter's DM, manager's alert, acknowledge, reporter's update."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select, update

from bot.core.unit import UnitOfWork
from bot.outbox.dispatcher import Dispatcher
from bot.prevent.concerns import record_concern
from storage.models import Person
from tests.channels.slack.conftest import buttons, report_concern, text_of
from tests.conftest import concern_answers


async def link(hub, **people: str) -> None:
    async with hub.database.transaction() as session:
        for user_id, email in people.items():
            await session.execute(
                update(Person).where(Person.email == email).values(slack_user_id=user_id)
            )


async def test_reporter_to_manager_to_reporter(slack):
    hub = slack.hub
    await link(hub, UPRIYA="priya@example.org", USAM="sam@example.org")
    alex, priya = slack.user("UALEX"), slack.user("UPRIYA")
    assert "CN-2026-0001" in await report_concern(alex)
    dispatcher = Dispatcher(hub.database, hub.clock, [slack.channel.deliverer], worker="test")
    await dispatcher.drain()
    (alert,) = priya.messages()
    assert "P2 because: targets a group: race" in text_of(alert)

    await priya.press(alert, "Acknowledge")
    await dispatcher.drain()

    update_for_alex = alex.messages()[-1]
    assert "Your report CN-2026-0001" in text_of(update_for_alex)
    assert "has acknowledged your report" in text_of(update_for_alex)
    assert "Priya" not in text_of(update_for_alex)
    assert "Acknowledge" not in buttons(priya.messages()[0])


async def test_the_alerts_channel_gets_only_reference_priority_category_and_area(slack):
    hub = slack.hub
    settings = replace(hub.settings, alerts_channel="slack:CALERTS")
    async with hub.database.transaction() as session:
        reporter = await session.scalar(select(Person).where(Person.email == "alex@example.org"))
        uow = UnitOfWork(session, hub.clock.now(), settings, hub.calendar)
        answers = concern_answers(names_target="yes", description="Names 12 Acacia Avenue")
        await record_concern(uow, reporter, answers, platform="slack")
    await Dispatcher(hub.database, hub.clock, [slack.channel.deliverer], worker="test").drain()
    (post,) = slack.fake.posted("CALERTS")
    text = text_of(post)
    assert "P1 concern CN-2026-0001" in text and "Hate graffiti" in text and "Cheapside" in text
    assert "Acacia" not in text and "alex" not in text.lower() and "Alex" not in text
    assert buttons(post) == []


async def test_the_manager_asks_the_reporter_from_the_alert_and_hears_the_answer(slack):
    hub = slack.hub
    await link(hub, UPRIYA="priya@example.org", USAM="sam@example.org")
    alex, priya = slack.user("UALEX"), slack.user("UPRIYA")
    assert "CN-2026-0001" in await report_concern(alex)
    dispatcher = Dispatcher(hub.database, hub.clock, [slack.channel.deliverer], worker="test")
    await dispatcher.drain()
    (alert,) = priya.messages()

    asked = await priya.press(alert, "Ask the reporter")
    assert "What do you want to ask the reporter?" in text_of(asked[-1])
    await priya.say("Which side of the bus stop was it on?")
    done = await priya.say("confirm")
    assert "Your question is sent to the reporter of CN-2026-0001" in text_of(done[-1])
    await dispatcher.drain()

    question = alex.messages()[-1]
    assert "The Community Safety team asks: Which side of the bus stop" in text_of(question)
    assert "Priya" not in text_of(question) and buttons(question) == ["Answer"]
    await alex.press(question, "Answer")
    await alex.say("Facing the bank")
    thanks = await alex.say("confirm")
    assert "your answer is passed to the Community Safety team" in text_of(thanks[-1])
    await dispatcher.drain()

    told = text_of(priya.messages()[-1])
    assert "Reporter answered" in told and "The reporter answered: Facing the bank" in told
    assert "Alex" not in told
