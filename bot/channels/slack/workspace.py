"""The Slack workspace as the bot sees it through the Web API: people, DMs, posts and photos.

Profiles (email for directory linking) and DM channel ids are cached in memory; a profile lookup
that fails (429, 5xx, timeout) is not cached, so the person's next message asks again and the
directory can still link them. Replies are
posted with a few retries and backoff, honouring `Retry-After`: by then the turn has committed,
so a failed post never loses an answer, it only delays the reply.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.channels.slack.render import SlackMessage
from dialogs.messages import Upload
from dialogs.parsing import MAX_FILE_BYTES

log = logging.getLogger(__name__)

PROFILE_TTL = 3600.0
MAX_FILES = 4
FILE_HOSTS = ("files.slack.com",)


@dataclass(frozen=True)
class Profile:
    """What Slack tells us about a user: email (to link the directory) and display name."""

    email: str | None = None
    display_name: str | None = None


def retry_after(error: SlackApiError) -> float | None:
    """Seconds Slack asked us to wait (429 Retry-After), if it did."""
    if error.response.status_code != 429:
        return None
    headers: Mapping[str, Any] = error.response.headers or {}
    for key, value in headers.items():
        if key.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) else value
            try:
                return max(0.0, float(raw))
            except ValueError:
                return 1.0
    return 1.0


def web_client(token: str, base_url: str) -> AsyncWebClient:
    """A Web API client without slack_sdk's hidden retry on a dropped connection.

    That retry re-sends a post whose answer was lost, blind to whether Slack kept it; replies are
    retried by `Workspace.retrying` and notices by the outbox, which looks for a post before
    making it again.
    """
    return AsyncWebClient(token=token, base_url=base_url, retry_handlers=[])


class Workspace:
    """Web API calls the channel makes, with caching for lookups and retries for replies."""

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        attempts: int = 4,
        backoff: float = 1.0,
        lookup_timeout: float = 2.0,
    ) -> None:
        self.client = client
        self.attempts = attempts
        self.backoff = backoff
        self.lookup_timeout = lookup_timeout
        self._profiles: dict[str, tuple[float, Profile]] = {}
        self._channels: dict[str, str] = {}
        api_host = urlsplit(client.base_url).hostname or ""
        self._file_hosts = {*FILE_HOSTS, api_host}

    async def profile(self, user_id: str) -> Profile:
        """The user's email and name (users.info), cached for an hour; empty when unavailable.

        The lookup is on the way to every first reply (and to a modal's acknowledgement, due
        within 3 seconds), so it is not retried here and gives up after `lookup_timeout`.
        """
        cached = self._profiles.get(user_id)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        try:
            async with asyncio.timeout(self.lookup_timeout):
                response = await self.client.users_info(user=user_id)
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as error:
            log.warning("users.info failed for %s (asked again next time): %s", user_id, error)
            return Profile()
        user = response.get("user") or {}
        details = user.get("profile") or {}
        email = details.get("email")
        name = details.get("real_name") or user.get("real_name") or user.get("name")
        found = Profile(
            email if isinstance(email, str) and "@" in email else None,
            name if isinstance(name, str) and name else None,
        )
        self._profiles[user_id] = (time.monotonic() + PROFILE_TTL, found)
        return found

    async def dm_channel(self, user_id: str) -> str:
        """The id of the bot's direct-message channel with `user_id` (conversations.open)."""
        cached = self._channels.get(user_id)
        if cached:
            return cached
        response = await self.client.conversations_open(users=user_id)
        channel = str(response["channel"]["id"])
        self._channels[user_id] = channel
        return channel

    def remember_dm(self, user_id: str, channel: str) -> None:
        """Note a DM channel seen in an event, saving a conversations.open later."""
        self._channels[user_id] = channel

    async def post(self, channel: str, messages: Sequence[SlackMessage]) -> list[str]:
        """Post messages in order, each retried on failure; their `ts` values."""
        stamps: list[str] = []
        for message in messages:
            response = await self.retrying(
                partial(
                    self.client.chat_postMessage,
                    channel=channel,
                    text=message.text,
                    blocks=message.blocks,
                    unfurl_links=False,
                    unfurl_media=False,
                )
            )
            stamps.append(str(response.get("ts") or ""))
        return stamps

    async def update(self, channel: str, ts: str, message: SlackMessage) -> None:
        """Replace a message the bot posted (chat.update)."""
        await self.retrying(
            partial(
                self.client.chat_update,
                channel=channel,
                ts=ts,
                text=message.text,
                blocks=message.blocks,
            )
        )

    async def retrying(
        self, call: Callable[[], Awaitable[AsyncSlackResponse]]
    ) -> AsyncSlackResponse:
        """Run a Web API call, retrying 429s (after Retry-After), 5xx and network errors."""
        for attempt in range(1, self.attempts + 1):
            try:
                return await call()
            except SlackApiError as error:
                wait = retry_after(error)
                if wait is None and error.response.status_code < 500:
                    raise
                delay = wait if wait is not None else self.backoff * 2 ** (attempt - 1)
                failure: Exception = error
            except (aiohttp.ClientError, TimeoutError) as error:
                delay = self.backoff * 2 ** (attempt - 1)
                failure = error
            if attempt == self.attempts:
                raise failure
            log.warning(
                "Slack call failed (attempt %s), retrying in %.1fs: %s", attempt, delay, failure
            )
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    async def uploads(self, files: Sequence[Mapping[str, Any]]) -> tuple[Upload, ...]:
        """The files shared, each with its bytes when it is an image we could download.

        Beyond four files nothing is downloaded: the hub refuses the upload with its reason.
        """
        found = []
        fetch = len(files) <= MAX_FILES
        for shared in files:
            file_id = str(shared.get("id") or "")
            details: Mapping[str, Any] = shared
            if fetch and file_id:
                try:
                    details = (await self.client.files_info(file=file_id)).get("file") or shared
                except (SlackApiError, aiohttp.ClientError, TimeoutError) as error:
                    log.warning("files.info failed for %s: %s", file_id, error)
            mime = str(details.get("mimetype") or "application/octet-stream")
            size = int(details.get("size") or 0)
            data = b""
            if fetch and mime.startswith("image/") and 0 < size <= MAX_FILE_BYTES:
                data = await self._download(str(details.get("url_private_download") or ""))
            name = str(details.get("name") or details.get("title") or "file")[:255]
            found.append(Upload(name, mime[:100], max(size, len(data)), data))
        return tuple(found)

    async def _download(self, url: str) -> bytes:
        """A private file's bytes, fetched with the bot token; empty when that fails, cut short
        (for the hub to refuse) when it is larger than the hub keeps.

        The token is only ever sent to Slack's file host (or the configured API host).
        """
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http") or parts.hostname not in self._file_hosts:
            return b""
        received = bytearray()
        headers = {"Authorization": f"Bearer {self.client.token}"}
        try:
            async with (
                aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session,
                session.get(url, headers=headers) as response,
            ):
                if response.status != 200:
                    return b""
                async for chunk in response.content.iter_chunked(65536):
                    received += chunk
                    if len(received) > MAX_FILE_BYTES:
                        break
        except (aiohttp.ClientError, TimeoutError) as error:
            log.warning("could not download a shared file: %s", error)
            return b""
        return bytes(received)
