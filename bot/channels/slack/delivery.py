"""Outbox delivery through Slack: notices by direct message, replaced in place once acted on.

Failures become `DeliveryFailed` for the dispatcher to schedule: a 429 carries Slack's
Retry-After, so the row waits exactly that long; errors about the person (deactivated, unknown)
are permanent. Posts to one conversation are paced to about one a second, Slack's posting rate.
"""

from __future__ import annotations

import asyncio
import time

import aiohttp
from slack_sdk.errors import SlackApiError

from bot.channels.slack.render import render_notice
from bot.channels.slack.workspace import Workspace, retry_after
from bot.services.delivery import Delivered, DeliveryFailed, Recipient
from dialogs.messages import Notice, Platform

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

    def __init__(self, workspace: Workspace, pace_seconds: float = 1.0) -> None:
        self.workspace = workspace
        self.pace_seconds = pace_seconds
        self._last_post: dict[str, float] = {}

    def can_reach(self, recipient: Recipient) -> bool:
        """Anyone whose Slack user id we know (linked on their first message, or imported)."""
        return bool(recipient.slack_user_id)

    async def send(self, recipient: Recipient, notice: Notice) -> Delivered:
        """DM the notice (or post it in a shared channel); the `ts` and channel let it be replaced."""
        if not recipient.slack_user_id and not recipient.channel:
            raise DeliveryFailed("no Slack user id", permanent=True)
        message = render_notice(notice)
        try:
            channel = recipient.channel or await self.workspace.dm_channel(
                str(recipient.slack_user_id)
            )
            await self._pace(channel)
            response = await self.workspace.client.chat_postMessage(
                channel=channel,
                text=message.text,
                blocks=message.blocks,
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as error:
            raise _failed(error) from error
        except (aiohttp.ClientError, TimeoutError) as error:
            raise DeliveryFailed(f"Slack unreachable: {error}") from error
        self._last_post[channel] = time.monotonic()
        return Delivered(str(response.get("ts") or ""), channel)

    async def replace(self, conversation: str, message_id: str, notice: Notice) -> None:
        """Replace a delivered notice (chat.update), e.g. without the buttons once acted on."""
        message = render_notice(notice)
        try:
            await self.workspace.client.chat_update(
                channel=conversation, ts=message_id, text=message.text, blocks=message.blocks
            )
        except SlackApiError as error:
            raise _failed(error) from error
        except (aiohttp.ClientError, TimeoutError) as error:
            raise DeliveryFailed(f"Slack unreachable: {error}") from error

    async def _pace(self, channel: str) -> None:
        last = self._last_post.get(channel)
        if last is not None:
            wait = last + self.pace_seconds - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)


def _failed(error: SlackApiError) -> DeliveryFailed:
    data = error.response.data
    code = str(
        (data.get("error") if isinstance(data, dict) else None)
        or f"HTTP {error.response.status_code}"
    )
    wait = retry_after(error)
    if wait is not None:
        return DeliveryFailed(f"rate limited by Slack ({code})", retry_after=wait)
    return DeliveryFailed(f"Slack refused the message: {code}", permanent=code in PERMANENT)
