"""Teams fixtures: the running aiohttp app in local development mode, a Bot Connector fake on a
loopback port, and users who send activities shaped as Teams sends them."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.channels.teams import build_channel
from bot.channels.teams.channel import TeamsChannel
from bot.conversation.hub import Hub
from bot.server import build_app

TENANT = "72f988bf-0000-4000-8000-000000000001"
BOT_ID = "28:saferhub-bot"
TEAM_ID = "19:team-general@thread.tacv2"
ROSTER = {
    "29:alex": ("alex@example.org", "aad-alex", "Alex Morgan"),
    "29:priya": ("priya@example.org", "aad-priya", "Priya Sample"),
    "29:jordan": ("jordan@example.org", "aad-jordan", "Jordan Test"),
}


@dataclass
class Call:
    """One request the bot made to the Bot Connector."""

    method: str
    path: str
    conversation: str
    body: dict[str, Any] = field(default_factory=dict)
    answered_id: str = ""

    @property
    def cards(self) -> list[dict[str, Any]]:
        """The Adaptive Cards this call posted or put."""
        return [
            a["content"]
            for a in self.body.get("attachments") or []
            if a.get("contentType") == "application/vnd.microsoft.card.adaptive"
        ]

    @property
    def text(self) -> str:
        """Every TextBlock and RichTextBlock text of the posted cards, one per line."""
        return "\n".join(block_texts(self.cards))


def walk(node: Any) -> Iterator[Any]:
    """Every object in a card (or list of cards), depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


