"""Working days and office hours: weekends and England & Wales bank holidays are skipped."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

import holidays

DAY = timedelta(days=1)
MEMO_SIZE = 100_000
K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True)
class WorkingCalendar:
    """Working-day arithmetic in one timezone, with the bank holidays of England and Wales.

    A nudge sweep asks the same few questions (5 working days before this due date, working days
    from today to that one) for thousands of items, so each year's bank holidays are looked up
    once (the `holidays` lookup is slow) and answers are kept, up to MEMO_SIZE of each kind.
    """

    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/London"))
    opens: time = time(9, 0)
    closes: time = time(17, 0)
    bank_holidays: holidays.HolidayBase = field(
        default_factory=lambda: holidays.country_holidays("GB", subdiv="ENG")
    )
    _years: dict[int, frozenset[date]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _added: dict[tuple[date, int], date] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _between: dict[tuple[date, date], int] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def holidays_in(self, year: int) -> frozenset[date]:
        """The bank holidays of `year` that fall on weekdays."""
        found = self._years.get(year)
        if found is None:
            _ = date(year, 1, 1) in self.bank_holidays  # fills in that year
            found = frozenset(d for d in self.bank_holidays if d.year == year and d.weekday() < 5)
            self._years[year] = found
        return found

    def is_working_day(self, day: date) -> bool:
        """Monday to Friday and not a bank holiday."""
        return day.weekday() < 5 and day not in self.holidays_in(day.year)

    def add_working_days(self, start: date, days: int) -> date:
        """The date `days` working days after `start` (before it, when negative).

        Whole weeks are jumped at once (five weekdays each, less their bank holidays) and the
        rest walked day by day, with the same result as walking every day.
        """
        found = self._added.get((start, days))
        if found is None:
            found = _kept(self._added, (start, days), self._add_working_days(start, days))
        return found

    def _add_working_days(self, start: date, days: int) -> date:
        step = 1 if days >= 0 else -1
        one = timedelta(days=step)
        remaining = abs(days)
        current = start
        while remaining >= 5:
            jumped = current + timedelta(weeks=step * (remaining // 5))
            if step > 0:
                passed = self.working_days_between(current, jumped)
            else:  # walking back from `current` counts `jumped` itself but not `current`
                passed = self.working_days_between(jumped - DAY, current - DAY)
            current, remaining = jumped, remaining - passed
            if remaining == 0:  # landed past the last working day counted: step back to it
                while not self.is_working_day(current):
                    current -= one
                return current
        while remaining:
            current += one
            if self.is_working_day(current):
                remaining -= 1
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (negative when end is earlier)."""
        if end < start:
            return -self.working_days_between(end, start)
        found = self._between.get((start, end))
        if found is None:
            holidays = sum(
                1
                for year in range(start.year, end.year + 1)
                for day in self.holidays_in(year)
                if start < day <= end
            )
            counted = _weekdays_up_to(end) - _weekdays_up_to(start) - holidays
            found = _kept(self._between, (start, end), counted)
        return found

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


def _weekdays_up_to(day: date) -> int:
    """How many Mondays to Fridays there are from 1 January of year 1 (a Monday) to `day`."""
    weeks, rest = divmod(day.toordinal(), 7)
    return 5 * weeks + min(rest, 5)


def _kept(memo: dict[K, V], key: K, value: V) -> V:
    """Remember `value` under `key`, forgetting everything once MEMO_SIZE answers are kept."""
    if len(memo) >= MEMO_SIZE:
        memo.clear()
    memo[key] = value
    return value
