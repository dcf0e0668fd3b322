"""The composition root: one database, clock, calendar and turn loop for the whole process."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TypeVar

from bot.app import REGISTRY
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.conversation.turns import TurnLoop
from bot.core.calendar import WorkingCalendar
from bot.core.csv_import import ImportReport, import_file
from bot.core.module import Registry
from bot.core.retention import apply_schedule
from bot.core.seals import seal_once_a_day
from bot.core.unit import UnitOfWork
from bot.outbox.dispatcher import Dispatcher
from bot.scheduler import Tick
from storage.crypto import DEVELOPMENT_KEYRING
from storage.database import Database
from storage.migrate import upgrade

T = TypeVar("T")
SAMPLE = Path(__file__).parents[1] / "sample"
SAMPLE_FILES = (
    "partners.csv",
    "people.csv",
    "agreements.csv",
    "catalogue.csv",
    "recommendations.csv",
    "gazetteer.csv",
)


@dataclass
class Hub:
    """Everything a running Saferhub process shares."""

    settings: Settings
    database: Database
    clock: Clock
    calendar: WorkingCalendar
    registry: Registry
    turns: TurnLoop

    @classmethod
    def build(
        cls, settings: Settings, clock: Clock | None = None, registry: Registry = REGISTRY
    ) -> Hub:
        database = Database(
            settings.database_url,
            audit_key=settings.audit_key,
            keyring=settings.keyring or DEVELOPMENT_KEYRING,
        )
        clock = clock or SystemClock()
        calendar = WorkingCalendar(timezone=settings.timezone)
        turns = TurnLoop(database, settings, clock, registry, calendar)
        return cls(settings, database, clock, calendar, registry, turns)

    @asynccontextmanager
    async def unit(self) -> AsyncIterator[UnitOfWork]:
        """A unit of work in its own transaction, at the clock's current time."""
        async with self.database.transaction() as session:
            yield UnitOfWork(session, self.clock.now(), self.settings, self.calendar)

    async def run(self, sweep: Callable[[UnitOfWork], Awaitable[T]]) -> T:
        """Run one sweep in its own transaction: it claims due rows, writes outbox rows, advances them."""
        async with self.unit() as uow:
            return await sweep(uow)

    def ticks(self, dispatcher: Dispatcher, seconds: float) -> dict[str, tuple[Tick, float]]:
        """The scheduler's fixed ticks: what is due lives in domain rows; each tick claims it.

        The outbox drains every `seconds`; each domain's sweep runs every `every` of them.
        """
        ticks: dict[str, tuple[Tick, float]] = {"outbox": (dispatcher.drain, seconds)}
        for sweep in self.registry.sweeps:
            ticks[sweep.name] = (self._tick(sweep.run), seconds * sweep.every)
        ticks["retention"] = (self._tick(self.retention), seconds * 120)
        if self.settings.audit_seal_file:
            path = Path(self.settings.audit_seal_file)
            ticks["audit-seal"] = (self._tick(partial(seal_once_a_day, path=path)), seconds * 60)
        return ticks

    def _tick(self, sweep: Callable[[UnitOfWork], Awaitable[object]]) -> Tick:
        async def tick() -> object:
            return await self.run(sweep)

        return tick

    async def retention(self, uow: UnitOfWork, *, apply: bool = True) -> dict[str, int]:
        """Apply the retention schedule (or, not applying, count what is due), in `uow`."""
        return await apply_schedule(uow, self.registry.retention, apply=apply)

    async def migrate(self) -> None:
        await upgrade(self.database.engine)

    async def import_files(
        self, paths: list[Path], expected: str | None = None
    ) -> list[ImportReport]:
        """Import CSV files in order, each all-or-nothing in its own transaction."""
        reports = []
        for path in paths:
            async with self.unit() as uow:
                reports.append(await import_file(uow, path, self.registry.imports, expected))
        return reports

    async def load_sample(self) -> list[ImportReport]:
        """The fictional directory, partners, agreements, data catalogue, two workshops of recommendations and a
        gazetteer of the demo area's streets."""
        return await self.import_files([SAMPLE / name for name in SAMPLE_FILES])

    async def close(self) -> None:
        await self.database.dispose()


@asynccontextmanager
async def open_hub(settings: Settings, clock: Clock | None = None) -> AsyncIterator[Hub]:
    """Build a hub and dispose of its connections afterwards."""
    hub = Hub.build(settings, clock)
    try:
        yield hub
    finally:
        await hub.close()
