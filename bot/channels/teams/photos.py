"""Photos sent in a Teams chat, downloaded for the hub to check, hash and keep.

Teams sends a photo in a 1:1 chat in one of two ways: a file upload, an attachment of type
`application/vnd.microsoft.teams.file.download.info` whose `downloadUrl` is pre-authenticated
(on SharePoint: fetched without any token), or an image pasted inline, `image/*` with a
`contentUrl` on the Bot Connector that wants the bot's token. The token only ever goes to an
allowed service host (the serviceUrl allow-list); a download URL must be on SharePoint over
https, or on a host listed in SAFERHUB_TEAMS_SERVICE_HOSTS (local fakes).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp

from bot.channels.teams.settings import ServiceHosts
from dialogs.messages import FilesInput, Upload
from dialogs.parsing import MAX_FILE_BYTES

log = logging.getLogger(__name__)

MAX_PHOTOS = 4  # beyond this nothing is downloaded: the hub refuses with its reason
SHAREPOINT = ".sharepoint.com"


@dataclass(frozen=True)
class SentFile:
    """A file attached to an activity; `authorised` when fetching it needs the bot's token."""

    name: str
    mime_type: str
    url: str
    authorised: bool


@dataclass(frozen=True)
class SentFiles:
    """The files of one message, not yet downloaded."""

    files: tuple[SentFile, ...]


def allowed(sent: SentFile, hosts: ServiceHosts) -> bool:
    """Whether `sent` may be fetched: a token only to a service host, a download URL only
    from SharePoint (or a listed host)."""
    if hosts.allows(sent.url):
        return True
    if sent.authorised:
        return False
    try:
        parts = urlsplit(sent.url)
    except ValueError:
        return False
    host = parts.hostname or ""
    return parts.scheme == "https" and host.endswith(SHAREPOINT)


async def uploads(sent: SentFiles, hosts: ServiceHosts, authorization: str | None) -> FilesInput:
    """The files downloaded (at most four; none when there are more), as the hub takes them;
    `authorization` is the bot's bearer header for the Bot Connector."""
    fetch = len(sent.files) <= MAX_PHOTOS
    found = []
    for item in sent.files:
        data = b""
        if fetch and allowed(item, hosts):
            headers = {"Authorization": authorization} if item.authorised and authorization else {}
            data = await _download(item.url, headers)
        found.append(Upload(item.name, item.mime_type, len(data), data))
    return FilesInput(uploads=tuple(found))


async def _download(url: str, headers: dict[str, str]) -> bytes:
    """The bytes at `url`; empty when the download fails or is larger than the hub keeps."""
    received = bytearray()
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session,
            session.get(url, headers=headers, allow_redirects=False) as response,
        ):
            if response.status != 200:
                log.warning("a photo download was answered %s", response.status)
                return b""
            async for chunk in response.content.iter_chunked(65536):
                received += chunk
                if len(received) > MAX_FILE_BYTES:
                    break  # the hub refuses it as too large
    except (aiohttp.ClientError, TimeoutError) as error:
        log.warning("could not download a photo: %s", error)
        return b""
    return bytes(received)
