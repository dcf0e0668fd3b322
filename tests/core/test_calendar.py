"""Working days and office hours across weekends and England & Wales bank holidays."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.core.calendar import WorkingCalendar

LONDON = ZoneInfo("Europe/London")
CAL = WorkingCalendar()


def test_weekends_and_bank_holidays_are_not_working_days():
    assert CAL.is_working_day(date(2026, 11, 23))
    assert not CAL.is_working_day(date(2026, 11, 21))  # Saturday
    assert not CAL.is_working_day(date(2026, 12, 25))  # Christmas Day
    assert not CAL.is_working_day(date(2026, 12, 28))  # Boxing Day substitute (26th is a Saturday)
    assert not CAL.is_working_day(date(2027, 3, 29))  # Easter Monday 2027


def test_adding_working_days_skips_christmas():
    # Thursday 24 Dec 2026 + 1 working day: 25 (holiday), 26-27 (weekend), 28 (substitute) -> 29th.
    assert CAL.add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 29)
    # 21-24 Dec, 29-31 Dec, 4-6 Jan: New Year's Day 2027 is a Friday and skipped too.
    assert CAL.add_working_days(date(2026, 12, 18), 10) == date(2027, 1, 6)
    assert CAL.add_working_days(date(2026, 12, 29), -1) == date(2026, 12, 24)


def test_working_days_between():
    assert CAL.working_days_between(date(2026, 12, 24), date(2026, 12, 29)) == 1
    assert CAL.working_days_between(date(2026, 12, 29), date(2026, 12, 24)) == -1


def test_next_office_moment():
    friday_evening = datetime(2026, 11, 27, 18, 0, tzinfo=LONDON)
    assert CAL.next_office_moment(friday_evening) == datetime(2026, 11, 30, 9, 0, tzinfo=LONDON)
    early = datetime(2026, 11, 24, 7, 0, tzinfo=LONDON)
    assert CAL.next_office_moment(early) == datetime(2026, 11, 24, 9, 0, tzinfo=LONDON)
    inside = datetime(2026, 11, 24, 11, 0, tzinfo=LONDON)
    assert CAL.next_office_moment(inside) == inside


def test_working_hours_roll_over_evenings_and_holidays():
    late = datetime(2026, 12, 24, 16, 30, tzinfo=LONDON)
    assert CAL.add_working_hours(late, 1) == datetime(2026, 12, 29, 9, 30, tzinfo=LONDON)
