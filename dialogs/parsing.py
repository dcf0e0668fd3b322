"""Parsers and validators per field kind: raw user input in, a JSON answer or a one-line reason out.

Chat answers and whole-form submissions go through these same functions, so a Slack modal and a
step-by-step chat accept and refuse exactly the same things.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from dialogs.cleaning import scrub
from dialogs.form import Field, FieldKind
from dialogs.messages import FileRef, JsonValue, Option

MAX_RAW_LENGTH = 5000
MAX_FILE_BYTES = 10 * 1024 * 1024

POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})\b")
OUTWARD_CODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")
COORDINATES = re.compile(r"^\s*(-?\d{1,2}\.\d+)\s*,\s*(-?\d{1,3}\.\d+)\s*$")

YES_WORDS = {"yes", "y", "yeah", "yep", "yup", "true", "correct", "aye"}
NO_WORDS = {"no", "n", "nope", "false", "nah", "none"}
UNSURE_WORDS = {"unsure", "not sure", "don't know", "dont know", "dunno", "maybe", "unknown"}
EARLIEST_YEAR = 1900
YEARS_AHEAD = 100
FAR_DATE = "That date is too far from today; please check the year."
READ_AS_DIGITS = frozenset({FieldKind.DATE, FieldKind.DATETIME, FieldKind.NUMBER})

DATE_FORMATS = (
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%d/%m/%y",
    "%d-%m-%Y",
    "%d %B %Y",
    "%d %b %Y",
    "%d %B",
    "%d %b",
)
TIME_PATTERN = re.compile(r"(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$")
AGO_PATTERN = re.compile(r"^(\d{1,3})\s*(minute|min|hour|hr|day)s?\s+ago$")


@dataclass(frozen=True)
class Parsed:
    """The outcome of parsing one answer: a value, or an error to show the user."""

    value: JsonValue = None
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


def clean_text(raw: str) -> str:
    """`raw` scrubbed of harmful characters (whatever its length) and trimmed of white space."""
    return scrub(raw, len(raw)).strip()


def ascii_digits(text: str) -> str:
    """Decimal digits of every script (Arabic-Indic, full-width, Devanagari...) as 0-9.

    Superscripts, fractions and circled numbers are not decimal digits: they stay as typed, so
    a number, a date or an option number written with them is refused with the usual reason.
    """
    if text.isascii():
        return text
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)


def parse_answer(
    spec: Field,
    raw: str | list[str] | tuple[FileRef, ...],
    options: tuple[Option, ...],
    now: datetime,
) -> Parsed:
    """Parse `raw` as an answer to `spec`; `now` is timezone-aware local time."""
    if spec.kind is FieldKind.ATTACHMENT:
        if isinstance(raw, tuple):
            return _parse_files(spec, raw)
        return Parsed(error="Please upload a photo here, or say skip.")
    if isinstance(raw, tuple):
        return Parsed(error="Files are only accepted where a photo is asked for.")
    if isinstance(raw, list):
        if spec.kind is FieldKind.MULTI:
            return _parse_multi(raw, options)
        raw = raw[0] if raw else ""
    if len(raw) > MAX_RAW_LENGTH:
        return Parsed(
            error=f"That is too long (over {MAX_RAW_LENGTH:,} characters); please keep it under "
            f"{spec.max_length:,}."
        )
    text = clean_text(raw)
    if spec.kind in READ_AS_DIGITS:
        text = ascii_digits(text)
    if not text:
        return Parsed(
            error="Please type an answer" + ("" if spec.required else ", or say skip") + "."
        )
    match spec.kind:
        case FieldKind.TEXT:
            return _parse_text(spec, text)
        case FieldKind.CHOICE:
            return _parse_choice(text, options)
        case FieldKind.MULTI:
            return _parse_multi(re.split(r"\s*(?:,|;|\band\b|\n)\s*", text), options)
        case FieldKind.YES_NO | FieldKind.YES_NO_UNSURE:
            return _parse_yes_no(text, spec.kind is FieldKind.YES_NO_UNSURE)
        case FieldKind.DATE:
            return _parse_date(spec, text, now)
        case FieldKind.DATETIME:
            return _parse_datetime(spec, text, now)
        case FieldKind.LOCATION:
            return parse_location(text, spec.max_length)
        case FieldKind.NUMBER:
            return _parse_number(spec, text)
    return Parsed(error="That answer cannot be used here.")


def _parse_text(spec: Field, text: str) -> Parsed:
    if len(text) > spec.max_length:
        return Parsed(
            error=f"That is too long ({len(text):,} characters); please keep it under "
            f"{spec.max_length:,}."
        )
    return Parsed(text)


def match_option(text: str, options: tuple[Option, ...]) -> Option | None:
    """Find the option meant by `text`: its value, its label, its number, or a unique prefix."""
    wanted = clean_text(text).lower().rstrip(".")
    if not wanted:
        return None
    for option in options:
        if wanted in (option.value.lower(), option.label.lower()):
            return option
    position = option_number(wanted)
    if position is not None and 1 <= position <= len(options):
        return options[position - 1]
    starts = [o for o in options if o.label.lower().startswith(wanted)]
    if len(starts) == 1 and len(wanted) >= 3:
        return starts[0]
    return None


def option_number(text: str) -> int | None:
    """The number of a listed option typed as `text` ('2', '٢', '２'), or None."""
    digits = ascii_digits(text.strip())
    if not (digits.isascii() and digits.isdecimal()) or len(digits) > 3:
        return None
    return int(digits)


def _options_list(options: tuple[Option, ...]) -> str:
    return "; ".join(f"{i}. {o.label}" for i, o in enumerate(options, start=1))


def _parse_choice(text: str, options: tuple[Option, ...]) -> Parsed:
    option = match_option(text, options)
    if option is None:
        return Parsed(
            error=f"That is not one of the options. Choose one of: {_options_list(options)}."
        )
    return Parsed(option.value)


def _parse_multi(parts: list[str], options: tuple[Option, ...]) -> Parsed:
    chosen: list[JsonValue] = []
    for part in parts:
        if not clean_text(part):
            continue
        option = match_option(part, options)
        if option is None:
            return Parsed(
                error=f"'{clean_text(part)[:40]}' is not one of the options. Choose from: "
                f"{_options_list(options)}."
            )
        if option.value not in chosen:
            chosen.append(option.value)
    if not chosen:
        return Parsed(error="Please choose at least one option.")
    return Parsed(chosen)


def _parse_yes_no(text: str, unsure_allowed: bool) -> Parsed:
    word = text.lower().rstrip(".!")
    if word in YES_WORDS:
        return Parsed("yes")
    if word in NO_WORDS:
        return Parsed("no")
    if unsure_allowed and word in UNSURE_WORDS:
        return Parsed("unsure")
    return Parsed(error="Please answer yes or no" + (" (or not sure)." if unsure_allowed else "."))


def _read_date(text: str, today: date) -> date | None:
    word = text.lower()
    relative = {"today": 0, "yesterday": -1, "tomorrow": 1}
    if word in relative:
        return today + timedelta(days=relative[word])
    for fmt in DATE_FORMATS:
        try:
            parsed = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if "%Y" not in fmt and "%y" not in fmt:
            parsed = parsed.replace(year=today.year)
        return parsed
    return None


def _implausible(day: date, today: date) -> bool:
    """Before 1900 or a century ahead: a slip of the keyboard, and kept well away from year 9999,
    where the deadlines worked out from a date would overflow."""
    return not EARLIEST_YEAR <= day.year <= today.year + YEARS_AHEAD


def _parse_date(spec: Field, text: str, now: datetime) -> Parsed:
    day = _read_date(text, now.date())
    if day is None:
        return Parsed(error="That is not a date I can read. Try 25/12/2026 or 2026-12-25.")
    if _implausible(day, now.date()):
        return Parsed(error=FAR_DATE)
    if spec.not_future and day > now.date():
        return Parsed(error="That date is in the future; please give the date it happened.")
    if spec.future_only and day < now.date():
        return Parsed(error="That date has passed; please give a date from today onwards.")
    return Parsed(day.isoformat())


def _read_time(text: str) -> time | None:
    found = TIME_PATTERN.match(text.strip().lower())
    if not found:
        return None
    hour, minute, half = int(found.group(1)), int(found.group(2) or 0), found.group(3)
    if half == "pm" and hour < 12:
        hour += 12
    if half == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _parse_datetime(spec: Field, text: str, now: datetime) -> Parsed:
    word = text.lower()
    when: datetime | None = None
    ago = AGO_PATTERN.match(word)
    if word in ("now", "just now", "right now"):
        when = now
    elif ago:
        unit = {
            "minute": "minutes",
            "min": "minutes",
            "hour": "hours",
            "hr": "hours",
            "day": "days",
        }
        when = now - timedelta(**{unit[ago.group(2)]: int(ago.group(1))})
    else:
        day_part, _, time_part = text.rpartition(" ")
        at = _read_time(time_part) if day_part else None
        day = _read_date(day_part, now.date()) if at else _read_date(text, now.date())
        if day is not None and _implausible(day, now.date()):
            return Parsed(error=FAR_DATE)
        if day is not None:
            if at is None:
                at = now.time() if day == now.date() else time(12, 0)
            when = datetime.combine(day, at, tzinfo=now.tzinfo)
    if when is None:
        return Parsed(
            error="That is not a date and time I can read. Try 'now', '2 hours ago' or "
            "'21/11/2026 14:30'."
        )
    if spec.not_future and when > now + timedelta(minutes=5):
        return Parsed(error="That time is in the future; please give when it was seen.")
    return Parsed(when.replace(microsecond=0).isoformat())


def normalise_postcode(text: str) -> str | None:
    """A full UK postcode in `text`, upper-cased with one space, or None."""
    found = POSTCODE.search(text.upper())
    return f"{found.group(1)} {found.group(2)}" if found else None


def _looks_like_postcode_attempt(text: str) -> bool:
    compact = text.replace(" ", "")
    return (
        2 <= len(compact) <= 8
        and compact.isalnum()
        and any(c.isdigit() for c in compact)
        and any(c.isalpha() for c in compact)
        and len(text.split()) <= 2
    )


def parse_location(text: str, max_length: int = 300) -> Parsed:
    """A place: street, landmark or postcode, or 'latitude, longitude'."""
    if len(text) > max_length:
        return Parsed(error=f"Please keep the location under {max_length} characters.")
    coords = COORDINATES.match(text)
    if coords:
        lat, lon = float(coords.group(1)), float(coords.group(2))
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            return Parsed(error="Those coordinates are out of range.")
        return Parsed({"text": text, "postcode": None, "lat": lat, "lon": lon})
    upper = text.upper().strip()
    postcode = normalise_postcode(upper)
    if postcode is None and _looks_like_postcode_attempt(upper):
        if OUTWARD_CODE.match(upper.replace(" ", "")):
            return Parsed(
                {"text": text, "postcode": upper.replace(" ", ""), "lat": None, "lon": None}
            )
        return Parsed(error="That does not look like a UK postcode (for example EC2V 7HH).")
    if len(text) < 3:
        return Parsed(error="Please give a street, landmark or postcode.")
    return Parsed({"text": text, "postcode": postcode, "lat": None, "lon": None})


def _parse_number(spec: Field, text: str) -> Parsed:
    try:
        number = int(text.replace(",", ""))
    except ValueError:
        return Parsed(error="Please give a whole number, such as 3.")
    if spec.min_value is not None and number < spec.min_value:
        return Parsed(error=f"Please give a number of at least {spec.min_value}.")
    if spec.max_value is not None and number > spec.max_value:
        return Parsed(error=f"Please give a number no bigger than {spec.max_value:,}.")
    return Parsed(number)


def _parse_files(spec: Field, files: tuple[FileRef, ...]) -> Parsed:
    if len(files) > spec.max_items:
        return Parsed(error=f"Please send at most {spec.max_items} photos.")
    for ref in files:
        if not ref.mime_type.startswith("image/"):
            return Parsed(error=f"'{ref.name[:60]}' is not an image; only photos can be attached.")
        if ref.size > MAX_FILE_BYTES:
            return Parsed(error=f"'{ref.name[:60]}' is larger than 10 MB.")
    return Parsed(
        [
            {
                "file_id": f.file_id,
                "name": f.name,
                "size": f.size,
                "mime_type": f.mime_type,
                "sha256": f.sha256,
                **(
                    {"lat": f.latitude, "lon": f.longitude}
                    if f.latitude is not None and f.longitude is not None
                    else {}
                ),
            }
            for f in files
        ]
    )


def display_answer(spec: Field, value: JsonValue, options: tuple[Option, ...]) -> str:
    """A short plain-text rendering of an answer for summaries."""
    if value is None:
        return "(skipped)"
    labels = {o.value: o.label for o in (*options, *spec.choices({}))}
    if isinstance(value, list):
        if spec.kind is FieldKind.ATTACHMENT:
            return f"{len(value)} photo(s)"
        return ", ".join(labels.get(str(v), str(v)) for v in value)
    if isinstance(value, dict):
        return str(value.get("text", ""))
    if spec.kind is FieldKind.DATETIME and isinstance(value, str):
        return datetime.fromisoformat(value).strftime("%d %b %Y %H:%M")
    if spec.kind is FieldKind.DATE and isinstance(value, str):
        return date.fromisoformat(value).strftime("%d %b %Y")
    return labels.get(str(value), str(value))
