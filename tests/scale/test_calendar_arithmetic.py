"""Working-day arithmetic done by counting weeks agrees with counting day by day."""

from __future__ import annotations

import random
from datetime import date, timedelta

from bot.core.calendar import WorkingCalendar


def counted_day_by_day(calendar: WorkingCalendar, start: date, end: date) -> int:
    if end < start:
        return -counted_day_by_day(calendar, end, start)
    return sum(
        1
        for offset in range(1, (end - start).days + 1)
        if (start + timedelta(days=offset)).weekday() < 5
        and start + timedelta(days=offset) not in calendar.bank_holidays
    )


def test_working_days_between_matches_a_day_by_day_count() -> None:
    calendar = WorkingCalendar()
    draw = random.Random(20261123)
    for _ in range(2000):
        start = date(2024, 1, 1) + timedelta(days=draw.randrange(0, 1500))
        end = start + timedelta(days=draw.randrange(-400, 400))
        assert calendar.working_days_between(start, end) == counted_day_by_day(
            calendar, start, end
        ), (start, end)


def test_bank_holidays_are_not_working_days() -> None:
    calendar = WorkingCalendar()
    assert not calendar.is_working_day(date(2026, 12, 25))  # Christmas, a Friday
    assert not calendar.is_working_day(date(2026, 12, 28))  # Boxing Day substitute, a Monday
    assert calendar.is_working_day(date(2026, 12, 29))
    assert calendar.add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 29)


def walked_day_by_day(calendar: WorkingCalendar, start: date, days: int) -> date:
    step = timedelta(days=1 if days >= 0 else -1)
    current, remaining = start, abs(days)
    while remaining:
        current += step
        if current.weekday() < 5 and current not in calendar.bank_holidays:
            remaining -= 1
    return current


def test_adding_working_days_matches_walking_day_by_day() -> None:
    calendar = WorkingCalendar()
    draw = random.Random(1123)
    for _ in range(3000):
        start = date(2024, 1, 1) + timedelta(days=draw.randrange(0, 1500))
        days = draw.randrange(-70, 70)
        assert calendar.add_working_days(start, days) == walked_day_by_day(calendar, start, days), (
            start,
            days,
        )
