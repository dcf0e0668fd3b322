"""Slack fixtures: the Web API played by a loopback aiohttp fake, and signed requests to our app.

`FakeSlack` (in `tests.fakes.slack_api`, shared with the scale-out tests and the benchmarks)
answers the Web API methods the channel uses, records every call and fails a method on request.
`SlackHarness` posts signed Events API, interactivity and slash-command requests to the running
Saferhub app and waits for the channel's background work to finish, so tests never sleep.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.channels.slack import SlackChannel, SlackSettings
from bot.conversation.hub import Hub
from bot.server import build_app
from tests.fakes.slack_api import (
    APP_TOKEN,
    BOT_TOKEN,
    BOT_USER,
    PEOPLE,
    SECRET,
    TEAM,
    Call,
    Failure,
    FakeSlack,
    dm_event,
    dm_of,
    event_body,
    sign,
    signed_headers,
)

__all__ = [
    "APP_TOKEN",
    "BOT_TOKEN",
    "BOT_USER",
    "PEOPLE",
    "SECRET",
    "TEAM",
    "Call",
    "Failure",
    "FakeSlack",
    "SlackHarness",
    "SlackUser",
    "answer_up_to_photos",
    "buttons",
    "dm_of",
    "event_body",
    "find_element",
    "menus",
    "report_concern",
    "sign",
    "slack_env",
    "text_of",
    "user_of",
]


MENUS = ("static_select", "overflow")


def user_of(user: str) -> dict[str, Any]:
    return {"id": user, "username": PEOPLE[user][1].split()[0].lower(), "team_id": TEAM}


@dataclass
class SlackHarness:
    """The running app with its Slack channel, the fake Web API and a signed HTTP client."""

    hub: Hub
    channel: SlackChannel
    client: TestClient
    fake: FakeSlack

    async def post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        secret: str = SECRET,
        retry: int | None = None,
    ) -> tuple[int, str]:
        """POST /slack/events signed as Slack would; the status and body, once work is done."""
        headers = signed_headers(
            body, content_type, timestamp=timestamp, secret=secret, retry=retry
        )
        response = await self.client.post("/slack/events", data=body.encode(), headers=headers)
        text = await response.text()
        await self.channel.idle()
        return response.status, text

    async def post_bytes(self, body: bytes, content_type: str) -> tuple[int, str]:
        """POST raw bytes (not necessarily UTF-8) signed with the signing secret."""
        stamp = int(time.time())  # the signature's clock is the verifier's: the machine's own
        digest = hmac.new(SECRET.encode(), b"v0:%d:%s" % (stamp, body), hashlib.sha256)
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": str(stamp),
            "X-Slack-Signature": "v0=" + digest.hexdigest(),
        }
        response = await self.client.post("/slack/events", data=body, headers=headers)
        text = await response.text()
        await self.channel.idle()
        return response.status, text

    async def event(self, body: dict[str, Any], **options: Any) -> tuple[int, str]:
        return await self.post(json.dumps(body), "application/json", **options)

    async def interact(self, payload: dict[str, Any], **options: Any) -> tuple[int, str]:
        body = urlencode({"payload": json.dumps(payload)})
        return await self.post(body, "application/x-www-form-urlencoded", **options)

    async def command(self, user: str, text: str) -> tuple[int, str]:
        body = urlencode(
            {
                "token": "legacy-verification-token",
                "team_id": TEAM,
                "team_domain": "saferhub-test",
                "channel_id": "C0GENERAL",
                "channel_name": "general",
                "user_id": user,
                "user_name": PEOPLE[user][1].split()[0].lower(),
                "command": "/saferhub",
                "text": text,
                "api_app_id": "ASAFERHUB",
                "is_enterprise_install": "false",
                "response_url": f"{self.fake.url}/response/{uuid.uuid4().hex[:8]}",
                "trigger_id": f"{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex[:12]}",
            }
        )
        return await self.post(body, "application/x-www-form-urlencoded")

    def user(self, user_id: str) -> SlackUser:
        return SlackUser(self, user_id)


@dataclass
class SlackUser:
    """One person talking to the bot in their DM, by typing and pressing buttons."""

    slack: SlackHarness
    id: str

    @property
    def dm(self) -> str:
        return dm_of(self.id)

    def messages(self) -> list[dict[str, Any]]:
        return self.slack.fake.posted(self.dm)

    async def say(self, text: str, event_id: str | None = None) -> list[dict[str, Any]]:
        """Type `text` in the DM; the bot's new messages in reply."""
        return await self.send({"text": text}, event_id)

    async def send(
        self, fields: dict[str, Any], event_id: str | None = None
    ) -> list[dict[str, Any]]:
        before = len(self.messages())
        status, _ = await self.slack.event(event_body(dm_event(self.id, **fields), event_id))
        assert status == 200
        return self.messages()[before:]

    async def upload(self, *files: dict[str, Any]) -> list[dict[str, Any]]:
        """Share files in the DM (a `file_share` message)."""
        return await self.send({"subtype": "file_share", "files": list(files)})

    async def press(
        self,
        message: dict[str, Any],
        label: str,
        *,
        tamper: Callable[[dict[str, Any]], None] | None = None,
        row: str = "",
    ) -> list[dict[str, Any]]:
        """Press the button (or pick the menu option) labelled `label` in a bot message; `row`
        picks it in the first block whose text starts with `row` (one item of a notice)."""
        block, element, action = find_element(message["blocks"], label, row)
        if tamper is not None:
            tamper(action)
        before = len(self.messages())
        payload = {
            "type": "block_actions",
            "user": user_of(self.id),
            "api_app_id": "ASAFERHUB",
            "token": "legacy-verification-token",
            "container": {
                "type": "message",
                "message_ts": message["ts"],
                "channel_id": self.dm,
                "is_ephemeral": False,
            },
            "trigger_id": f"{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex[:12]}",
            "team": {"id": TEAM, "domain": "saferhub-test"},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": self.dm, "name": "directmessage"},
            "message": message,
            "state": {"values": {}},
            "response_url": f"{self.slack.fake.url}/response/{uuid.uuid4().hex[:8]}",
            "actions": [
                {**action, "block_id": block["block_id"], "action_ts": f"{time.time():.6f}"}
            ],
        }
        status, _ = await self.slack.interact(payload)
        assert status == 200
        return self.messages()[before:]


