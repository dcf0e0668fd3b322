"""Socket Mode: the bolt handler connects through apps.connections.open and a local WebSocket."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select

from bot.channels.slack import SlackSettings, build_channel
from bot.config import ConfigError
from bot.server import build_app
from storage.models import ProcessedEvent
from tests.channels.slack.conftest import APP_TOKEN, BOT_TOKEN, event_body, slack_env, text_of


async def test_an_event_over_the_socket_is_acknowledged_and_answered(sample_hub, fake_slack):
    env = slack_env(fake_slack, SLACK_APP_TOKEN=APP_TOKEN)
    del env["SLACK_SIGNING_SECRET"]
    channel = build_channel(sample_hub, env)
    app = build_app(sample_hub, [channel])
    assert "/slack/events" not in {r.resource.canonical for r in app.router.routes()}
    await channel.start()
    try:
        event = {
            "type": "message",
            "channel": "DALEX",
            "user": "UALEX",
            "text": "report",
            "ts": "1795510800.000500",
            "channel_type": "im",
        }
        await fake_slack.socket_send(
            {
                "envelope_id": "57d6a792-4d35-4d0b-b6aa-3361493e1caf",
                "type": "events_api",
                "accepts_response_payload": False,
                "retry_attempt": 0,
                "retry_reason": "",
                "payload": event_body(event),
            }
        )
        await fake_slack.wait_for(
            lambda: (
                {"envelope_id": "57d6a792-4d35-4d0b-b6aa-3361493e1caf"}
                in fake_slack.socket_received
            )
        )
        await fake_slack.wait_for(lambda: bool(fake_slack.posted("DALEX")))
    finally:
        await channel.stop()
    assert fake_slack.called("apps.connections.open")
    assert "anyone in danger" in text_of(fake_slack.posted("DALEX")[0])


async def test_a_malformed_payload_over_the_socket_is_acknowledged_and_dropped(
    sample_hub, fake_slack, caplog
):
    env = slack_env(fake_slack, SLACK_APP_TOKEN=APP_TOKEN)
    channel = build_channel(sample_hub, env)
    event = {"type": "message", "channel": "DALEX", "user": ["UALEX"], "channel_type": "im"}
    broken = event_body({**event, "text": "report"})
    envelope = {"envelope_id": "6c1f0b0e-broken", "type": "events_api", "payload": broken}
    await channel.start()
    try:
        await fake_slack.socket_send(envelope)
        await fake_slack.wait_for(
            lambda: {"envelope_id": "6c1f0b0e-broken"} in fake_slack.socket_received
        )
        await channel.idle()
    finally:
        await channel.stop()
    async with sample_hub.database.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(ProcessedEvent)) == 0
    assert [c.method for c in fake_slack.calls] == ["apps.connections.open"]
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


@pytest.mark.parametrize(
    ("env", "reason"),
    [
        ({"SLACK_BOT_TOKEN": "xoxp-user-token", "SLACK_SIGNING_SECRET": "s"}, "xoxb-"),
        ({"SLACK_BOT_TOKEN": BOT_TOKEN}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": "xoxb-wrong"}, "xapp-"),
    ],
)
def test_missing_or_wrong_settings_say_what_to_set(env, reason):
    with pytest.raises(ConfigError, match=reason):
        SlackSettings.from_env(env)


def test_the_api_url_gets_its_trailing_slash():
    env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": APP_TOKEN}
    assert SlackSettings.from_env(env).api_url == "https://slack.com/api/"
    env["SLACK_API_URL"] = "http://127.0.0.1:9/api"
    assert SlackSettings.from_env(env).api_url == "http://127.0.0.1:9/api/"
