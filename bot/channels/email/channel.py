"""The email channel: outbound only. Partners outside Slack and Teams get notices by email and
act on the web hub, so it mounts no routes and runs nothing in the background."""

from __future__ import annotations

from aiohttp import web

from bot.channels.email.delivery import EmailDeliverer
from bot.channels.email.settings import EmailSettings
from bot.conversation.hub import Hub
from bot.core.ports import Deliverer
from dialogs.messages import Platform


class EmailChannel:
    """Email through an SMTP server."""

    platform = Platform.EMAIL.value

    def __init__(self, hub: Hub, settings: EmailSettings) -> None:
        self.settings = settings
        self._deliverer = EmailDeliverer(settings, hub)

    @property
    def deliverer(self) -> Deliverer:
        """Outbox delivery by email."""
        return self._deliverer

    def mount(self, app: web.Application) -> None:
        """Nothing to serve: replies to notices are made on the web hub."""

    async def start(self) -> None:
        """Nothing runs in the background: each email opens its own connection."""

    async def stop(self) -> None:
        """Nothing to close: connections last one email."""
