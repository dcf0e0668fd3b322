"""The Slack Web API played by a small aiohttp app on 127.0.0.1, and Slack's request signing.

Shared by the Slack channel tests, the scale-out tests and the benchmarks (`bench/`), so every
one of them talks to the same fake. `FakeSlack` answers the Web API methods the channel uses (and
apps.connections.open with a WebSocket for Socket Mode), records every call with the time it
arrived, assigns block ids and message timestamps like Slack, and can misbehave on request: fail
the next call of a method (`fail_next`), answer every Nth call with a 429 and a Retry-After
(`throttle`), hold calls to one channel until released (`hold`), as a slow Slack would, or take
its time over the next call of a method (`slow_next`), or drop the connection once it did
what was asked (`drop_next`). Files the bot uploads (files.getUploadURLExternal, the upload POST,
files.completeUploadExternal) are kept with their bytes and where they were shared (`shared`).
Messages keep their `metadata`, and
conversations.history answers from the messages posted. Given a clock, message timestamps follow
it (as Slack's follow its own); `before_answer` hooks run once a call is recorded and before it
is answered, for faults that strike in between.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from aiohttp import WSMsgType, web

from bot.clock import Clock

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
    """One Web API call as the fake received it, and when (time.monotonic())."""

    method: str
    args: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


@dataclass
class Failure:
    """How to fail one call: the HTTP status, the JSON body and any headers (Retry-After); `kept`
    when Slack did the work all the same (a post stored, then a 500 or a lost answer)."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    kept: bool = False


@dataclass
class Throttle:
    """Answer every `every`-th call of a method with 429 and `Retry-After: retry_after`."""

    every: int
    retry_after: int
    seen: int = 0


