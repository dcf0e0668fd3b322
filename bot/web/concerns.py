"""The Prevent / Community Safety manager's pages: the concerns queue, the map, hotspots, tension areas, the export."""

from __future__ import annotations

from aiohttp import web

from bot.web.navigation import NavLink

NAV: tuple[NavLink, ...] = ()
"""The header's links to these pages, each for the roles that may see it."""


def add_routes(site: web.Application) -> None:
    """Add these pages to the /hub application."""
