"""Print the moments (UTC) at which CI runs the date-sensitive tests again under faketime.

Each is the next such date after today, so CI always tries the future the code will meet, and each
time is chosen so that something changes while the tests run: UK clocks go forward and back at
01:00 UTC on the last Sundays of March and October, offices open at 09:00 in London, and the
Christmas break starts on the evening of the 24th.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date, timedelta


def hard_moments(today: date) -> list[str]:
    """`YYYY-MM-DD hh:mm:ss` for each hard date after `today`."""
    years = range(today.year, today.year + 9)

    def upcoming(days: Iterable[date]) -> date:
        return next(day for day in days if day > today)

    def last_sunday(year: int, month: int) -> date:
        end = date(year, month, calendar.monthrange(year, month)[1])
        return end - timedelta(days=(end.weekday() + 1) % 7)

    saturday = today + timedelta(days=(5 - today.weekday()) % 7 or 7)
    return [
        f"{saturday} 10:00:00",
        f"{upcoming(last_sunday(year, 3) for year in years)} 00:58:30",
        f"{upcoming(last_sunday(year, 10) for year in years)} 00:58:30",
        f"{upcoming(date(year, 2, 29) for year in years if calendar.isleap(year))} 08:58:30",
        f"{upcoming(date(year, 12, 24) for year in years)} 16:58:30",
        f"{today + timedelta(days=365)} 10:00:00",
    ]


if __name__ == "__main__":
    print("\n".join(hard_moments(date.today())))
