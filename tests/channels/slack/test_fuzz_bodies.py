"""Property: whatever structure a correctly signed body has, /slack/events never answers 500,
nothing fails behind the acknowledgement, the server keeps answering, and a body refused as
malformed (or one that is not built from a real Slack body at all) stores nothing.

Bodies are real Slack bodies (tests/channels/slack/bodies.py) broken at random places by
Hypothesis: JSON event callbacks and url_verification, form-encoded interactivity payloads
(block_actions, view_submission, view_closed, shortcut) and slash commands.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.channels import fuzzing
from tests.channels.slack import bodies
from tests.channels.slack.conftest import SlackHarness
from tests.channels.slack.test_malformed_bodies import stored

SOURCES = ("bot", "slack_bolt", "aiohttp", "asyncio")


def failures(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Errors logged by the app, bolt or the server (a listener or task that raised)."""
    return [
        f"{r.name}: {r.getMessage()}"
        for r in caplog.records
        if r.levelno >= logging.ERROR and r.name.split(".")[0] in SOURCES
    ]


async def exchange(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture, body: str, content_type: str
) -> int:
    """Post a signed body and check the properties that hold for any body; its status."""
    caplog.clear()
    before = await stored(slack)
    status, answer = await slack.post(body, content_type)
    assert status < 500, answer
    assert failures(caplog) == []
    health = await slack.client.get("/healthz")
    assert health.status == 200
    if status == 400:
        assert await stored(slack) == before
    return status


def form(fields: Any) -> str:
    if not isinstance(fields, dict):
        fields = {"x": fields}
    return urlencode({str(k): str(v) for k, v in fields.items()}, errors="surrogatepass")


TEMPLATES = {**bodies.EVENTS, **bodies.INTERACTIONS}


@fuzzing.FUZZ
@given(data=st.data(), kind=st.sampled_from(sorted(TEMPLATES)))
async def test_broken_events_and_interactions_never_get_a_500(slack, caplog, data, kind):
    body = data.draw(fuzzing.broken(TEMPLATES[kind]()))
    if kind in bodies.EVENTS:
        await exchange(slack, caplog, *bodies.as_json(body))
    else:
        await exchange(slack, caplog, *bodies.as_interaction(body))


@fuzzing.FUZZ
@given(fields=fuzzing.broken(bodies.command(), strings_only=True))
async def test_broken_slash_commands_never_get_a_500(slack, caplog, fields):
    await exchange(slack, caplog, form(fields), bodies.FORM)


@fuzzing.FUZZ
@given(
    body=fuzzing.json_values,
    as_form=st.booleans(),
    raw=st.one_of(st.none(), st.binary(max_size=200)),
)
async def test_arbitrary_bodies_never_get_a_500_and_store_nothing(
    slack, caplog, body, as_form, raw
):
    before = await stored(slack)
    if raw is not None:
        caplog.clear()
        status, _ = await slack.post_bytes(raw, bodies.FORM if as_form else bodies.JSON)
        assert status < 500 and failures(caplog) == []
    elif as_form:
        await exchange(slack, caplog, urlencode({"payload": json.dumps(body)}), bodies.FORM)
    else:
        await exchange(slack, caplog, *bodies.as_json(body))
    assert await stored(slack) == before
