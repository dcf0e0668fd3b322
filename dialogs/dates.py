"""Reading the dates and times busy people type: "25/12/2026", "29 Feb", "end of january",
"next friday", "tomorrow 3pm", "2 hours ago".

Three layers, tried in order, each for a reason:

1. Hand-written words and formats (today, 2026-12-25, 3/4/2026, 5 Jan): fast, strict, and
   always UK day order, so 3/4/2026 is 3 April and 31/02/2027 is refused rather than guessed.
   Dates without a year get the year the question implies (the last one for "when did it
   happen", the next one for a deadline), so "29 Feb" can be told apart from a non-leap year.
2. Phrases no library reads as people mean them: "end of january" is its last day.
3. `dateparser` for everything else written in words ("next friday", "in two weeks", "last
   tuesday at 4pm"), in English only, from the engine's `now` (never the machine clock), with
   day-first order. Vague answers it would make precise ("may", "last week") are refused.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

EARLIEST_YEAR = 1900
YEARS_AHEAD = 100
MAX_PHRASE = 60  # longer text is not a date, and the library is slow on it

DATED_FORMATS = (
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%d/%m/%y",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%d %B %Y",
    "%d %b %Y",
    "%B %d %Y",
    "%b %d %Y",
)
YEARLESS_FORMATS = ("%d %B", "%d %b", "%B %d", "%b %d", "%d/%m")
RELATIVE_WORDS = {"today": 0, "yesterday": -1, "tomorrow": 1}
ORDINAL = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)\b")
TIME_PATTERN = re.compile(r"(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?$")
AGO_PATTERN = re.compile(r"^(\d{1,3})\s*(minute|min|hour|hr|day)s?\s+ago$")
END_OF = re.compile(r"^(?:the\s+)?end\s+(?:the\s+)?(\w+)(?:\s+month)?$")  # "of" is tidied away
MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name} | {
    name.lower(): i for i, name in enumerate(calendar.month_abbr) if name
}
NOW_WORDS = ("now", "just now", "right now")
AGO_UNITS = {"minute": "minutes", "min": "minutes", "hour": "hours", "hr": "hours", "day": "days"}
VAGUE_PERIODS = ("month", "year")


class Prefer(StrEnum):
    """Which way an answer without a year (or a bare weekday) leans, from the question."""

    PAST = "past"
    CURRENT = "current_period"
    FUTURE = "future"


@dataclass(frozen=True)
class DateRead:
    """A date read from text, or why it cannot be one ("" when the text is no date at all)."""

    day: date | None = None
    reason: str = ""


@dataclass(frozen=True)
class Moment:
    """A date with the time of day when the text gave one."""

    day: date
    at: time | None = None


def read_date(text: str, today: date, prefer: Prefer) -> DateRead:
    """The date `text` names, seen from `today`."""
    found = _read_by_hand(text, today, prefer)
    if found.day is not None or found.reason:
        return found
    moment = _read_phrase(text, datetime.combine(today, time(12, 0)), prefer)
    return DateRead(moment.day if moment else None)


def read_moment(text: str, now: datetime, prefer: Prefer) -> Moment | str | None:
    """The date and perhaps time `text` names, seen from `now` (local wall time); a reason
    when it names an impossible date, None when it is no date."""
    day_part, _, time_part = text.rpartition(" ")
    at = read_time(time_part) if day_part else None
    if at is not None:
        found = _read_by_hand(day_part, now.date(), prefer)
        if found.reason:
            return found.reason
        if found.day is not None:
            return Moment(found.day, at)
    found = _read_by_hand(text, now.date(), prefer)
    if found.reason:
        return found.reason
    if found.day is not None:
        return Moment(found.day)
    return _read_phrase(text, now.replace(tzinfo=None, microsecond=0), prefer)


def read_time(text: str) -> time | None:
    """A time of day: 14:30, 2pm, 2.30pm, 9."""
    found = TIME_PATTERN.match(text.strip().lower())
    if not found:
        return None
    hour, minute, half = int(found.group(1)), int(found.group(2) or 0), found.group(3)
    if half and not 1 <= hour <= 12:
        return None
    if half == "pm" and hour < 12:
        hour += 12
    if half == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def read_recent(text: str, now: datetime) -> datetime | None:
    """'now' or 'N minutes/hours/days ago', counted in real time (across a clock change too)."""
    word = text.lower()
    if word in NOW_WORDS:
        return now
    ago = AGO_PATTERN.match(word)
    if not ago or now.tzinfo is None:
        return None
    delta = timedelta(**{AGO_UNITS[ago.group(2)]: int(ago.group(1))})
    return (now.astimezone(UTC) - delta).astimezone(now.tzinfo)


def plausible(day: date, today: date) -> bool:
    """From 1900 to a century ahead: outside is a slip of the keyboard, and kept well away from
    year 9999, where the deadlines worked out from a date would overflow."""
    return EARLIEST_YEAR <= day.year <= today.year + YEARS_AHEAD


def local(day: date, at: time, now: datetime) -> datetime:
    """`day` at `at` in `now`'s time zone; a time the clocks skip (01:30 on the spring change)
    becomes the real time it stands for (02:30 BST)."""
    wall = datetime.combine(day, at, tzinfo=now.tzinfo)
    return wall.astimezone(UTC).astimezone(now.tzinfo) if now.tzinfo else wall


def _tidy(text: str) -> str:
    """Lower case, '5th of March, 2026' as '5 march 2026', single spaces."""
    words = ORDINAL.sub(r"\1", text.lower().replace(",", " "))
    return " ".join(w for w in words.split() if w != "of")


def _read_by_hand(text: str, today: date, prefer: Prefer) -> DateRead:
    word = _tidy(text)
    if word in RELATIVE_WORDS:
        return DateRead(today + timedelta(days=RELATIVE_WORDS[word]))
    for fmt in DATED_FORMATS:
        try:
            return DateRead(datetime.strptime(word, fmt).date())
        except ValueError:
            continue
    for fmt in YEARLESS_FORMATS:
        try:
            typed = datetime.strptime(f"{word} 2000", f"{fmt} %Y").date()  # 2000 has a 29 Feb
        except ValueError:
            continue
        year = _year_for(typed.month, typed.day, today, prefer)
        if not calendar.isleap(year) and (typed.month, typed.day) == (2, 29):
            return DateRead(
                reason=f"There is no 29 February in {year}; please give the date with its year."
            )
        return DateRead(typed.replace(year=year))
    end = END_OF.match(word)
    if end:
        return _end_of(end.group(1), today, prefer)
    return DateRead()


def _year_for(month: int, day: int, today: date, prefer: Prefer) -> int:
    """The year of a date typed without one: this year, or the nearest one the question allows."""
    if prefer is Prefer.PAST and (month, day) > (today.month, today.day):
        return today.year - 1
    if prefer is Prefer.FUTURE and (month, day) < (today.month, today.day):
        return today.year + 1
    return today.year


def _end_of(name: str, today: date, prefer: Prefer) -> DateRead:
    """The last day of a named month (this, next or last month too)."""
    shift = {"this": 0, "month": 0, "next": 1, "last": -1}
    if name in shift:
        month_index = today.year * 12 + today.month - 1 + shift[name]
        year, month = divmod(month_index, 12)
        month += 1
    elif name in MONTHS:
        month = MONTHS[name]
        last = calendar.monthrange(today.year, month)[1]
        year = _year_for(month, last, today, prefer)
    else:
        return DateRead()
    return DateRead(date(year, month, calendar.monthrange(year, month)[1]))


def _read_phrase(text: str, base: datetime, prefer: Prefer) -> Moment | None:
    """A date (and time, when one is given) in words, by `dateparser`, from `base`."""
    phrase = " ".join(text.lower().split())
    if not 3 <= len(phrase) <= MAX_PHRASE or not any(c.isalpha() for c in phrase):
        return None
    from dateparser.date import DateDataParser  # imported when first needed: it loads locales

    settings: dict[str, Any] = {
        "RELATIVE_BASE": base,
        "DATE_ORDER": "DMY",
        "PREFER_DATES_FROM": prefer.value,
        "PREFER_DAY_OF_MONTH": "first",
        "RETURN_TIME_AS_PERIOD": True,
        "RETURN_AS_TIMEZONE_AWARE": False,
        "PARSERS": ["relative-time", "absolute-time"],
    }
    try:
        found = DateDataParser(languages=["en"], settings=settings).get_date_data(phrase)
    except (ValueError, OverflowError, TypeError, KeyError, IndexError, AttributeError):
        return None  # the library's own failures on odd text: simply not a date
    when, period = found.date_obj, found.period
    if not isinstance(when, datetime) or period in VAGUE_PERIODS:
        return None
    if period == "week" and "ago" not in phrase and not phrase.startswith("in "):
        return None  # "last week" is a week, not a day
    if period in ("time", "part_of_day"):
        return Moment(when.date(), when.time().replace(second=0, microsecond=0))
    return Moment(when.date())
