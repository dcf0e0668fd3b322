"""Fixed ticks on APScheduler: what is due lives in domain rows, so ticks only claim and advance.

Every replica may tick; the database decides who sends. A restart neither skips nor repeats.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping

from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)

Tick = Callable[[], Awaitable[object]]


def build_scheduler(ticks: Mapping[str, tuple[Tick, float]]) -> AsyncIOScheduler:
    """A scheduler running each named tick every so many seconds, never overlapping itself."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    for name, (tick, seconds) in ticks.items():
        scheduler.add_job(
            _logged(name, tick),
            "interval",
            seconds=seconds,
            id=name,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=int(seconds),
        )
    return scheduler


def _logged(name: str, tick: Tick) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        try:
            await tick()
        except Exception:
            log.exception("tick %s failed; it will run again at its next interval", name)

    return run
