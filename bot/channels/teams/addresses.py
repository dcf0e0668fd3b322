"""Teams conversation references as the directory stores them, and back into botbuilder objects.

A stored reference names the person's 1:1 chat with the bot when we know it; a reference seen only
in a team (the bot was installed there) has no chat yet, and one is created on first delivery.
Nothing is ever delivered to a team channel from a stored reference.
"""

from __future__ import annotations

from typing import Any

from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
)

from bot.channels.teams.inbound import tenant_of

TEAMS_CHANNEL_ID = "msteams"

Stored = dict[str, Any]


def stored_reference(activity: Activity, conversation_id: str | None) -> Stored:
    """What to keep to reach the sender later; `conversation_id` is their 1:1 chat, if known."""
    sender = activity.from_property or ChannelAccount()
    bot = activity.recipient or ChannelAccount()
    return {
        "service_url": activity.service_url,
        "channel_id": activity.channel_id or TEAMS_CHANNEL_ID,
        "tenant_id": tenant_of(activity),
        "user_id": sender.id,
        "aad_object_id": sender.aad_object_id,
        "bot_id": bot.id,
        "bot_name": bot.name,
        "conversation_id": conversation_id,
    }


def conversation_reference(stored: Stored) -> ConversationReference:
    """The botbuilder reference to continue the person's 1:1 chat."""
    return ConversationReference(
        channel_id=stored.get("channel_id") or TEAMS_CHANNEL_ID,
        service_url=stored.get("service_url"),
        conversation=ConversationAccount(
            id=stored.get("conversation_id"),
            conversation_type="personal",
            tenant_id=stored.get("tenant_id"),
        ),
        bot=ChannelAccount(id=stored.get("bot_id"), name=stored.get("bot_name")),
        user=ChannelAccount(id=stored.get("user_id"), aad_object_id=stored.get("aad_object_id")),
    )


def personal_chat(stored: Stored) -> ConversationParameters:
    """The request that creates (or, in Teams, finds) the person's 1:1 chat with the bot."""
    tenant = stored.get("tenant_id")
    return ConversationParameters(
        is_group=False,
        bot=ChannelAccount(id=stored.get("bot_id"), name=stored.get("bot_name")),
        members=[ChannelAccount(id=stored.get("user_id"))],
        tenant_id=tenant,
        channel_data={"tenant": {"id": tenant}} if tenant else None,
    )
