"""The Teams activity handler: each message, submit or install becomes one turn of the hub.

Replies go to the sender's 1:1 chat. An @mention in a team channel gets only a neutral pointer
in the channel; the conversation carries on privately (the 1:1 chat is created when needed).
Every turn and install keeps the sender's conversation reference for proactive notices.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from aiohttp import ClientError
from microsoft_agents.activity import InvokeResponse, TurnContextProtocol
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import (
    ActivityHandler,
    AuthenticationConstants,
    CardFactory,
    ConnectorClientBase,
    MessageFactory,
    TurnContext,
)
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient

from bot.channels.teams import cards, photos
from bot.channels.teams.addresses import (
    TEAMS_CHANNEL_ID,
    Stored,
    continuation,
    personal_chat,
    stored_reference,
)
from bot.channels.teams.inbound import (
    FormCardRequest,
    Received,
    address_of,
    event_id,
    is_personal,
    received,
    submitted,
    user_key,
)
from bot.channels.teams.photos import SentFiles
from bot.channels.teams.settings import TeamsSettings
from bot.conversation import surfaces
from bot.conversation.hub import Hub
from bot.conversation.surfaces import Caller
from dialogs.messages import FormInput, Inbound, OpenedInput, Platform

log = logging.getLogger(__name__)
ADAPTIVE_CARD_ACTION = "adaptiveCard/action"
MESSAGE_RESPONSE = "application/vnd.microsoft.activity.message"


async def send(context: TurnContext, content: Sequence[cards.Card]) -> list[str]:
    """Send cards in the context's conversation; the message ids Teams gave them."""
    if not content:
        return []
    activities = [MessageFactory.attachment(CardFactory.adaptive_card(c)) for c in content]
    responses = await context.send_activities(activities)
    return [r.id for r in responses if r is not None and r.id]


def concrete(context: TurnContextProtocol[Any]) -> TurnContext:
    """The SDK's TurnContext, which its adapter always passes (the handler's base class is typed
    with the protocol)."""
    if not isinstance(context, TurnContext):
        raise TypeError(f"expected the SDK's TurnContext, not {type(context).__name__}")
    return context


def _authorization(context: TurnContext) -> str | None:
    """The bot's bearer header the SDK's connector client calls with (None without a token,
    as in local development mode)."""
    connector = context.services.get(ConnectorClientBase)  # type: ignore[type-abstract]
    if not isinstance(connector, TeamsConnectorClient):
        return None
    return connector.client.headers.get("Authorization")


