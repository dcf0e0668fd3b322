"""`saferhub serve` turns email on when an SMTP host is set, and refuses a wrong setting."""

from __future__ import annotations

import pytest

from bot.channels.base import Channel
from bot.config import ConfigError
from bot.conversation.hub import Hub
from bot.server import NO_CHANNEL, configured_channels
from tests.fakes.smtp import FakeSmtp


def test_an_smtp_host_turns_the_email_channel_on(hub: Hub, smtp: FakeSmtp) -> None:
    channels: list[Channel] = configured_channels(hub, smtp.env(), "127.0.0.1")
    assert [c.platform for c in channels] == ["email"]
    deliverer = channels[0].deliverer
    assert deliverer is not None and deliverer.platform == "email"


def test_no_smtp_host_means_no_email_and_the_help_says_how(hub: Hub) -> None:
    assert configured_channels(hub, {}, "127.0.0.1") == []
    assert "SAFERHUB_SMTP_HOST" in NO_CHANNEL


def test_a_wrong_smtp_setting_stops_serve_with_a_plain_reason(hub: Hub) -> None:
    with pytest.raises(ConfigError, match="SAFERHUB_SMTP_FROM"):
        configured_channels(hub, {"SAFERHUB_SMTP_HOST": "smtp.example"}, "127.0.0.1")
