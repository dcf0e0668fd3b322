"""The Teams channel: `POST /api/messages` on the shared aiohttp app, and outbox delivery.

The endpoint authenticates first (401 without a valid token when credentials are configured),
then refuses malformed activities (400, `inbound.check`) and activities whose serviceUrl is not an
allowed Teams host (403): nothing is stored and nothing is called. Only then does the activity run
through botbuilder. botbuilder 4.17's
`CloudAdapter.process()` answers 500 to invokes with a body, so the invoke response is returned
here as JSON.
"""

from __future__ import annotations

import json
import logging

from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import Activity
from msrest.exceptions import ClientException

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


class TeamsChannel:
    """Microsoft Teams through botbuilder's CloudAdapter."""

    platform = "teams"

    def __init__(self, hub: Hub, settings: TeamsSettings) -> None:
        self.settings = settings
        self.auth = ConfigurationBotFrameworkAuthentication(settings.botbuilder_configuration())
        self.adapter = CloudAdapter(self.auth)
        self.adapter.on_turn_error = self._on_turn_error
        self.bot = SaferhubTeamsBot(hub, self.adapter, settings)
        self._deliverer = TeamsDeliverer(self.adapter, settings.app_id, settings.hosts, hub)

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
        if "application/json" not in request.headers.get("Content-Type", ""):
            return web.json_response({"error": "expected application/json"}, status=415)
        try:
            body = json.loads(await request.read())
            activity = Activity().deserialize(body) if isinstance(body, dict) else None
        except (ValueError, RecursionError, ClientException):
            activity = None
        if activity is None or not activity.type:
            return web.json_response({"error": "not a Bot Framework activity"}, status=400)
        try:
            authenticated = await self.auth.authenticate_request(
                activity, request.headers.get("Authorization", "")
            )
        except Exception as error:  # every way a token can fail (missing, malformed, forged)
            log.info("Refused an activity without a valid token: %s", type(error).__name__)
            return web.json_response({"error": "unauthorized"}, status=401)
        checked = inbound.check(body)
        if checked.verdict is Verdict.REFUSE:
            log.warning("Refused a malformed activity: %s", checked.reason[:200])
            return web.json_response({"error": "malformed activity"}, status=400)
        if checked.verdict is Verdict.IGNORE:
            return web.Response(status=200)
        if not self.settings.hosts.allows(activity.service_url):
            log.warning(
                "Refused an activity from serviceUrl %r: not a Teams service host nor listed in "
                "SAFERHUB_TEAMS_SERVICE_HOSTS",
                activity.service_url,
            )
            return web.json_response({"error": "serviceUrl not allowed"}, status=403)
        response = await self.adapter.process_activity(authenticated, activity, self.bot.on_turn)
        if response is None:
            return web.Response(status=200)
        return web.json_response(response.body, status=int(response.status))

    async def _on_turn_error(self, context: TurnContext, error: Exception) -> None:
        log.error("Teams turn failed", exc_info=error)
        await send(context, [cards.say_card([SORRY])])
