"""Email, through an SMTP server (aiosmtplib): notices for partners outside Slack and Teams, who
act on the web hub. The only package that imports aiosmtplib."""

from __future__ import annotations

from collections.abc import Mapping

from bot.channels.email.channel import EmailChannel
from bot.channels.email.settings import EmailSettings, wanted
from bot.conversation.hub import Hub

__all__ = ["build_channel", "wanted"]


def build_channel(hub: Hub, env: Mapping[str, str]) -> EmailChannel:
    """The email channel from the SMTP settings; ConfigError on a wrong one."""
    return EmailChannel(hub, EmailSettings.from_env(env))