class FakeSlack:
    """A small Slack Web API on 127.0.0.1 that records what the bot asks of it."""

    def __init__(
        self, people: Mapping[str, tuple[str, str]] | None = None, *, clock: Clock | None = None
    ) -> None:
        self.people = dict(PEOPLE if people is None else people)
        self.clock = clock
        self.calls: list[Call] = []
        self.listeners: list[Callable[[Call], None]] = []
        self.before_answer: list[Callable[[Call], Awaitable[None]]] = []
        self.failures: dict[str, list[Failure]] = {}
        self.throttles: dict[str, Throttle] = {}
        self.held: set[tuple[str, str]] = set()
        self.delays: dict[str, list[float]] = {}
        self.drops: dict[str, int] = {}
        self.holding = 0
        self._release = asyncio.Event()
        self.files: dict[str, dict[str, Any]] = {}
        self.file_bytes: dict[str, bytes] = {}
        self.uploads: dict[str, dict[str, Any]] = {}
        self.shared: list[dict[str, Any]] = []
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
        app.router.add_post("/upload/{file_id}", self._upload)
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
        self,
        method: str,
        status: int,
        body: dict[str, Any],
        headers: dict[str, str] | None = None,
        *,
        kept: bool = False,
    ) -> None:
        """Make the next call of `method` fail this way (queued, one per call); with `kept`, Slack
        does what was asked before answering with the failure."""
        self.failures.setdefault(method, []).append(Failure(status, body, headers or {}, kept))

    def drop_next(self, method: str) -> None:
        """Make Slack do the next call of `method`, then drop the connection before answering."""
        self.drops[method] = self.drops.get(method, 0) + 1

    def slow_next(self, method: str, seconds: float) -> None:
        """Make the next call of `method` answer only after `seconds` (queued, one per call)."""
        self.delays.setdefault(method, []).append(seconds)

    def throttle(self, method: str, every: int, retry_after: int = 1) -> None:
        """Rate-limit every `every`-th call of `method` (429 with Retry-After), like Slack's tiers."""
        self.throttles[method] = Throttle(every, retry_after)

    def hold(self, method: str, channel: str) -> None:
        """Keep calls of `method` to `channel` waiting until `release()`, as a stalled Slack would.

        A held call whose caller has gone away by then (its process was killed) is dropped
        unanswered and recorded as failed: Slack never accepted it.
        """
        self.held.add((method, channel))
        self._release.clear()

    def release(self) -> None:
        """Let every held call through and stop holding."""
        self.held.clear()
        self._release.set()

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
        for key in ("blocks", "view", "metadata"):
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        return args

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        for listener in self.listeners:
            listener(call)

    async def _answering(self, call: Call, response: web.Response) -> web.Response:
        """Run the `before_answer` hooks on a recorded call, then let its answer go."""
        for hook in self.before_answer:
            await hook(call)
        return response

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._args(request)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        expected = APP_TOKEN if method == "apps.connections.open" else BOT_TOKEN
        if token != expected:
            self._record(Call(method, {**args, "_failed": "invalid_auth"}))
            return web.json_response({"ok": False, "error": "invalid_auth"})
        if (method, str(args.get("channel"))) in self.held:
            self.holding += 1
            try:
                await self._release.wait()
            finally:
                self.holding -= 1
            if request.transport is None or request.transport.is_closing():
                self._record(Call(method, {**args, "_failed": "caller gone"}))
                return web.json_response({"ok": False, "error": "caller_gone"})
        if self.drops.get(method) and request.transport is not None:
            self.drops[method] -= 1
            self._answer(method, args)
            self._record(Call(method, {**args, "_failed": "dropped"}))
            request.transport.close()
            return web.Response()
        delays = self.delays.get(method)
        if delays:
            await asyncio.sleep(delays.pop(0))
        queued = self.failures.get(method)
        if queued:
            failure = queued.pop(0)
            if failure.kept:
                self._answer(method, args)
            call = Call(method, {**args, "_failed": failure.status})
            self._record(call)
            return await self._answering(
                call,
                web.json_response(failure.body, status=failure.status, headers=failure.headers),
            )
        throttle = self.throttles.get(method)
        if throttle is not None:
            throttle.seen += 1
            if throttle.seen % throttle.every == 0:
                call = Call(method, {**args, "_failed": 429})
                self._record(call)
                return await self._answering(
                    call,
                    web.json_response(
                        {"ok": False, "error": "ratelimited"},
                        status=429,
                        headers={"Retry-After": str(throttle.retry_after)},
                    ),
                )
        call = Call(method, args)
        self._record(call)
        return await self._answering(call, web.json_response(self._answer(method, args)))

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {"ok": True, "user_id": BOT_USER, "bot_id": "BBOT", "team_id": TEAM}
        if method == "users.info":
            user = str(args.get("user"))
            if user not in self.people:
                return {"ok": False, "error": "user_not_found"}
            email, name = self.people[user]
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
        if method == "conversations.history":
            return self._history(args)
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
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ids):06d}"
            self.uploads[file_id] = {"filename": args.get("filename"), "data": None}
            return {"ok": True, "file_id": file_id, "upload_url": f"{self.url}/upload/{file_id}"}
        if method == "files.completeUploadExternal":
            return self._complete_upload(args)
        if method == "apps.connections.open":
            return {"ok": True, "url": f"ws{self.url.removeprefix('http')}/link"}
        return {"ok": False, "error": "unknown_method"}

    def _stamp(self) -> str:
        seconds = 1795510800 if self.clock is None else int(self.clock.now().timestamp())
        return f"{seconds}.{next(self._ts):06d}"

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
        metadata = args.get("metadata") or self.messages.get(ts, {}).get("metadata")
        if metadata:
            message["metadata"] = metadata  # Slack keeps a message's metadata through updates
        self.messages[ts] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _history(self, args: dict[str, Any]) -> dict[str, Any]:
        """conversations.history: newest first, after `oldest` (or at it, when `inclusive`) and
        before `latest`, `limit` to a page (default 100, at most 999) with a cursor to the next;
        metadata only with `include_all_metadata`, as for an app subscribed to no metadata events."""
        channel = str(args.get("channel"))
        if not channel.startswith(("D", "C", "G")):
            return {"ok": False, "error": "channel_not_found"}
        oldest = Decimal(str(args.get("oldest") or 0))
        cursor = str(args.get("cursor") or "")
        latest = Decimal(cursor.removeprefix("before:") or str(args.get("latest") or "Infinity"))
        inclusive = _flag(args.get("inclusive"))
        limit = min(int(args.get("limit") or 100), 999)
        found = sorted(
            (
                m
                for m in self.messages.values()
                if m["channel"] == channel
                and oldest <= Decimal(m["ts"]) < latest
                and (inclusive or Decimal(m["ts"]) > oldest)
            ),
            key=lambda m: Decimal(m["ts"]),
            reverse=True,
        )
        page, more = found[:limit], len(found) > limit
        hidden = {"channel"} if _flag(args.get("include_all_metadata")) else {"channel", "metadata"}
        return {
            "ok": True,
            "messages": [{k: v for k, v in m.items() if k not in hidden} for m in page],
            "has_more": more,
            "pin_count": 0,
            "response_metadata": {"next_cursor": f"before:{page[-1]['ts']}" if more else ""},
        }

    async def _download(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {BOT_TOKEN}":
            return web.Response(status=403)
        file_id = request.match_info["file_id"]
        self._record(Call("download", {"file": file_id}))
        return web.Response(body=self.file_bytes[file_id], content_type="application/octet-stream")

    async def _upload(self, request: web.Request) -> web.Response:
        """The upload POST to a URL files.getUploadURLExternal gave: the file's bytes as the body."""
        file_id = request.match_info["file_id"]
        if file_id not in self.uploads:
            return web.Response(status=404)
        data = await request.read()
        self.uploads[file_id]["data"] = data
        self._record(Call("upload", {"file": file_id, "length": len(data)}))
        return web.Response(text=f"OK - {len(data)}")

    def _complete_upload(self, args: dict[str, Any]) -> dict[str, Any]:
        """files.completeUploadExternal: share uploaded files in `channel_id` (in `thread_ts`)."""
        files = json.loads(str(args.get("files") or "[]"))
        if any(self.uploads.get(str(f.get("id")), {}).get("data") is None for f in files):
            return {"ok": False, "error": "file_not_found"}
        done = []
        for f in files:
            upload = self.uploads[str(f["id"])]
            self.shared.append(
                {
                    "id": f["id"],
                    "title": f.get("title"),
                    "filename": upload["filename"],
                    "data": upload["data"],
                    "channel": args.get("channel_id"),
                    "thread_ts": args.get("thread_ts"),
                }
            )
            done.append({"id": f["id"], "title": f.get("title")})
        return {"ok": True, "files": done}

    async def _response_url(self, request: web.Request) -> web.Response:
        self._record(Call("response_url", await request.json()))
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


def _flag(value: Any) -> bool:
    """A Web API boolean argument, however it was sent (true, 1, "true", "1")."""
    return str(value).lower() in ("1", "true")


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


def signed_headers(
    body: str,
    content_type: str = "application/json",
    *,
    timestamp: int | None = None,
    secret: str = SECRET,
    retry: int | None = None,
) -> dict[str, str]:
    """The headers Slack sends with a request: content type, timestamp, v0 signature, retry."""
    stamp = int(time.time()) if timestamp is None else timestamp
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(stamp),
        "X-Slack-Signature": sign(body, stamp, secret),
    }
    if retry is not None:
        headers.update({"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"})
    return headers


def dm_event(user: str, text: str = "", **fields: Any) -> dict[str, Any]:
    """A `message.im` event: `user` writing `text` in their DM with the bot."""
    ts = f"{time.time():.6f}"
    return {
        "type": "message",
        "channel": dm_of(user),
        "user": user,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        "channel_type": "im",
        "team": TEAM,
        **fields,
    }
