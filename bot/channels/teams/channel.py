"""The Teams channel: `POST /api/messages` on the shared aiohttp app, and outbox delivery.

Built on the Microsoft 365 Agents SDK, Microsoft's successor to the Bot Framework SDK (botbuilder,
whose support ended on 31 December 2025). The endpoint authenticates first with the SDK's JWT
check (401 without a valid Bot Framework token when an identity is configured; the Slack route on
the same server is untouched), then refuses malformed activities (400, `inbound.check`) and
activities whose serviceUrl is not an allowed Teams host (403): nothing is stored and nothing is
called. Only then does the activity run through the SDK's adapter and the activity handler.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import urlsplit

from aiohttp import web
from microsoft_agents.activity import Activity
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import (
    AgentAuthConfiguration,
    AnonymousTokenProvider,
    ClaimsIdentity,
    ConnectionManager,
    JwtTokenValidator,
    RestChannelServiceClientFactory,
    TurnContext,
    UserTokenClient,
)
from microsoft_agents.hosting.core.authorization import Connections
from microsoft_agents.hosting.core.connector import ConnectorClientBase

from bot.channels.shapes import Verdict
from bot.channels.teams import cards, inbound
from bot.channels.teams.delivery import TeamsDeliverer
from bot.channels.teams.handler import SaferhubTeamsBot, send
from bot.channels.teams.settings import TeamsSettings
from bot.conversation.hub import Hub
from bot.core.ports import Deliverer

log = logging.getLogger(__name__)
ROUTE = "/api/messages"
SORRY = "Sorry, something went wrong on my side. Please try that again in a moment."


def connections(settings: TeamsSettings) -> Connections:
    """The SDK's connection manager: MSAL with the bot's identity, or no token at all in local
    development mode (the Agents Playground and the tests' Bot Connector fake need none)."""
    if not settings.authenticated:
        anonymous = AgentAuthConfiguration(anonymous_allowed=True)
        return ConnectionManager(
            provider_factory=lambda _: AnonymousTokenProvider(),
            connections_configurations={"SERVICE_CONNECTION": anonymous},
        )
    return MsalConnectionManager(
        CONNECTIONS={"SERVICE_CONNECTION": {"SETTINGS": settings.connection_settings()}}
    )


class AnonymousClients(RestChannelServiceClientFactory):
    """Local development mode: every client the SDK makes calls without a token, proactive ones
    included (the SDK would otherwise ask for a token for the bot's empty app id)."""

    async def create_connector_client(
        self,
        context: TurnContext | None,
        claims_identity: ClaimsIdentity,
        service_url: str,
        audience: str,
        scopes: list[str] | None = None,
        use_anonymous: bool = False,
    ) -> ConnectorClientBase:
        """The SDK's connector client, without a token."""
        return await super().create_connector_client(
            context, claims_identity, service_url, audience, scopes, use_anonymous=True
        )

    async def create_user_token_client(
        self, context: TurnContext, claims_identity: ClaimsIdentity, use_anonymous: bool = False
    ) -> UserTokenClient:
        """The SDK's user token client (unused by Saferhub), without a token."""
        return await super().create_user_token_client(context, claims_identity, use_anonymous=True)


def adapter(settings: TeamsSettings, manager: Connections) -> CloudAdapter:
    """The SDK's adapter for the bot's identity (anonymous clients in local development mode)."""
    if settings.authenticated:
        return CloudAdapter(connection_manager=manager)
    return CloudAdapter(channel_service_client_factory=AnonymousClients(manager))


class TeamsChannel:
    """Microsoft Teams through the Agents SDK's CloudAdapter."""

    platform = "teams"

    def __init__(self, hub: Hub, settings: TeamsSettings) -> None:
        self.settings = settings
        manager = connections(settings)
        self.validator = JwtTokenValidator(manager.get_default_connection_configuration())
        self.adapter = adapter(settings, manager)
        self.adapter.on_turn_error = self._on_turn_error
        self.bot = SaferhubTeamsBot(hub, self.adapter, settings)
        self._deliverer = TeamsDeliverer(self.adapter, settings, hub)

    @property
    def deliverer(self) -> Deliverer:
        """Outbox delivery to Teams users' 1:1 chats."""
        return self._deliverer

    def mount(self, app: web.Application) -> None:
        """Serve the Bot Framework messaging endpoint."""
        app.router.add_post(ROUTE, self.messages)

    async def start(self) -> None:
        """Nothing runs in the background: Teams calls the endpoint."""

    async def stop(self) -> None:
        """Nothing to close: connector clients live for one call."""

    async def messages(self, request: web.Request) -> web.Response:
        """Handle one activity from the Bot Connector (or the Agents Playground)."""
        identity = await self.authenticate(request.headers.get("Authorization", ""))
        if identity is None:
            return web.json_response({"error": "unauthorized"}, status=401)
        if "application/json" not in request.headers.get("Content-Type", ""):
            return web.json_response({"error": "expected application/json"}, status=415)
        try:
            body = json.loads(await request.read())
        except (ValueError, RecursionError):
            body = None
        checked = inbound.check(body)
        if checked.verdict is Verdict.REFUSE:
            log.warning("Refused a malformed activity: %s", checked.reason[:200])
            return web.json_response({"error": "malformed activity"}, status=400)
        if checked.verdict is Verdict.IGNORE:
            return web.Response(status=200)
        try:
            activity = Activity.model_validate(body)
        except Exception as error:  # ValidationError, or a bare Exception for a channel conflict
            log.warning("Refused an activity the SDK cannot read: %s", type(error).__name__)
            return web.json_response({"error": "malformed activity"}, status=400)
        if not self.settings.hosts.allows(activity.service_url):
            log.warning(
                "Refused an activity from serviceUrl %r: not a Teams service host nor listed in "
                "SAFERHUB_TEAMS_SERVICE_HOSTS",
                activity.service_url,
            )
            return web.json_response({"error": "serviceUrl not allowed"}, status=403)
        if not same_host(identity.get_claim_value("serviceurl"), activity.service_url):
            log.warning("Refused an activity whose serviceUrl is not the one its token names")
            return web.json_response({"error": "unauthorized"}, status=401)
        response = await self.adapter.process_activity(identity, activity, self.bot.on_turn)
        if response is None:
            return web.Response(status=200)
        return web.json_response(response.body, status=int(response.status or 200))

    async def authenticate(self, authorization: str) -> ClaimsIdentity | None:
        """The caller's identity from its Bot Framework token (checked by the SDK: signature,
        issuer's keys, audience, tenant), anonymous in local development mode; None to refuse."""
        if not self.settings.authenticated:
            return ClaimsIdentity()
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            log.info("Refused an activity without a bearer token")
            return None
        try:
            return await self.validator.validate_token(token.strip())
        except Exception as error:  # malformed, forged, expired, not for us, or what the SDK
            # does not expect of an untrusted token (a header without a key id raises KeyError)
            log.info("Refused an activity without a valid token: %s", type(error).__name__)
            return None

    async def _on_turn_error(self, context: TurnContext, error: Exception) -> None:
        log.error("Teams turn failed", exc_info=error)
        await send(context, [cards.say_card([SORRY])])


def same_host(claimed: object, service_url: str | None) -> bool:
    """Whether a token's `serviceurl` claim, when it has one, names the activity's host."""
    if not claimed:
        return True
    try:
        return urlsplit(str(claimed)).hostname == urlsplit(service_url or "").hostname
    except ValueError:
        return False
