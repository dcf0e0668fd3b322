"""Where the time comes from: the system clock in production, a settable one in tests and demos."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Anything that says what time it is, in UTC."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real time."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FixedClock:
    """A clock that stands still until told to move: for tests and simulated months."""

    current: datetime = field(default_factory=lambda: datetime(2026, 11, 23, 9, 0, tzinfo=UTC))

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        """Move forward by a timedelta's keyword arguments (hours=2, days=1...)."""
        self.current += timedelta(**delta)
        return self.current


@dataclass
class ShiftedClock:
    """The real time, moved so that it reads `start` when the process starts.

    Time still passes at the normal rate (so leases expire and ticks come round), but sweeps
    see the working day and office hours of `start`: for demos and for tests of a running
    server that must behave the same whatever the wall clock says (SAFERHUB_CLOCK_START).
    """

    start: datetime
    origin: float = field(default_factory=time.monotonic)

    def now(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self.origin)
