"""What a chat platform plugs into the hub: HTTP routes, optional background work, a deliverer."""

from __future__ import annotations

from typing import Protocol

from aiohttp import web

from bot.core.ports import Deliverer


class Channel(Protocol):
    """A platform adapter (Slack, Teams). Only its own folder imports the platform's SDK."""

    platform: str

    @property
    def deliverer(self) -> Deliverer | None:
        """How the outbox reaches people on this platform, if it can."""
        ...

    def mount(self, app: web.Application) -> None:
        """Add this channel's HTTP routes to the shared aiohttp application."""
        ...

    async def start(self) -> None:
        """Start background connections (Socket Mode); most channels do nothing."""
        ...

    async def stop(self) -> None:
        """Close background connections and HTTP clients."""
        ...
