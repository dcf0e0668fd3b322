"""`serve` seals the audit chain to a file once a day when SAFERHUB_AUDIT_SEAL_FILE is set."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.clock import FixedClock
from bot.config import Settings
from bot.conversation.hub import Hub
from bot.core.seals import read_seals
from bot.outbox.dispatcher import Dispatcher

SUNDAY_LATE = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)


async def test_the_daily_seal_is_written_once_a_day(tmp_path):
    seals = tmp_path / "seals.txt"
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}",
        audit_key=b"k" * 32,
        audit_seal_file=str(seals),
    )
    clock = FixedClock(SUNDAY_LATE)
    hub = Hub.build(settings, clock)
    await hub.migrate()
    await hub.load_sample()
    tick, every = hub.ticks(Dispatcher(hub.database, clock, [], worker="test"), 30)["audit-seal"]
    await tick()
    await tick()
    clock.advance(hours=1)  # past midnight in London: a new day
    await tick()
    await hub.close()
    written = read_seals(seals)
    assert every == 30 * 60
    assert [s.at for s in written] == [SUNDAY_LATE, datetime(2026, 11, 30, 0, 30, tzinfo=UTC)]
    assert written[0].rows == written[1].rows > 0


def test_without_a_seal_file_there_is_no_seal_tick(tmp_path):
    hub = Hub.build(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}"))
    assert "audit-seal" not in hub.ticks(Dispatcher(hub.database, hub.clock, [], worker="test"), 30)
