"""Working days and office hours: weekends and England & Wales bank holidays are skipped."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays


@dataclass(frozen=True)
class WorkingCalendar:
    """Working-day arithmetic in one timezone, with the bank holidays of England and Wales."""

    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/London"))
    opens: time = time(9, 0)
    closes: time = time(17, 0)
    bank_holidays: holidays.HolidayBase = field(
        default_factory=lambda: holidays.country_holidays("GB", subdiv="ENG")
    )

    def is_working_day(self, day: date) -> bool:
        """Monday to Friday and not a bank holiday."""
        return day.weekday() < 5 and day not in self.bank_holidays

    def add_working_days(self, start: date, days: int) -> date:
        """The date `days` working days after `start` (before it, when negative)."""
        step = 1 if days >= 0 else -1
        remaining = abs(days)
        current = start
        while remaining:
            current += timedelta(days=step)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (negative when end is earlier)."""
        if end < start:
            return -self.working_days_between(end, start)
        return sum(
            1
            for offset in range(1, (end - start).days + 1)
            if self.is_working_day(start + timedelta(days=offset))
        )

    def local(self, moment: datetime) -> datetime:
        """`moment` in the calendar's timezone."""
        return moment.astimezone(self.timezone)

    def next_office_moment(self, moment: datetime) -> datetime:
        """`moment` if it is within office hours on a working day, else the next opening time."""
        local = self.local(moment)
        if self.is_working_day(local.date()) and self.opens <= local.time() < self.closes:
            return moment
        day = local.date()
        if not (self.is_working_day(day) and local.time() < self.opens):
            day = self.add_working_days(day, 1)
        return datetime.combine(day, self.opens, tzinfo=self.timezone)

    def add_working_hours(self, moment: datetime, hours: float) -> datetime:
        """`hours` of office time after `moment` (office time only counts 09:00-17:00 on working days)."""
        current = self.local(self.next_office_moment(moment))
        remaining = timedelta(hours=hours)
        while True:
            closing = datetime.combine(current.date(), self.closes, tzinfo=self.timezone)
            if current + remaining <= closing:
                return current + remaining
            remaining -= closing - current
            next_day = self.add_working_days(current.date(), 1)
            current = datetime.combine(next_day, self.opens, tzinfo=self.timezone)
