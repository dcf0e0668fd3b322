"""The settings a scaled-out deployment (and its tests) tune: the outbox lease and the clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import ShiftedClock, SystemClock
from bot.config import ConfigError, Settings, clock_from_env
from bot.conversation.hub import Hub
from bot.server import build_dispatcher


def test_the_outbox_lease_is_two_minutes_unless_set() -> None:
    assert Settings.from_env({}).outbox_lease == timedelta(minutes=2)
    assert Settings.from_env({"SAFERHUB_OUTBOX_LEASE_SECONDS": "3"}).outbox_lease == timedelta(
        seconds=3
    )
    with pytest.raises(ConfigError, match="SAFERHUB_OUTBOX_LEASE_SECONDS"):
        Settings.from_env({"SAFERHUB_OUTBOX_LEASE_SECONDS": "soon"})


def test_the_served_dispatcher_claims_for_the_configured_lease(tmp_path) -> None:
    settings = Settings.from_env(
        {
            "SAFERHUB_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}",
            "SAFERHUB_OUTBOX_LEASE_SECONDS": "7",
        }
    )
    assert build_dispatcher(Hub.build(settings), []).lease == timedelta(seconds=7)


def test_the_clock_is_the_system_clock_unless_a_start_is_given() -> None:
    assert isinstance(clock_from_env({}), SystemClock)
    clock = clock_from_env({"SAFERHUB_CLOCK_START": "2026-11-23T09:00:00+00:00"})
    assert isinstance(clock, ShiftedClock)
    start = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert start <= clock.now() < start + timedelta(seconds=5)


@pytest.mark.parametrize("raw", ["next monday", "2026-11-23T09:00:00"])
def test_a_clock_start_must_be_a_moment_with_an_offset(raw: str) -> None:
    with pytest.raises(ConfigError, match="SAFERHUB_CLOCK_START"):
        clock_from_env({"SAFERHUB_CLOCK_START": raw})
