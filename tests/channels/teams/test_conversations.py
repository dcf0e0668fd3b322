"""Whole conversations in Teams: activities posted to the running app, replies read from the
Bot Connector fake, records read from the hub (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from bot.channels.teams import cards
from storage.models import ChannelAddress, Concern, OutboxMessage, Person
from tests.channels.teams.conftest import BOT_ID, TEAM_ID, TENANT, actions, block_texts

HOSTILE = "**Go home** <at>everyone</at> [click](https://evil.example) _now_"


async def count(hub, model, *where) -> int:
    async with hub.database.transaction() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where))


async def reference_of(hub, email: str) -> dict | None:
    async with hub.database.transaction() as session:
        person = await session.scalar(select(Person).where(Person.email == email))
        row = await session.scalar(
            select(ChannelAddress).where(
                ChannelAddress.person_id == person.id, ChannelAddress.platform == "teams"
            )
        )
        return row.reference if row else None


def runs(node) -> list[str]:
    """The text of every TextRun in `node`, in order."""
    return [e["text"] for e in _elements(node) if e.get("type") == "TextRun"]


def titles(reply) -> list[str]:
    return [a["title"] for a in actions(reply.cards)]


async def to_summary(alex):
    """A concern by chat up to its summary card, pressing the buttons Teams shows."""
    ask = await alex.say("report")
    assert "is anyone in danger now" in ask.text
    ask = await alex.press(ask, "No")
    assert "specific person" in ask.text
    ask = await alex.press(ask, "No")
    assert "What did you see" in ask.text
    ask = await alex.say(HOSTILE)  # says neither what kind of concern nor where
    assert "What kind of concern" in ask.text and "Send" in titles(ask)
    ask = await alex.press(ask, "Send", answer="hate_graffiti")
    assert "Who does it target" in ask.text
    ask = await alex.press(ask, "Send", answer="race,religion")
    assert "threaten violence" in ask.text
    ask = await alex.press(ask, "Send", answer="none")
    assert "photos" in ask.text and "Skip" in titles(ask)
    ask = await alex.press(ask, "Skip")
    assert "Where is it" in ask.text
    ask = await alex.say("Cheapside")
    ask = await alex.press(ask, "Send", answer="transport")
    return await alex.press(ask, "Send", answer="none")


async def test_a_concern_by_chat_reaches_the_outbox(teams_user, teams, sample_hub):
    alex = teams_user("29:alex")
    hello = await alex.send(alex.install())
    assert len(hello) == 1 and "Hello Alex" in hello[0].text
    assert titles(hello[0]) == ["Log a concern", "Request information", "Help"]
    summary = await to_summary(alex)
    assert "Please check your visual-audit concern" in summary.text
    edits = [title for title in titles(summary) if title.startswith("Edit ")]
    assert len(edits) > 10 and len(set(edits)) == len(edits) and "Edit location" in edits
    assert titles(summary)[-2:] == ["Confirm", "Cancel"]
    shown = "**Go home** <\u200bat>everyone<\u200b/at> [click](https:\u200b//evil.example) _now_"
    assert shown in runs(summary.cards)  # as typed, in a TextRun (never markdown)
    assert "<at>" not in json.dumps(summary.cards) and "https://evil" not in summary.text
    done = await alex.press(summary, "Confirm")
    assert done.conversation == alex.chat
    assert "Recorded: CN-2026-0001" in done.text
    async with sample_hub.database.transaction() as session:
        concern = await session.scalar(select(Concern))
        alerts = (
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == "concern_alert")
            )
        ).all()
    assert concern.reference == "CN-2026-0001" and concern.description == HOSTILE
    assert concern.location_type == "transport" and concern.answers["targets"] == [
        "race",
        "religion",
    ]
    assert len(alerts) == 2  # both on-duty Prevent managers
    stored = await reference_of(sample_hub, "alex@example.org")
    assert stored["conversation_id"] == alex.chat and stored["service_url"] == alex.service_url


async def test_a_resent_activity_makes_one_record_and_one_reply(teams_user, teams, sample_hub):
    alex = teams_user("29:alex")
    summary = await to_summary(alex)
    confirm = next(a for a in actions(summary.cards) if a["title"] == "Confirm")
    activity = alex.message(value=confirm["data"])
    first = await alex.send(activity)
    again = await alex.send(activity)
    assert len(first) == 1 and "CN-2026-0001" in first[0].text
    assert again == []
    assert await count(sample_hub, Concern) == 1


async def test_a_concern_by_one_card_then_dependent_questions_in_chat(teams_user, sample_hub):
    alex = teams_user("29:alex")
    ask = await alex.say("report")
    form = await alex.press(ask, "Fill in as one card")
    inputs = [e for e in _elements(form.cards) if str(e.get("type", "")).startswith("Input.")]
    assert [i["id"] for i in inputs] == [
        "description",
        "category",
        "location",
        "location_type",
        "seen_at",
        "still_there",
        "extent",
        "already_reported",
    ]
    values = {
        "category": "extremist_symbol",
        "description": "Swastika sprayed on the wall",
        "location": "x",
        "location_type": "wall_bridge",
        "seen_at": "2026-11-23 08:30",
        "still_there": "yes",
        "extent": "single",
        "already_reported": "none",
    }
    refused = await alex.press(form, "Send", **values)
    assert "Some answers need another look" in refused.text
    assert "Please give a street, landmark or postcode." in refused.text
    kept = {e["id"]: e.get("value") for e in _elements(refused.cards) if "id" in e}
    assert kept["description"] == "Swastika sprayed on the wall"
    assert await count(sample_hub, Concern) == 0
    ask = await alex.press(refused, "Send", **{**values, "location": "London Wall"})
    assert "is anyone in danger now" in ask.text  # the safety gates are asked in chat
    ask = await alex.press(ask, "No")
    ask = await alex.press(ask, "No")
    assert "Who does it target" in ask.text  # depends on the category, so not on the card
    ask = await alex.press(ask, "Send", answer="religion")
    ask = await alex.press(ask, "Send", answer="terror")  # threats
    summary = await alex.press(ask, "Skip")
    assert "Please check your visual-audit concern" in summary.text
    assert "London Wall" in summary.text
    done = await alex.press(summary, "Confirm")
    assert "Recorded: CN-2026-0001" in done.text
    async with sample_hub.database.transaction() as session:
        concern = await session.scalar(select(Concern))
    assert concern.category == "extremist_symbol" and concern.location_text == "London Wall"


def _elements(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _elements(value)
    elif isinstance(node, list):
        for item in node:
            yield from _elements(item)


def channel_message(user, text: str) -> dict:
    """An @mention of the bot in a team channel, as Teams sends it."""
    return user.activity(
        "message",
        {
            "conversationType": "channel",
            "isGroup": True,
            "tenantId": TENANT,
            "id": "19:general@thread.tacv2;messageid=1700000000001",
        },
        text=f"<at>Saferhub</at> {text}",
        textFormat="plain",
        entities=[
            {
                "type": "mention",
                "text": "<at>Saferhub</at>",
                "mentioned": {"id": BOT_ID, "name": "Saferhub"},
            }
        ],
        channelData={
            "tenant": {"id": TENANT},
            "team": {"id": TEAM_ID},
            "channel": {"id": "19:general@thread.tacv2"},
        },
    )


async def test_a_channel_mention_gets_a_pointer_and_carries_on_privately(
    teams_user, teams, sample_hub
):
    alex = teams_user("29:alex")
    posted = await alex.send(channel_message(alex, "report graffiti on Cheapside"))
    created = [c for c in teams.connector.calls if c.path == "/v3/conversations"]
    assert len(created) == 1 and created[0].body["members"] == [{"id": "29:alex"}]
    assert created[0].body["channelData"] == {"tenant": {"id": TENANT}}
    private, pointer = posted[-2], posted[-1]
    assert private.conversation == "a:chat-29:alex"
    assert "is anyone in danger now" in private.text
    assert pointer.conversation.startswith("19:general@thread.tacv2")
    assert block_texts(pointer.cards) == [cards.POINTER]
    assert "graffiti" not in json.dumps(pointer.body).lower()
    alex.chat = "a:chat-29:alex"
    ask = await alex.say("no")
    assert "specific person" in ask.text
    again = await alex.send(channel_message(alex, "my reports"))
    assert len([c for c in teams.connector.calls if c.path == "/v3/conversations"]) == 1
    assert [c.conversation for c in again][-2] == "a:chat-29:alex"


async def test_the_team_welcome_buttons_carry_on_privately(teams_user, teams):
    alex = teams_user("29:alex")
    team = {
        "conversationType": "channel",
        "isGroup": True,
        "tenantId": TENANT,
        "id": "19:general@thread.tacv2",
    }
    channel_data = {"tenant": {"id": TENANT}, "team": {"id": TEAM_ID}}
    installed = alex.activity(
        "conversationUpdate", team, membersAdded=[{"id": BOT_ID}], channelData=channel_data
    )
    (welcome,) = await alex.send(installed)
    assert titles(welcome) == ["Log a concern", "Request information", "Help"]
    start = next(a for a in actions(welcome.cards) if a["title"] == "Log a concern")
    pressed = alex.activity("message", team, value=start["data"], channelData=channel_data)
    posted = await alex.send(pressed)
    private, pointer = posted[-2], posted[-1]
    assert private.conversation == "a:chat-29:alex" and "is anyone in danger now" in private.text
    assert pointer.conversation == team["id"] and block_texts(pointer.cards) == [cards.POINTER]


async def test_invokes_and_unknown_activities_are_answered_politely(teams_user, teams):
    alex = teams_user("29:alex")
    execute = alex.activity(
        "invoke",
        alex.personal,
        name="adaptiveCard/action",
        value={
            "action": {
                "type": "Action.Execute",
                "verb": "start",
                "data": {cards.KIND: cards.COMMAND, "command": "start", "argument": "concern"},
            },
            "trigger": "manual",
        },
    )
    status, body = await teams.post(execute)
    assert status == 200
    assert json.loads(body) == {
        "statusCode": 200,
        "type": "application/vnd.microsoft.activity.message",
        "value": "Thanks.",
    }
    assert "is anyone in danger now" in teams.connector.posted(alex.chat)[-1].text
    before = len(teams.connector.calls)
    status, body = await teams.post(
        alex.activity("invoke", alex.personal, name="composeExtension/query", value={"q": 1})
    )
    assert (status, json.loads(body)) == (200, {})
    for kind in ("messageReaction", "typing", "somethingNew"):
        status, _ = await teams.post(alex.activity(kind, alex.personal))
        assert status == 200
    stale = await alex.send(alex.message(value={"verb": "from an old card"}))
    assert [r.text for r in stale] == [cards.NO_LONGER_AVAILABLE]
    assert len(teams.connector.calls) == before + 1


async def test_people_are_linked_by_the_roster_once_and_strangers_still_get_answers(
    teams_user, teams, sample_hub
):
    alex = teams_user("29:alex")
    await alex.say("hi")
    await alex.say("my reports")
    roster = [c for c in teams.connector.calls if c.method == "GET"]
    assert [c.path for c in roster] == ["/v3/conversations/a:personal-29:alex/members/29:alex"]
    async with sample_hub.database.transaction() as session:
        linked = await session.scalar(select(Person).where(Person.email == "alex@example.org"))
    assert linked.teams_aad_id == "aad-alex"
    stranger = teams_user("29:casey")  # the roster does not know them (as in a local playground)
    reply = await stranger.say("hi")
    assert "I can help you to" in reply.text
    async with sample_hub.database.transaction() as session:
        new = await session.scalar(select(Person).where(Person.teams_aad_id == "aad-casey"))
    assert new is not None and not new.in_directory