class SaferhubTeamsBot(ActivityHandler):
    """Translates Teams activities to neutral inputs and the turn loop's replies to cards."""

    def __init__(self, hub: Hub, adapter: CloudAdapter, settings: TeamsSettings) -> None:
        self.hub = hub
        self.adapter = adapter
        self.settings = settings

    async def on_message_activity(self, incoming: TurnContextProtocol[Any]) -> None:
        """A typed message or a card submission."""
        turn_context = concrete(incoming)
        got = received(turn_context.activity, self.hub.registry.forms)
        if got is None:
            if isinstance(turn_context.activity.value, dict):
                await send(turn_context, [cards.say_card([cards.NO_LONGER_AVAILABLE])])
            return
        if is_personal(turn_context.activity):
            await self._converse(turn_context, got, turn_context)
        else:
            await self._privately(turn_context, got)

    async def on_conversation_update_activity(self, incoming: TurnContextProtocol[Any]) -> None:
        """The bot was added: greet in a 1:1 chat (a turn), or post a neutral hello in a team."""
        turn_context = concrete(incoming)
        activity = turn_context.activity
        bot_id = activity.recipient.id if activity.recipient is not None else None
        if not any(member.id == bot_id for member in activity.members_added or []):
            return
        if is_personal(activity):
            await self._converse(turn_context, OpenedInput(), turn_context)
            return
        await self._remember(turn_context, None, None)

        async def greet() -> None:
            await send(turn_context, [cards.team_welcome_card()])

        await surfaces.once(self.hub, Platform.TEAMS, event_id(activity), greet)

    async def on_installation_update_add(self, incoming: TurnContextProtocol[Any]) -> None:
        """The app was installed: keep the installer's reference (the greeting comes with the
        conversationUpdate Teams sends alongside)."""
        turn_context = concrete(incoming)
        activity = turn_context.activity
        personal = activity.conversation.id if is_personal(activity) else None
        await self._remember(turn_context, None, personal)

    async def on_invoke_activity(self, incoming: TurnContextProtocol[Any]) -> InvokeResponse:
        """Universal Actions (Action.Execute) work like Action.Submit; other invokes get an
        empty 200 so that Teams shows no error."""
        turn_context = concrete(incoming)
        activity = turn_context.activity
        if activity.name != ADAPTIVE_CARD_ACTION:
            return InvokeResponse(status=200, body={})
        action = activity.value.get("action") if isinstance(activity.value, dict) else None
        data = action.get("data") if isinstance(action, dict) else None
        got = submitted(data, self.hub.registry.forms) if isinstance(data, dict) else None
        text = cards.NO_LONGER_AVAILABLE
        if got is not None:
            if is_personal(activity):
                await self._converse(turn_context, got, turn_context)
            else:
                await self._privately(turn_context, got)
            text = "Thanks."
        body = {"statusCode": 200, "type": MESSAGE_RESPONSE, "value": text}
        return InvokeResponse(status=200, body=body)

    async def _converse(self, incoming: TurnContext, got: Received, chat: TurnContext) -> bool:
        """Run one turn for the sender and answer in their 1:1 `chat`; False for a resend."""
        activity = incoming.activity
        conversation_id = chat.activity.conversation.id
        if isinstance(got, FormCardRequest):
            await send(chat, [cards.form_card(self.hub.registry.forms[got.form_id])])
            return True
        if isinstance(got, SentFiles):
            got = await photos.uploads(got, self.settings.hosts, _authorization(incoming))
        sender = activity.from_property
        inbound = Inbound(
            address_of(activity, conversation_id),
            event_id(activity),
            got,
            email=await self._email(incoming),
            display_name=sender.name if sender is not None else None,
        )
        result = await self.hub.turns.handle(inbound)
        if result.duplicate:
            return False
        if result.actor_id is not None:
            await self._remember(incoming, result.actor_id, conversation_id)
        if result.errors and isinstance(got, FormInput):
            values = {k: v for k, v in got.values.items() if isinstance(v, str)}
            await send(
                chat, [cards.form_card(self.hub.registry.forms[got.form_id], values, result.errors)]
            )
        else:
            try:
                await send(chat, cards.reply_cards(result.replies, self.hub.registry.forms))
            except (ClientError, OSError) as error:  # OSError covers timeouts
                log.error("could not send a reply (the answers are saved): %s", error)
                await self.hub.turns.keep_replies(inbound.address, inbound.event_id, result)
        return True

    async def _privately(self, incoming: TurnContext, got: Received) -> None:
        """Carry on in the sender's 1:1 chat; the channel gets only a pointer."""
        handled: list[bool] = []

        async def carry_on(chat: TurnContext) -> None:
            chat.activity.id = None  # a proactive turn has no message of the user's to reply to
            handled.append(await self._converse(incoming, got, chat))

        activity = incoming.activity
        known = await self._personal_reference(incoming)
        if known is not None:
            await self.adapter.continue_conversation(
                self.settings.client_id, continuation(known), carry_on
            )
        else:
            await self.adapter.create_conversation(
                self.settings.client_id,
                str(activity.channel_id or TEAMS_CHANNEL_ID),
                str(activity.service_url),
                AuthenticationConstants.AGENTS_SDK_SCOPE,
                personal_chat(stored_reference(activity, None)),
                carry_on,
            )
        if any(handled):
            await send(incoming, [cards.pointer_card()])

    async def _personal_reference(self, context: TurnContext) -> Stored | None:
        """The sender's stored 1:1 chat with the bot on this service host, if there is one."""
        activity = context.activity
        # None while the database is unreachable: Teams finds the 1:1 chat when asked to create it
        stored = await surfaces.known_address(
            self.hub, Platform.TEAMS, user_key(activity.from_property)
        )
        if (
            stored
            and stored.get("conversation_id")
            and stored.get("service_url") == activity.service_url
        ):
            return stored
        return None

    async def _email(self, context: TurnContext) -> str | None:
        """The sender's email from the Teams roster, needed until they are linked by email (a
        roster lookup that failed before is tried again)."""
        sender = context.activity.from_property
        if sender is None or not sender.id:
            return None
        if await surfaces.knows_email(self.hub, Platform.TEAMS, user_key(sender)):
            return None
        connector = context.services.get(ConnectorClientBase)  # type: ignore[type-abstract]
        conversation = context.activity.conversation
        if not isinstance(connector, TeamsConnectorClient) or conversation is None:
            return None
        try:
            member = await connector.get_conversation_member(conversation.id, sender.id)
        except (ClientError, OSError, ValueError) as error:  # OSError covers timeouts
            log.info("Teams roster lookup failed (%s); linking by AAD id only", error)
            return None
        email = member.email or member.user_principal_name
        return str(email) if email and "@" in str(email) else None

    async def _remember(
        self, context: TurnContext, person_id: int | None, conversation_id: str | None
    ) -> None:
        """Keep the sender's conversation reference; a team-only one never replaces a 1:1 chat."""
        activity = context.activity
        if activity.from_property is None or not self.settings.hosts.allows(activity.service_url):
            return
        reference = stored_reference(activity, conversation_id)
        who: Caller | int
        if person_id is None:
            address = address_of(activity, activity.conversation.id)
            who = Caller(address, await self._email(context), activity.from_property.name)
        else:
            who = person_id
        await surfaces.remember_address(
            self.hub, Platform.TEAMS, reference, who, replace=conversation_id is not None
        )