def block_texts(node: Any) -> list[str]:
    """The text of every TextBlock, and of every RichTextBlock (its TextRuns joined), in a card
    (or list of cards), in order."""
    found: list[str] = []
    if isinstance(node, dict):
        if node.get("type") == "TextBlock":
            found.append(str(node.get("text", "")))
        if node.get("type") == "RichTextBlock":
            inlines = node.get("inlines") or []
            runs = [i.get("text", "") if isinstance(i, dict) else i for i in inlines]
            found.append("".join(str(run) for run in runs))
            return found
        for value in node.values():
            found.extend(block_texts(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(block_texts(item))
    return found


def actions(node: Any) -> list[dict[str, Any]]:
    """Every Action.Submit in a card (or list of cards), in order."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if node.get("type") == "Action.Submit":
            found.append(node)
        for value in node.values():
            found.extend(actions(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(actions(item))
    return found


class Connector:
    """A Bot Connector fake: records every call and answers like the Teams service does."""

    def __init__(self, roster: dict[str, tuple[str, str, str]] | None = None) -> None:
        self.calls: list[Call] = []
        self.roster = roster or {}
        self.failures: dict[str, tuple[int, dict[str, str]]] = {}
        self.roster_misses = 0  # how many roster lookups miss first (a roster not caught up)
        self.ids = itertools.count(1)
        self.app = web.Application()
        self.app.router.add_post("/v3/conversations", self.create)
        self.app.router.add_post("/v3/conversations/{conversation}/activities", self.post)
        self.app.router.add_post("/v3/conversations/{conversation}/activities/{reply}", self.post)
        self.app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", self.put)
        self.app.router.add_get("/v3/conversations/{conversation}/members/{member}", self.member)
        # Photos: pasted images (Bot Connector attachments) and uploads (pre-authenticated URLs)
        self.files: dict[str, bytes] = {}
        self.app.router.add_get("/v3/attachments/{file}/views/original", self.download)
        self.app.router.add_get("/download/{file}", self.download)
        self.server = TestServer(self.app, host="127.0.0.1")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}/"

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.server.port}"

    def posted(self, conversation: str | None = None) -> list[Call]:
        """Messages posted (sent or replied), optionally in one conversation."""
        return [
            c
            for c in self.calls
            if c.method == "POST"
            and "/activities" in c.path
            and (conversation is None or c.conversation == conversation)
        ]

    async def put(self, request: web.Request) -> web.Response:
        return await self._record(request, {"id": request.match_info["activity"]})

    async def post(self, request: web.Request) -> web.Response:
        return await self._record(request, {"id": f"msg-{next(self.ids)}"})

    async def create(self, request: web.Request) -> web.Response:
        body = await request.json()
        member = body["members"][0]["id"]
        self.calls.append(Call("POST", request.path, "", body))
        return web.json_response({"id": f"a:chat-{member}", "activityId": f"msg-{next(self.ids)}"})

    async def member(self, request: web.Request) -> web.Response:
        self.calls.append(Call("GET", request.path, request.match_info["conversation"]))
        known = self.roster.get(request.match_info["member"])
        if self.roster_misses:
            self.roster_misses -= 1
            known = None
        if known is None:
            error = {"error": {"code": "MemberNotFoundInConversation", "message": "not found"}}
            return web.json_response(error, status=404)
        email, aad, name = known
        return web.json_response(
            {
                "id": request.match_info["member"],
                "name": name,
                "aadObjectId": aad,
                "email": email,
                "userPrincipalName": email,
                "tenantId": TENANT,
            }
        )

    def add_file(self, name: str, content: bytes) -> dict[str, str]:
        """A file the fake serves: its pasted-image and download URLs."""
        self.files[name] = content
        return {
            "inline": f"{self.url}v3/attachments/{name}/views/original",
            "download": f"{self.url}download/{name}",
        }

    async def download(self, request: web.Request) -> web.Response:
        """A photo's bytes; the call is recorded with the Authorization it carried."""
        name = request.match_info["file"]
        auth = request.headers.get("Authorization", "")
        self.calls.append(Call("GET", request.path, "", {"authorization": auth}))
        if name not in self.files:
            return web.Response(status=404)
        return web.Response(body=self.files[name], content_type="application/octet-stream")

    async def _record(self, request: web.Request, answer: dict[str, str]) -> web.Response:
        body = await request.json()
        conversation = request.match_info["conversation"]
        self.calls.append(Call(request.method, request.path, conversation, body, answer["id"]))
        if conversation in self.failures:
            status, headers = self.failures[conversation]
            error = {"error": {"code": "Failed", "message": f"answered {status}"}}
            return web.json_response(error, status=status, headers=headers)
        return web.json_response(answer)


async def wait_for(check: Callable[[], Any], timeout: float = 5.0) -> Any:
    """Poll until `check()` is truthy (background work finishing); fail after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = check()
        if result:
            return result
        if loop.time() > deadline:
            raise AssertionError("timed out waiting for the Bot Connector fake")
        await asyncio.sleep(0.01)


@pytest.fixture
async def connector() -> AsyncIterator[Connector]:
    fake = Connector(ROSTER)
    await fake.server.start_server()
    yield fake
    await fake.server.close()


@dataclass
class Teams:
    """The bot's HTTP endpoint with its channel, and where it calls back."""

    client: TestClient
    channel: TeamsChannel
    connector: Connector

    async def post(self, activity: dict[str, Any], **headers: str) -> Any:
        response = await self.client.post("/api/messages", json=activity, headers=headers)
        text = await response.text()
        return response.status, text


@pytest.fixture
async def teams(sample_hub: Hub, connector: Connector) -> AsyncIterator[Teams]:
    """Saferhub serving Teams in local development mode, talking to the connector fake."""
    env = {"SAFERHUB_DEV": "1", "SAFERHUB_TEAMS_SERVICE_HOSTS": connector.host}
    channel = build_channel(sample_hub, env, "127.0.0.1")
    client = TestClient(TestServer(build_app(sample_hub, [channel]), host="127.0.0.1"))
    await client.start_server()
    yield Teams(client, channel, connector)
    await client.close()


class TeamsUser:
    """A person in Teams: builds activities the way Teams sends them to the bot."""

    def __init__(self, teams: Teams, user_id: str, aad: str, name: str) -> None:
        self.teams = teams
        self.user_id = user_id
        self.aad = aad
        self.name = name
        self.chat = f"a:personal-{user_id}"
        self.ids = itertools.count(1)
        self.service_url = teams.connector.url

    def activity(self, kind: str, conversation: dict[str, Any], **extra: Any) -> dict[str, Any]:
        return {
            "type": kind,
            "id": f"{self.user_id}-{next(self.ids)}",
            "timestamp": "2026-11-23T09:00:00.000Z",
            "serviceUrl": self.service_url,
            "channelId": "msteams",
            "from": {"id": self.user_id, "name": self.name, "aadObjectId": self.aad},
            "conversation": conversation,
            "recipient": {"id": BOT_ID, "name": "Saferhub"},
            "channelData": {"tenant": {"id": TENANT}},
            "locale": "en-GB",
            **extra,
        }

    @property
    def personal(self) -> dict[str, Any]:
        return {"conversationType": "personal", "tenantId": TENANT, "id": self.chat}

    def message(self, text: str = "", value: dict[str, Any] | None = None) -> dict[str, Any]:
        extra: dict[str, Any] = {"text": text, "textFormat": "plain"}
        if value is not None:
            extra = {"value": value}
        return self.activity("message", self.personal, **extra)

    def install(self) -> dict[str, Any]:
        return self.activity(
            "conversationUpdate",
            self.personal,
            membersAdded=[{"id": BOT_ID}],
        )

    async def send(self, activity: dict[str, Any]) -> list[Call]:
        """Post an activity and return what the bot posted in reply (all synchronously done)."""
        before = len(self.teams.connector.calls)
        status, body = await self.teams.post(activity)
        assert status in (200, 201), body
        return [c for c in self.teams.connector.calls[before:] if c.method == "POST"]

    async def say(self, text: str) -> Call:
        """Type a message; the bot's one reply in the 1:1 chat."""
        replies = await self.send(self.message(text))
        assert len(replies) == 1, [r.text for r in replies]
        return replies[0]

    async def press(self, reply: Call, title: str, **inputs: Any) -> Call:
        """Press the button called `title` on the card of `reply`, with input values."""
        pressed = next(a for a in actions(reply.cards) if a["title"] == title)
        replies = await self.send(self.message(value={**pressed["data"], **inputs}))
        assert len(replies) == 1, [r.text for r in replies]
        return replies[0]


@pytest.fixture
def teams_user(teams: Teams) -> Callable[[str], TeamsUser]:
    """Factory: teams_user('29:alex') is a Teams user from the fake roster (or unknown to it)."""

    def make(user_id: str) -> TeamsUser:
        email, aad, name = ROSTER.get(user_id, ("", f"aad-{user_id[3:]}", user_id[3:].title()))
        return TeamsUser(teams, user_id, aad, name)

    return make
