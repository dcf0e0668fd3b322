"""Microsoft Teams: the only package that imports botbuilder (a port to the Microsoft 365
Agents SDK stays inside this folder)."""

from __future__ import annotations

from collections.abc import Mapping

from bot.channels.teams.channel import TeamsChannel
from bot.channels.teams.settings import TeamsSettings
from bot.conversation.hub import Hub


def build_channel(hub: Hub, env: Mapping[str, str], host: str) -> TeamsChannel:
    """The Teams channel from MICROSOFT_APP_* settings; ConfigError when it must not run.

    Without an app id it serves only with SAFERHUB_DEV=1 on a loopback `host`.
    """
    return TeamsChannel(hub, TeamsSettings.from_env(env, host))
