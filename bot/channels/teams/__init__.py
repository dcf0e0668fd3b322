"""Microsoft Teams, through the Microsoft 365 Agents SDK: the only package that imports it."""

from __future__ import annotations

from collections.abc import Mapping

from bot.channels.teams.channel import TeamsChannel
from bot.channels.teams.settings import TeamsSettings, wanted
from bot.conversation.hub import Hub

__all__ = ["build_channel", "wanted"]


def build_channel(hub: Hub, env: Mapping[str, str], host: str) -> TeamsChannel:
    """The Teams channel from the bot's identity settings; ConfigError when it must not run.

    Without a client id it serves only with SAFERHUB_DEV=1 on a loopback `host`.
    """
    return TeamsChannel(hub, TeamsSettings.from_env(env, host))
