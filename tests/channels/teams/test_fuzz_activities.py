"""Property: whatever structure an activity posted to /api/messages has, the endpoint never
answers 500, no turn fails behind its answer, the server keeps answering, and an activity
refused as malformed stores nothing and calls nobody.

Activities are the ones Teams sends (a typed message, card submissions, an Action.Execute
invoke, installs in a chat and in a team) broken at random places by Hypothesis. The app runs
in local development mode, as the other Teams tests do, so no token is needed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.channels.teams.cards import KIND
from tests.channels import fuzzing
from tests.channels.teams.conftest import BOT_ID, TEAM_ID, TENANT, Teams, TeamsUser
from tests.channels.teams.test_malformed_activities import stored

SOURCES = ("bot", "microsoft_agents", "aiohttp", "asyncio")
# The SDK logs each activity its models cannot read at ERROR (silenced in `bot.logs`); the endpoint
# answers those 400, which `exchange` checks changed nothing.
REFUSED_BY_THE_SDK = "microsoft_agents.activity"


TEAM = {"conversationType": "channel", "tenantId": TENANT, "id": TEAM_ID}
IN_TEAM = {"tenant": {"id": TENANT}, "team": {"id": TEAM_ID}}
MENTION = {"type": "mention", "text": "<at>Saferhub</at>", "mentioned": {"id": BOT_ID}}
TEMPLATES: dict[str, Callable[[TeamsUser], dict[str, Any]]] = {
    "message": lambda user: user.message("report"),
    "choice": lambda user: user.message(
        value={KIND: "choice", "field": "danger_now", "value": "no"}
    ),
    "command": lambda user: user.message(value={KIND: "command", "command": "help"}),
    "form": lambda user: user.message(
        value={KIND: "form", "form": "concern", "danger_now": "no", "description": "x"}
    ),
    "action": lambda user: user.message(
        value={KIND: "action", "action": "concern.acknowledge", "reference": "CN-2026-0001"}
    ),
    "invoke": lambda user: user.activity(
        "invoke",
        user.personal,
        name="adaptiveCard/action",
        value={"action": {"type": "Action.Execute", "data": {KIND: "command", "command": "help"}}},
    ),
    "install": lambda user: user.install(),
    "team install": lambda user: user.activity(
        "conversationUpdate", TEAM, membersAdded=[{"id": BOT_ID}], channelData=IN_TEAM
    ),
    "mention in a team": lambda user: user.activity(
        "message",
        TEAM,
        text="<at>Saferhub</at> help",
        entities=[MENTION],
        channelData=IN_TEAM,
    ),
}


def failures(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Errors logged by the app, the Agents SDK or the server (a turn that failed, say)."""
    return [
        f"{r.name}: {r.getMessage()}"
        for r in caplog.records
        if r.levelno >= logging.ERROR
        and r.name.split(".")[0] in SOURCES
        and not r.name.startswith(REFUSED_BY_THE_SDK)
    ]


async def exchange(teams: Teams, caplog: pytest.LogCaptureFixture, activity: Any) -> None:
    caplog.clear()
    before, calls = await stored(teams), len(teams.connector.calls)
    response = await teams.client.post("/api/messages", json=activity)
    answer = await response.text()
    assert response.status < 500, answer
    assert failures(caplog) == []
    assert (await teams.client.get("/healthz")).status == 200
    if response.status == 400:
        assert await stored(teams) == before
        assert len(teams.connector.calls) == calls


@fuzzing.FUZZ
@given(data=st.data(), kind=st.sampled_from(sorted(TEMPLATES)))
async def test_broken_activities_never_get_a_500(teams, teams_user, caplog, data, kind):
    user = teams_user("29:alex")
    activity = data.draw(fuzzing.broken(TEMPLATES[kind](user)))
    await exchange(teams, caplog, activity)


@fuzzing.FUZZ
@given(body=fuzzing.json_values)
async def test_arbitrary_json_never_gets_a_500_and_stores_nothing(teams, caplog, body):
    before = await stored(teams)
    await exchange(teams, caplog, body)
    assert await stored(teams) == before
    assert teams.connector.calls == []
