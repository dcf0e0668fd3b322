"""Settings from the environment: defaults, and a plain reason for each bad value."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, Settings


def test_defaults_for_a_fresh_install():
    settings = Settings.from_env({})
    assert settings.database_url == "sqlite+aiosqlite:///./saferhub.db"
    assert str(settings.timezone) == "Europe/London"
    assert settings.alerts_channel == ""


@pytest.mark.parametrize(
    ("env", "reason"),
    [
        ({"SAFERHUB_TIMEZONE": "Mars/Olympus"}, "SAFERHUB_TIMEZONE is not a known timezone"),
        ({"SAFERHUB_REPEAT_DAYS": "a month"}, "SAFERHUB_REPEAT_DAYS must be a number"),
        ({"SAFERHUB_CLUSTER_SIZE": "0"}, "SAFERHUB_CLUSTER_SIZE must be greater than zero"),
        (
            {"SAFERHUB_ALERTS_CHANNEL": "#prevent-alerts"},
            "SAFERHUB_ALERTS_CHANNEL must look like slack:C0123456789",
        ),
    ],
)
def test_bad_values_are_named(env, reason):
    with pytest.raises(ConfigError, match=reason):
        Settings.from_env(env)


def test_an_alerts_channel():
    assert (
        Settings.from_env({"SAFERHUB_ALERTS_CHANNEL": "slack:C0PREVENT"}).alerts_channel
        == "slack:C0PREVENT"
    )
