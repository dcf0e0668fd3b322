"""Slack fixtures: the Web API played by a loopback aiohttp fake, and signed requests to our app.

`FakeSlack` answers the Web API methods the channel uses (and apps.connections.open with a
WebSocket for Socket Mode), records every call, assigns block ids and message timestamps like
Slack, and fails a method on request (`fail_next`). `SlackHarness` posts signed Events API,
interactivity and slash-command requests to the running Saferhub app and waits for the channel's
background work to finish, so tests never sleep.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestClient, TestServer

from bot.channels.slack import SlackChannel, SlackSettings
from bot.hub import Hub
from bot.server import build_app

SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-test-token"
TEAM = "T0SAFER"
BOT_USER = "UBOT"
PEOPLE = {
    "UALEX": ("alex@example.org", "Alex Morgan"),
    "UPRIYA": ("priya@example.org", "Priya Sample"),
    "USAM": ("sam@example.org", "Sam Example"),
    "UDREW": ("drew@example.org", "Drew Carer"),
    "UNEW": ("new.person@elsewhere.example", "New Person"),
}


def dm_of(user: str) -> str:
    """The DM channel the fake opens between the bot and `user`."""
    return "D" + user[1:]


@dataclass
class Call:
    """One Web API call as the fake received it."""

    method: str
    args: dict[str, Any]


@dataclass
class Failure:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


class FakeSlack:
    """A small Slack Web API on 127.0.0.1 that records what the bot asks of it."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.failures: dict[str, list[Failure]] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self.file_bytes: dict[str, bytes] = {}
        self.messages: dict[str, dict[str, Any]] = {}
        self.views: dict[str, dict[str, Any]] = {}
        self.socket_received: list[dict[str, Any]] = []
        self._sockets: list[web.WebSocketResponse] = []
        self._connected = asyncio.Event()
        self._ts = itertools.count(1)
        self._ids = itertools.count(1)
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_get("/files-pri/{file_id}", self._download)
        app.router.add_post("/response/{hook}", self._response_url)
        app.router.add_get("/link", self._socket)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        for socket in self._sockets:
            await socket.close()
        if self.runner is not None:
            await self.runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def fail_next(
        self, method: str, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        """Make the next call of `method` fail this way (queued, one per call)."""
        self.failures.setdefault(method, []).append(Failure(status, body, headers or {}))

    def add_file(self, name: str, mimetype: str, content: bytes) -> dict[str, Any]:
        """A file the user uploaded, as files.info describes it; returns the event's file object."""
        file_id = f"F{next(self._ids):06d}"
        self.files[file_id] = {
            "id": file_id,
            "name": name,
            "title": name,
            "mimetype": mimetype,
            "size": len(content),
            "url_private_download": f"{self.url}/files-pri/{file_id}",
        }
        self.file_bytes[file_id] = content
        return {"id": file_id, "name": name, "mimetype": mimetype, "size": len(content)}

    def called(self, method: str) -> list[dict[str, Any]]:
        """The arguments of every call of `method` that succeeded, in order."""
        return [c.args for c in self.calls if c.method == method and not c.args.get("_failed")]

    def posted(self, channel: str) -> list[dict[str, Any]]:
        """Messages in `channel` as they stand now (updates applied), oldest first."""
        return [m for m in self.messages.values() if m["channel"] == channel]

    async def wait_for(self, check: Callable[[], bool], timeout: float = 5.0) -> None:
        """Poll the recorded calls until `check` holds (fails the test after `timeout`)."""
        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline:
                raise AssertionError("the expected Slack call did not happen in time")
            await asyncio.sleep(0.01)

    async def socket_send(self, envelope: dict[str, Any]) -> None:
        """Push a Socket Mode envelope to the connected client."""
        await asyncio.wait_for(self._connected.wait(), timeout=5)
        await self._sockets[-1].send_json(envelope)

    async def _args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            args.update(await request.json())
        elif request.can_read_body:
            args.update(dict(await request.post()))
        for key in ("blocks", "view"):
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        return args

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._args(request)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        expected = APP_TOKEN if method == "apps.connections.open" else BOT_TOKEN
        if token != expected:
            self.calls.append(Call(method, {**args, "_failed": "invalid_auth"}))
            return web.json_response({"ok": False, "error": "invalid_auth"})
        queued = self.failures.get(method)
        if queued:
            failure = queued.pop(0)
            self.calls.append(Call(method, {**args, "_failed": failure.status}))
            return web.json_response(failure.body, status=failure.status, headers=failure.headers)
        self.calls.append(Call(method, args))
        return web.json_response(self._answer(method, args))

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {"ok": True, "user_id": BOT_USER, "bot_id": "BBOT", "team_id": TEAM}
        if method == "users.info":
            user = str(args.get("user"))
            if user not in PEOPLE:
                return {"ok": False, "error": "user_not_found"}
            email, name = PEOPLE[user]
            return {
                "ok": True,
                "user": {
                    "id": user,
                    "name": name.split()[0].lower(),
                    "real_name": name,
                    "profile": {"email": email, "real_name": name},
                },
            }
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": dm_of(str(args.get("users")))}}
        if method in ("chat.postMessage", "chat.update"):
            return self._message(method, args)
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self._stamp()}
        if method in ("views.open", "views.update", "views.publish"):
            view = dict(args["view"])
            view_id = str(args.get("view_id") or f"V{next(self._ids):06d}")
            view.update(id=view_id, hash=uuid.uuid4().hex[:12])
            view["blocks"] = self._with_block_ids(view.get("blocks") or [])
            self.views[view_id] = view
            return {"ok": True, "view": view}
        if method == "files.info":
            found = self.files.get(str(args.get("file")))
            return (
                {"ok": True, "file": found} if found else {"ok": False, "error": "file_not_found"}
            )
        if method == "apps.connections.open":
            return {"ok": True, "url": f"ws{self.url.removeprefix('http')}/link"}
        return {"ok": False, "error": "unknown_method"}

    def _stamp(self) -> str:
        return f"1795510800.{next(self._ts):06d}"

    def _with_block_ids(self, blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**b, "block_id": b.get("block_id") or uuid.uuid4().hex[:5]} for b in blocks]

    def _message(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args["channel"])
        ts = str(args.get("ts") or self._stamp())
        if method == "chat.update" and ts not in self.messages:
            return {"ok": False, "error": "message_not_found"}
        message = {
            "type": "message",
            "user": BOT_USER,
            "bot_id": "BBOT",
            "channel": channel,
            "ts": ts,
            "text": args.get("text", ""),
            "blocks": self._with_block_ids(args.get("blocks") or []),
        }
        self.messages[ts] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    async def _download(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {BOT_TOKEN}":
            return web.Response(status=403)
        file_id = request.match_info["file_id"]
        self.calls.append(Call("download", {"file": file_id}))
        return web.Response(body=self.file_bytes[file_id], content_type="application/octet-stream")

    async def _response_url(self, request: web.Request) -> web.Response:
        self.calls.append(Call("response_url", await request.json()))
        return web.Response(text="ok")

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._sockets.append(socket)
        await socket.send_json({"type": "hello", "num_connections": 1})
        self._connected.set()
        async for message in socket:
            if message.type == WSMsgType.TEXT:
                self.socket_received.append(json.loads(message.data))
        return socket


def sign(body: str, timestamp: int, secret: str = SECRET) -> str:
    """Slack's v0 request signature."""
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def event_body(event: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
    """An Events API `event_callback` envelope around `event`."""
    return {
        "token": "legacy-verification-token",
        "team_id": TEAM,
        "api_app_id": "ASAFERHUB",
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": int(time.time()),
        "authorizations": [
            {"team_id": TEAM, "user_id": BOT_USER, "is_bot": True, "is_enterprise_install": False}
        ],
        "is_ext_shared_channel": False,
    }


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
        stamp = int(time.time()) if timestamp is None else timestamp
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": str(stamp),
            "X-Slack-Signature": sign(body, stamp, secret),
        }
        if retry is not None:
            headers.update(
                {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
            )
        response = await self.client.post("/slack/events", data=body.encode(), headers=headers)
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
        ts = f"{time.time():.6f}"
        event = {
            "type": "message",
            "channel": self.dm,
            "user": self.id,
            "text": "",
            "ts": ts,
            "event_ts": ts,
            "channel_type": "im",
            "team": TEAM,
            **fields,
        }
        status, _ = await self.slack.event(event_body(event, event_id))
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
    ) -> list[dict[str, Any]]:
        """Press the button (or pick the menu option) labelled `label` in a bot message."""
        block, element, action = find_element(message["blocks"], label)
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


async def answer_up_to_photos(alex: SlackUser, description: str) -> dict:
    """Start by free text and answer every question before the photos; the photos question."""
    replies = await alex.say("there's racist graffiti on the bus stop on Cheapside")
    assert buttons(replies[-1]) == ["Yes", "No"]
    replies = await alex.press(replies[-1], "No")  # anyone in danger now?
    replies = await alex.press(replies[-1], "No")  # about a person?
    replies = await alex.say(description)
    assert "When did you see it?" in text_of(replies[-1])
    replies = await alex.press(replies[-1], "Now")
    replies = await alex.press(replies[-1], "Yes")  # still there
    replies = await alex.press(replies[-1], "A single item")
    for _question in ("violence", "names a target", "terrorist reference"):
        replies = await alex.press(replies[-1], "No")
    assert "upload up to 4" in text_of(replies[-1])
    return replies[-1]


async def report_concern(user: SlackUser, description: str = "Go home written in red") -> str:
    """A whole concern reported in the DM without photos; the bot's final message text."""
    await answer_up_to_photos(user, description)
    await user.say("skip")
    await user.say("none")
    summary = (await user.say("no"))[-1]
    return text_of((await user.press(summary, "Confirm"))[-1])


def find_element(
    blocks: list[dict[str, Any]], label: str
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The block, element and block_actions `action` for the button or option labelled `label`."""
    for block in blocks:
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
                if element.get("type") == "static_select" and option["text"]["text"] == label:
                    action = {
                        "type": "static_select",
                        "action_id": element["action_id"],
                        "selected_option": option,
                        "placeholder": element.get("placeholder"),
                    }
                    return block, element, action
    raise AssertionError(f"no button or option labelled {label!r}")


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
