"""Teams conversation references as the directory stores them, and back into the SDK's models.

A stored reference names the person's 1:1 chat with the bot when we know it; a reference seen only
in a team (the bot was installed there) has no chat yet, and one is created on first delivery.
Nothing is ever delivered to a team channel from a stored reference.
"""

from __future__ import annotations

from typing import Any

from microsoft_agents.activity import Activity, ConversationParameters, ConversationReference

from bot.channels.teams.inbound import tenant_of

TEAMS_CHANNEL_ID = "msteams"

Stored = dict[str, Any]


def stored_reference(activity: Activity, conversation_id: str | None) -> Stored:
    """What to keep to reach the sender later; `conversation_id` is their 1:1 chat, if known."""
    sender, bot = activity.from_property, activity.recipient
    return {
        "service_url": activity.service_url,
        "channel_id": str(activity.channel_id or TEAMS_CHANNEL_ID),
        "tenant_id": tenant_of(activity),
        "user_id": sender.id if sender else None,
        "aad_object_id": sender.aad_object_id if sender else None,
        "bot_id": bot.id if bot else None,
        "bot_name": bot.name if bot else None,
        "conversation_id": conversation_id,
    }


def continuation(stored: Stored) -> Activity:
    """The SDK's activity that continues the person's 1:1 chat (a proactive turn)."""
    reference = ConversationReference.model_validate(
        _present(
            {
                "channelId": stored.get("channel_id") or TEAMS_CHANNEL_ID,
                "serviceUrl": stored.get("service_url"),
                "conversation": _present(
                    {
                        "id": stored.get("conversation_id"),
                        "conversationType": "personal",
                        "tenantId": stored.get("tenant_id"),
                    }
                ),
                "bot": _present({"id": stored.get("bot_id"), "name": stored.get("bot_name")}),
                "user": _present(
                    {"id": stored.get("user_id"), "aadObjectId": stored.get("aad_object_id")}
                ),
            }
        )
    )
    activity: Activity = reference.get_continuation_activity()
    return activity


def personal_chat(stored: Stored) -> ConversationParameters:
    """The request that creates (or, in Teams, finds) the person's 1:1 chat with the bot."""
    tenant = stored.get("tenant_id")
    return ConversationParameters.model_validate(
        _present(
            {
                "isGroup": False,
                "bot": _present({"id": stored.get("bot_id"), "name": stored.get("bot_name")}),
                "members": [_present({"id": stored.get("user_id")})],
                "tenantId": tenant,
                "channelData": {"tenant": {"id": tenant}} if tenant else None,
            }
        )
    )


def _present(fields: dict[str, Any]) -> dict[str, Any]:
    """The fields that have a value (the SDK's models refuse empty strings and a None name)."""
    return {key: value for key, value in fields.items() if value or value is False}
