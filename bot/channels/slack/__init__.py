"""Saferhub in Slack (the only package that imports slack_bolt and slack_sdk)."""

from __future__ import annotations

from collections.abc import Mapping

from bot.channels.slack.channel import SlackChannel
from bot.channels.slack.settings import SlackSettings
from bot.conversation.hub import Hub

__all__ = ["SlackChannel", "SlackSettings", "build_channel"]


def build_channel(hub: Hub, env: Mapping[str, str]) -> SlackChannel:
    """The Slack channel configured from SLACK_* variables (ConfigError says what is missing)."""
    return SlackChannel(hub, SlackSettings.from_env(env))
