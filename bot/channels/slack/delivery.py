"""Outbox delivery through Slack: notices by direct message, replaced in place once acted on.

Failures become `DeliveryFailed` for the dispatcher to schedule: a 429 carries Slack's
Retry-After, so the row waits exactly that long; errors about the person (deactivated, unknown)
are permanent. Posts to one conversation are paced to about one a second, Slack's posting rate.

Each post carries its outbox row id in the message's metadata. Before sending a row again whose
earlier send has no recorded outcome, the conversation's history since that send is searched for
the id, and a message found there is recorded instead of posting a second one.

An alert to a person that has photos gets them in its thread: Slack's image blocks need a public
URL the hub does not have, so the cleaned copies are uploaded (files_upload_v2). That is the
delivery's follow-up, run once the post is recorded as sent, so a retried row never uploads twice.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.channels.slack.render import SlackMessage, render_notice
from bot.channels.slack.workspace import Workspace, retry_after
from bot.core.ports import (
    Attempt,
    Delivered,
    DeliveryFailed,
    PhotoSource,
    Recipient,
    Replacement,
)
from dialogs.messages import Notice, Platform

log = logging.getLogger(__name__)

OUTBOX_EVENT = "saferhub_outbox"
# Slack stamps messages with its own clock; ours may differ by this much (signing allows 5 min).
CLOCK_DIFFERENCE = timedelta(minutes=5)
HISTORY_PAGE = 200
HISTORY_PAGES = 5
# History Slack will not show us: the message cannot be looked for, so it is sent (at least once).
CANNOT_LOOK = frozenset({"missing_scope", "not_in_channel"})

PERMANENT = frozenset(
    {
        "user_not_found",
        "user_disabled",
        "account_inactive",
        "cannot_dm_bot",
        "channel_not_found",
        "is_archived",
        "message_not_found",
        "cant_update_message",
        "invalid_blocks",
        "msg_too_long",
    }
)


class SlackDeliverer:
    """The Slack `Deliverer` for the outbox dispatcher."""

    platform = Platform.SLACK.value

    def __init__(
        self, workspace: Workspace, pace_seconds: float = 1.0, photos: PhotoSource | None = None
    ) -> None:
        self.workspace = workspace
        self.pace_seconds = pace_seconds
        self.photos = photos
        self._last_post: dict[str, float] = {}

    def can_reach(self, recipient: Recipient) -> bool:
        """Anyone whose Slack user id we know (linked on their first message, or imported)."""
        return bool(recipient.slack_user_id)

    async def send(self, recipient: Recipient, notice: Notice, attempt: Attempt) -> Delivered:
        """DM the notice (or post it in a shared channel); the `ts` and channel let it be replaced.

        An unconfirmed earlier send is looked for first; found, it is brought up to date (the
        notice may have changed while its outcome was unknown) rather than posted again. A DM
        about a record with photos uploads them into its thread once the send is recorded.
        """
        delivered = await self._post(recipient, notice, attempt)
        if notice.photos and notice.reference and not recipient.channel and self.photos:
            where = (delivered.conversation, delivered.message_id)
            upload = partial(self._upload, self.photos, notice.reference, *where)
            return dataclasses.replace(delivered, follow_up=upload)
        return delivered

    async def _post(self, recipient: Recipient, notice: Notice, attempt: Attempt) -> Delivered:
        since = attempt.unconfirmed_since
        unsettled = since is not None  # an earlier send may be out there
        if not recipient.slack_user_id and not recipient.channel:
            raise DeliveryFailed("no Slack user id", permanent=True, maybe_delivered=unsettled)
        message = render_notice(notice)
        metadata = {"event_type": OUTBOX_EVENT, "event_payload": {"outbox_id": attempt.outbox_id}}
        posting = False
        try:
            channel = recipient.channel or await self.workspace.dm_channel(
                str(recipient.slack_user_id)
            )
            if since is not None:
                found = await self._find(channel, attempt.outbox_id, since)
                if found is not None:
                    return await self._bring_up_to_date(channel, found, message, metadata)
                unsettled = False
            await self._pace(channel)
            posting = True
            response = await self.workspace.client.chat_postMessage(
                channel=channel,
                text=message.text,
                blocks=message.blocks,
                metadata=metadata,
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as error:
            kept = posting and error.response.status_code >= 500  # Slack may have kept it
            raise _failed(error, maybe_delivered=unsettled or kept) from error
        except (aiohttp.ClientError, TimeoutError) as error:
            raise DeliveryFailed(
                f"Slack unreachable: {error}", maybe_delivered=unsettled or posting
            ) from error
        self._last_post[channel] = time.monotonic()
        return Delivered(str(response.get("ts") or ""), channel)

    async def _upload(self, photos: PhotoSource, reference: str, channel: str, ts: str) -> None:
        """Upload the cleaned copies of the record's photos into the thread of the DM `ts`.

        Run once, after the post is recorded: a failure is logged (the photos stay in the hub
        and the alert says how many there are), never retried, so nothing is uploaded twice.
        """
        pictures = await photos(reference)
        if not pictures:
            return
        try:
            await self.workspace.client.files_upload_v2(
                file_uploads=[
                    {
                        "content": p.data,
                        "filename": p.filename,
                        "title": p.name,
                        "alt_txt": p.name,
                    }
                    for p in pictures
                ],
                channel=channel,
                thread_ts=ts,
            )
        except (SlackClientError, aiohttp.ClientError, TimeoutError) as error:
            log.warning(
                "the photos of an alert were not uploaded: %s",
                _code(error) if isinstance(error, SlackApiError) else type(error).__name__,
            )

    async def replace(self, target: Replacement, notice: Notice) -> None:
        """Replace a delivered notice (chat.update), e.g. without the buttons once acted on."""
        message = render_notice(notice)
        try:
            await self.workspace.client.chat_update(
                channel=target.conversation,
                ts=target.message_id,
                text=message.text,
                blocks=message.blocks,
            )
        except SlackApiError as error:
            raise _failed(error) from error
        except (aiohttp.ClientError, TimeoutError) as error:
            raise DeliveryFailed(f"Slack unreachable: {error}") from error

    async def _find(self, channel: str, outbox_id: int, since: datetime) -> dict[str, Any] | None:
        """The message a send of outbox row `outbox_id` begun at `since` left in `channel`.

        Only history from then is read (less the clock difference with Slack), newest first, a
        few pages at most: in a DM or the alerts channel that message is near the top.
        """
        oldest = f"{(since - CLOCK_DIFFERENCE).timestamp():.6f}"
        cursor: str | None = None
        for _page in range(HISTORY_PAGES):
            try:
                response = await self.workspace.client.conversations_history(
                    channel=channel,
                    oldest=oldest,
                    include_all_metadata=True,
                    limit=HISTORY_PAGE,
                    cursor=cursor,
                )
            except SlackApiError as error:
                if _code(error) not in CANNOT_LOOK:
                    raise
                log.warning("cannot look for outbox message %s: %s", outbox_id, _code(error))
                return None
            for found in response.get("messages") or []:
                if _outbox_id(found) == str(outbox_id):
                    return dict(found)
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not response.get("has_more") or cursor is None:
                return None
        log.warning("outbox message %s not found in %s pages", outbox_id, HISTORY_PAGES)
        return None

    async def _bring_up_to_date(
        self,
        channel: str,
        found: dict[str, Any],
        message: SlackMessage,
        metadata: dict[str, Any],
    ) -> Delivered:
        """The message an earlier send delivered, as the notice now reads."""
        ts = str(found["ts"])
        if found.get("text") != message.text:
            await self.workspace.client.chat_update(
                channel=channel,
                ts=ts,
                text=message.text,
                blocks=message.blocks,
                metadata=metadata,
            )
        return Delivered(ts, channel)

    async def _pace(self, channel: str) -> None:
        last = self._last_post.get(channel)
        if last is not None:
            wait = last + self.pace_seconds - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)


def _code(error: SlackApiError) -> str:
    data = error.response.data
    return str(
        (data.get("error") if isinstance(data, dict) else None)
        or f"HTTP {error.response.status_code}"
    )


def _failed(error: SlackApiError, *, maybe_delivered: bool = False) -> DeliveryFailed:
    code = _code(error)
    wait = retry_after(error)
    if wait is not None:
        return DeliveryFailed(
            f"rate limited by Slack ({code})", retry_after=wait, maybe_delivered=maybe_delivered
        )
    return DeliveryFailed(
        f"Slack refused the message: {code}",
        permanent=code in PERMANENT,
        maybe_delivered=maybe_delivered,
    )


def _outbox_id(message: dict[str, Any]) -> str | None:
    """The outbox row id in a message's metadata, when Saferhub's outbox posted it."""
    metadata = message.get("metadata") or {}
    if metadata.get("event_type") != OUTBOX_EVENT:
        return None
    return str((metadata.get("event_payload") or {}).get("outbox_id"))
