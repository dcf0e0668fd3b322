"""Outbox delivery to Teams: notices as cards in each person's 1:1 chat with the bot.

The stored conversation reference is continued with the bot's app id; when only a team reference
is known the 1:1 chat is created first and remembered. `replace` updates a delivered card in
place, so its old buttons cannot be pressed again.

The Bot Connector cannot be asked whether a message was already posted, so a send whose outcome
was never recorded (the database went away between Teams' answer and the dispatcher's write) is
posted again when its lease ends. To keep that window small, nothing happens between the post and
the dispatcher recording it: remembering a newly created chat is a follow-up, done afterwards.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Sequence
from functools import partial

from aiohttp import ClientError, ClientResponseError
from microsoft_agents.activity import Activity
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import (
    AuthenticationConstants,
    CardFactory,
    MessageFactory,
    TurnContext,
)

from bot.channels.teams import cards
from bot.channels.teams.addresses import (
    TEAMS_CHANNEL_ID,
    Stored,
    continuation,
    personal_chat,
)
from bot.channels.teams.settings import TeamsSettings
from bot.conversation import surfaces
from bot.conversation.hub import Hub
from bot.core.ports import (
    Attempt,
    Delivered,
    DeliveryFailed,
    Picture,
    Recipient,
    Replacement,
)
from dialogs.messages import Notice, Platform

GONE = (403, 404)  # the bot was removed or blocked, or the chat no longer exists


def notice_activity(notice: Notice, pictures: Sequence[Picture] = ()) -> Activity:
    """A notice as a Teams message holding its card (with thumbnails of `pictures`)."""
    activity: Activity = MessageFactory.attachment(
        CardFactory.adaptive_card(cards.notice_card(notice, pictures=pictures))
    )
    return activity


class TeamsDeliverer:
    """Sends outbox notices to Teams users through the Agents SDK's CloudAdapter."""

    platform = Platform.TEAMS.value

    def __init__(self, adapter: CloudAdapter, settings: TeamsSettings, hub: Hub) -> None:
        self.adapter = adapter
        self.app_id = settings.client_id
        self.hosts = settings.hosts
        self.hub = hub

    def can_reach(self, recipient: Recipient) -> bool:
        """Whether the person has a Teams reference on an allowed service host."""
        stored = recipient.addresses.get(self.platform) or {}
        return self.hosts.allows(str(stored.get("service_url") or ""))

    async def send(self, recipient: Recipient, notice: Notice, attempt: Attempt) -> Delivered:
        """Post the notice card in the person's 1:1 chat, creating the chat if needed.

        An unconfirmed earlier send cannot be looked for on Teams: the card is posted again.
        """
        unsettled = attempt.unconfirmed_since is not None
        stored = dict(recipient.addresses.get(self.platform) or {})
        if not self.hosts.allows(str(stored.get("service_url") or "")):
            raise DeliveryFailed(
                "no Teams address on an allowed service host",
                permanent=True,
                maybe_delivered=unsettled,
            )
        sent: list[Delivered] = []
        activity = notice_activity(notice, await self._pictures(notice))

        async def post(context: TurnContext) -> None:
            context.activity.id = None  # a proactive turn has no message to reply to
            response = await context.send_activity(activity)
            sent.append(Delivered(str(response.id), str(context.activity.conversation.id)))

        if stored.get("conversation_id"):
            await self._call(
                self.adapter.continue_conversation(self.app_id, continuation(stored), post),
                unsettled=unsettled,
            )
        else:
            await self._call(
                self.adapter.create_conversation(
                    self.app_id,
                    stored.get("channel_id") or TEAMS_CHANNEL_ID,
                    stored["service_url"],
                    AuthenticationConstants.AGENTS_SDK_SCOPE,
                    personal_chat(stored),
                    post,
                ),
                unsettled=unsettled,
            )
        if not sent:
            raise DeliveryFailed("Teams accepted no message", maybe_delivered=unsettled)
        if stored.get("conversation_id") == sent[0].conversation:
            return sent[0]
        return dataclasses.replace(
            sent[0],
            follow_up=partial(self._keep_chat, recipient.person_id, stored, sent[0].conversation),
        )

    async def replace(self, target: Replacement, notice: Notice) -> None:
        """Update a delivered notice card in place."""
        stored = await self._reference_for(target.conversation)
        if stored is None:
            raise DeliveryFailed("no Teams reference for that conversation", permanent=True)

        activity = notice_activity(notice, await self._pictures(notice))

        async def update(context: TurnContext) -> None:
            activity.id = target.message_id
            await context.update_activity(activity)

        await self._call(
            self.adapter.continue_conversation(self.app_id, continuation(stored), update)
        )

    async def _pictures(self, notice: Notice) -> list[Picture]:
        """Thumbnails of the record's photos for a notice that has some: every Teams notice goes
        to a person's own chat, never a shared channel."""
        if not notice.photos or not notice.reference:
            return []
        return await surfaces.photos_of(self.hub, notice.reference, thumbnails=True)

    async def _call(self, call: Awaitable[None], *, unsettled: bool = False) -> None:
        """Run a connector call, turning its failures into DeliveryFailed for the outbox.

        A server error or a lost connection may come after Teams kept the message, as may an
        `unsettled` earlier send: those failures say the message may be delivered.
        """
        try:
            await call
        except ClientResponseError as error:
            retry_after = _retry_after(error) if error.status == 429 else None
            raise DeliveryFailed(
                f"Teams answered {error.status}",
                retry_after=retry_after,
                permanent=error.status in GONE,
                maybe_delivered=unsettled or error.status >= 500,
            ) from error
        except (ClientError, OSError) as error:  # OSError covers timeouts
            raise DeliveryFailed(f"Teams unreachable: {error}", maybe_delivered=True) from error

    async def _keep_chat(self, person_id: int, stored: Stored, conversation: str) -> None:
        """Remember a newly created 1:1 chat so later notices and replacements find it."""
        reference = {**stored, "conversation_id": conversation}
        await surfaces.save_address(self.hub, person_id, self.platform, reference)

    async def _reference_for(self, conversation: str) -> Stored | None:
        """The stored reference of the 1:1 chat `conversation` (a scan: replacements are rare)."""
        for stored in await surfaces.addresses_on(self.hub, self.platform):
            if stored.get("conversation_id") == conversation and self.hosts.allows(
                str(stored.get("service_url") or "")
            ):
                return stored
        return None


def _retry_after(error: ClientResponseError) -> float | None:
    try:
        return float(error.headers.get("Retry-After", "")) if error.headers else None
    except ValueError:
        return None
