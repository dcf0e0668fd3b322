"""`saferhub simulate`: a month of the recommendation chase in a few seconds, on a fixed clock.

The clock steps through each day (before, during and after office hours, Europe/London); at every
step the real sweeps run (nudges, escalations, the weekly digest) and the real outbox dispatcher
delivers what they queued to the terminal instead of Slack or Teams. Nobody answers, so the run
shows the whole cadence: update requests, date reminders, weekly overdue reminders, owners who
stop being nudged after three unanswered nudges, escalations to the coordinator and the chair.

It runs on a copy of the (SQLite) database: the notices waiting there for real people stay waiting,
and no item is marked as nudged.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.clock import FixedClock
from bot.config import Settings
from bot.conversation.hub import Hub
from bot.core.ports import Attempt, Delivered, Recipient, Replacement
from bot.core.unit import ServiceError
from bot.outbox.dispatcher import Dispatcher
from bot.recommendations import nudges, progress
from bot.recommendations.items import NUDGE_KIND
from dialogs.messages import Notice
from dialogs.plain import as_text

SAMPLE_START = date(2026, 11, 23)
STEPS = (time(7, 30), time(9, 0), time(11, 0), time(14, 0), time(16, 30), time(18, 0))


@dataclass
class TerminalDeliverer:
    """Delivers every notice by printing it, with who it is for and when."""

    clock: FixedClock
    settings: Settings
    write: Callable[[str], None]
    platform: str = "console"
    sent: Counter[str] = field(default_factory=Counter)

    def can_reach(self, recipient: Recipient) -> bool:
        """Everyone can be reached on the terminal."""
        return True

    async def send(self, recipient: Recipient, notice: Notice, attempt: Attempt) -> Delivered:
        """Print the notice under its recipient and the simulated time."""
        self.sent[notice.kind] += 1
        moment = self.clock.now().astimezone(self.settings.timezone)
        self.write(f"{moment:%a %d %b %H:%M}  to {recipient.email}\n{as_text(notice)}\n")
        return Delivered(f"sim-{sum(self.sent.values())}", recipient.email)

    async def replace(self, target: Replacement, notice: Notice) -> None:
        """Count an edit of an earlier message (nothing to print: it only drops buttons)."""
        self.sent["replaced"] += 1


@dataclass(frozen=True)
class SimulationSummary:
    """What a simulated period produced."""

    days: int
    nudges: int
    escalations: int
    digests: int


@contextmanager
def sqlite_copy(url: str) -> Iterator[str]:
    """The URL of a copy of the SQLite database at `url`, in a temporary folder removed afterwards."""
    parsed = make_url(url)
    source = Path(parsed.database or "")
    if parsed.get_backend_name() != "sqlite":
        raise ServiceError(
            "simulate runs on a copy of a SQLite database, so that nothing waiting for real people "
            "is touched; make a demo one: saferhub --database sqlite+aiosqlite:///./month.db demo"
        )
    if not source.is_file():
        raise ServiceError(f"There is no database at {source}: run 'saferhub demo' first.")
    with tempfile.TemporaryDirectory(prefix="saferhub-simulation-") as folder:
        target = Path(folder) / source.name
        with closing(sqlite3.connect(source)) as original, closing(sqlite3.connect(target)) as copy:
            original.backup(copy)
        yield parsed.set(database=str(target)).render_as_string(hide_password=False)


async def simulate(
    settings: Settings, days: int, start: date, write: Callable[[str], None] = print
) -> SimulationSummary:
    """Run the sweeps over `days` days from `start` on a copy of `settings.database_url`, printing
    deliveries; the database itself is left as it was.

    The items' schedules are first recomputed at the start moment, so a register imported at any
    real time is chased as if it had been imported on `start`.
    """
    with sqlite_copy(settings.database_url) as copy:
        write(f"On a copy of {make_url(settings.database_url).database}, which is left unchanged.")
        return await _simulate(replace(settings, database_url=copy), days, start, write)


async def _simulate(
    settings: Settings, days: int, start: date, write: Callable[[str], None]
) -> SimulationSummary:
    """The simulation itself, on whatever database `settings` names."""
    opening = datetime.combine(start, STEPS[0], tzinfo=settings.timezone)
    clock = FixedClock(opening.astimezone(UTC))
    hub = Hub.build(settings, clock)
    deliverer = TerminalDeliverer(clock, settings, write)
    dispatcher = Dispatcher(hub.database, clock, [deliverer], worker="simulation")
    escalations = 0
    try:
        await hub.migrate()
        await hub.run(nudges.replan_all)
        for offset in range(days):
            day = start + timedelta(days=offset)
            for step in STEPS:
                clock.current = datetime.combine(day, step, tzinfo=settings.timezone).astimezone(
                    UTC
                )
                report = await hub.run(nudges.sweep)
                escalations += report.escalations
                await hub.run(progress.send_digest)
                await dispatcher.drain()
    finally:
        await hub.close()
    summary = SimulationSummary(
        days=days,
        nudges=deliverer.sent[NUDGE_KIND],
        escalations=escalations,
        digests=deliverer.sent[progress.DIGEST_KIND],
    )
    write(
        f"Simulated {days} days from {start:%a %d %b %Y}: {summary.nudges} grouped nudges, "
        f"{summary.escalations} escalations, {summary.digests} digests delivered."
    )
    return summary
