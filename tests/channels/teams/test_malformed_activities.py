"""A malformed activity (on an authenticated request) gets a 400, never a 500 or a turn that
fails behind a 200: nothing is stored and the Bot Connector is not called."""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import func, select

from storage.models import AuditEntry, ChannelAddress, DialogSession, Person, ProcessedEvent
from tests.channels.teams.conftest import Teams, TeamsUser

COUNTED = (ProcessedEvent, DialogSession, Person, AuditEntry, ChannelAddress)
REMOVE = object()


async def stored(teams: Teams) -> tuple[int, ...]:
    hub = teams.channel.bot.hub
    async with hub.database.transaction() as session:
        return tuple(
            [await session.scalar(select(func.count()).select_from(model)) for model in COUNTED]
        )


def changed(activity: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A copy with top-level keys replaced, or removed (REMOVE); `a__b` reaches into `a`."""
    copied = copy.deepcopy(activity)
    for path, value in changes.items():
        node = copied
        *parents, last = path.split("__")
        for part in parents:
            node = node[part]
        if value is REMOVE:
            node.pop(last, None)
        else:
            node[last] = value
    return copied


def malformed(user: TeamsUser) -> dict[str, dict[str, Any]]:
    message = user.message("report")
    invoke = user.activity(
        "invoke",
        user.personal,
        name="adaptiveCard/action",
        value={"action": {"type": "Action.Execute", "data": {"kind": "command"}}},
    )
    install = user.install()
    return {
        "sender missing": changed(message, **{"from": REMOVE}),
        "sender null": changed(message, **{"from": None}),
        "sender without an id": changed(message, from__id=REMOVE),
        "sender id a number": changed(message, from__id=5),
        "AAD id too long for its column": changed(message, from__aadObjectId="a" * 65),
        "conversation missing": changed(message, conversation=REMOVE),
        "conversation null": changed(message, conversation=None),
        "conversation id a list": changed(message, conversation__id=["a"]),
        "conversation id too long for an address": changed(message, conversation__id="a" * 300),
        "conversation id beyond ASCII": changed(message, conversation__id="a:\U00086472\x83"),
        "locale an object": changed(message, locale={"en": "GB"}),
        "conversation type a number": changed(message, conversation__conversationType=5),
        "recipient null": changed(message, recipient=None),
        "channel data missing": changed(message, channelData=REMOVE),
        "channel data a string": changed(message, channelData="x"),
        "tenant a string": changed(message, channelData__tenant="x"),
        "team without an id": changed(message, channelData__team={"name": "General"}),
        "text a number": changed(message, text=5),
        "text a list": changed(message, text=["report"]),
        "text with a NUL": changed(message, text="report\x00"),
        "activity id a number": changed(message, id=7),
        "activity id missing": changed(message, id=REMOVE),
        "type a number": changed(message, type=5),
        "type a list": changed(message, type=["message"]),
        "mention not an object": changed(
            message, entities=[{"type": "mention", "mentioned": "28:saferhub-bot"}]
        ),
        "attachment type a number": changed(message, attachments=[{"contentType": 5}]),
        "invoke name a number": changed(invoke, name=5),
        "members added of strings": changed(install, membersAdded=["28:saferhub-bot"]),
        "member without an id": changed(install, membersAdded=[{"name": "Saferhub"}]),
        "service URL a number": changed(message, serviceUrl=5),
    }


async def test_malformed_activities_get_400_and_change_nothing(teams, teams_user):
    alex = teams_user("29:alex")
    before = await stored(teams)
    answers = {name: await teams.post(body) for name, body in malformed(alex).items()}
    raw = {
        "a JSON list": "[]",
        "JSON null": "null",
        "not JSON": "{",
        "nested past the parser": "[" * 100_000 + "]" * 100_000,
    }
    for name, body in raw.items():
        response = await teams.client.post(
            "/api/messages", data=body, headers={"Content-Type": "application/json"}
        )
        answers[name] = (response.status, await response.text())

    assert {name: status for name, (status, _) in answers.items() if status != 400} == {}
    assert await stored(teams) == before
    assert teams.connector.calls == []
    reply = await alex.say("report")  # and the endpoint carries on
    assert "danger" in reply.text


async def test_activities_we_do_not_use_get_200_and_change_nothing(teams, teams_user):
    alex = teams_user("29:alex")
    before = await stored(teams)
    for kind in ("typing", "messageReaction", "endOfConversation", "somethingNew"):
        status, _ = await teams.post(alex.activity(kind, alex.personal))
        assert status == 200
    assert await stored(teams) == before
    assert teams.connector.calls == []