OPEN_QUESTIONS = (
    ("What kind of concern is it?", "hate graffiti"),
    ("Who does it target?", "race"),
    ("Does it threaten violence", "none"),
)
"""The questions before the photos a description may leave open, and a plain answer to each."""
WHERE = (("Where is it?", "Cheapside"), ("What kind of place is it?", "transport"))
"""The questions after the photos a description may leave open."""


async def answer_open(
    user: SlackUser, replies: list, questions: tuple[tuple[str, str], ...]
) -> list:
    """Answer each of `questions` the bot asks, in order; the replies to the last answer."""
    for prompt, answer in questions:
        if prompt in text_of(replies[-1]):
            replies = await user.say(answer)
    return replies


async def answer_up_to_photos(alex: SlackUser, description: str) -> dict:
    """Start a report, pass the two gates by their buttons, describe what was seen, and answer
    what the description leaves open; the photos question."""
    replies = await alex.say("report")
    assert buttons(replies[-1]) == ["Yes", "No"]
    replies = await alex.press(replies[-1], "No")  # anyone in danger now?
    replies = await alex.press(replies[-1], "No")  # about a person?
    replies = await answer_open(alex, await alex.say(description), OPEN_QUESTIONS)
    assert "upload up to 4" in text_of(replies[-1])
    return replies[-1]


async def answer_where(user: SlackUser, replies: list) -> dict:
    """After the photos: where it is, if the description did not say; 'reported anywhere?'."""
    replies = await answer_open(user, replies, WHERE)
    assert "reported anywhere" in text_of(replies[-1])
    return replies[-1]


async def report_concern(user: SlackUser, description: str = "Go home written in red") -> str:
    """A whole concern reported in the DM without photos; the bot's final message text."""
    await answer_up_to_photos(user, description)
    await answer_where(user, await user.say("skip"))
    summary = (await user.say("none"))[-1]  # not reported anywhere else
    return text_of((await user.press(summary, "Confirm"))[-1])


def find_element(
    blocks: list[dict[str, Any]], label: str, row: str = ""
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The block, element and block_actions `action` for the button or option labelled `label`
    (in the first block whose text starts with `row`, when given)."""
    for block in blocks:
        if row and not (block.get("text") or {}).get("text", "").startswith(row):
            continue
        for element in [*block.get("elements", []), block.get("accessory") or {}]:
            if element.get("type") == "button" and element["text"]["text"] == label:
                action = {
                    "type": "button",
                    "action_id": element["action_id"],
                    "text": element["text"],
                }
                if "value" in element:
                    action["value"] = element["value"]
                return block, element, action
            for option in element.get("options", []):
                if element.get("type") in MENUS and option["text"]["text"] == label:
                    action = {
                        "type": element["type"],
                        "action_id": element["action_id"],
                        "selected_option": option,
                    }
                    if "placeholder" in element:
                        action["placeholder"] = element["placeholder"]
                    return block, element, action
    raise AssertionError(f"no button or option labelled {label!r}")


def menus(message: dict[str, Any]) -> list[list[str]]:
    """The option labels of every overflow or select menu in a message, menu by menu."""
    return [
        [option["text"]["text"] for option in element["options"]]
        for block in message["blocks"]
        for element in [*block.get("elements", []), block.get("accessory") or {}]
        if element.get("type") in MENUS
    ]


def buttons(message: dict[str, Any]) -> list[str]:
    """The labels of every button in a message."""
    return [
        element["text"]["text"]
        for block in message["blocks"]
        for element in [*block.get("elements", []), block.get("accessory") or {}]
        if element.get("type") == "button"
    ]


def text_of(message: dict[str, Any]) -> str:
    """Every piece of text in a message (fallback and blocks), as Slack would receive it."""
    return json.dumps({"text": message.get("text"), "blocks": message.get("blocks")})


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    await fake.start()
    yield fake
    await fake.stop()


def slack_env(fake: FakeSlack, **extra: str) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.api_url,
        **extra,
    }


@pytest.fixture
async def slack(sample_hub: Hub, fake_slack: FakeSlack) -> AsyncIterator[SlackHarness]:
    """The sample hub served over HTTP with the Slack channel, and the fake Web API."""
    settings = replace(
        SlackSettings.from_env(slack_env(fake_slack)), reply_backoff=0.01, pace_seconds=0.0
    )
    channel = SlackChannel(sample_hub, settings)
    client = TestClient(TestServer(build_app(sample_hub, [channel])))
    await client.start_server()
    yield SlackHarness(sample_hub, channel, client, fake_slack)
    await client.close()
    await channel.stop()
