"""Information requests on the web: the queues of data owners, authorisers and reviewers, the register, the board pack, agreements."""

from __future__ import annotations

from aiohttp import web

from bot.web.navigation import NavLink

NAV: tuple[NavLink, ...] = ()
"""The header's links to these pages, each for the roles that may see it."""


def add_routes(site: web.Application) -> None:
    """Add these pages to the /hub application."""
