"""Parsers and validators per field kind: raw user input in, a JSON answer or a one-line reason out.

Chat answers and whole-form submissions go through these same functions, so a Slack modal and a
step-by-step chat accept and refuse exactly the same things.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from rapidfuzz import fuzz

from dialogs.cleaning import scrub
from dialogs.dates import Prefer, local, plausible, read_date, read_moment, read_recent
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
FAR_DATE = "That date is too far from today; please check the year."
READ_AS_DIGITS = frozenset({FieldKind.DATE, FieldKind.DATETIME, FieldKind.NUMBER})


@dataclass(frozen=True)
class Parsed:
    """The outcome of parsing one answer: a value, or an error to show the user."""

    value: JsonValue = None
    error: str = ""
    guess: JsonValue = None
    """With an error, the answer a near miss probably meant, for the person to say yes to."""

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
            return _parse_yes_no(text, spec.kind is FieldKind.YES_NO_UNSURE, options)
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


@dataclass(frozen=True)
class Match:
    """What typed text picks from a list: one option, several equally (`among`), or nothing,
    perhaps with a near miss (`guess`) to offer."""

    option: Option | None = None
    among: tuple[Option, ...] = ()
    guess: Option | None = None


def match_option(text: str, options: tuple[Option, ...]) -> Option | None:
    """The option meant by `text`, when it means exactly one (see `find_option`)."""
    return find_option(text, options).option


def find_option(text: str, options: tuple[Option, ...]) -> Match:
    """The option meant by `text`, in this order: its value or label, its number, its label
    without what is in brackets ("City Police (suggested)"), a unique start of its label, whole
    words of it ("police"), and last a near miss ("Cty Police") offered as a guess."""
    wanted = clean_text(text).lower().rstrip(".")
    if not wanted:
        return Match()
    for option in options:
        if wanted in (option.value.lower(), option.label.lower()):
            return Match(option)
    position = option_number(wanted)
    if position is not None:
        return Match(options[position - 1]) if 1 <= position <= len(options) else Match()
    typed = _words(wanted)
    plain = [o for o in options if _words(BRACKETS.sub(" ", o.label)) == typed]
    if len(plain) == 1:
        return Match(plain[0])
    starts = [o for o in options if o.label.lower().startswith(wanted)]
    if len(starts) == 1 and len(wanted) >= 3:
        return Match(starts[0])
    meant = tuple(o for o in options if _has_words(o, typed))
    if len(meant) == 1:
        return Match(meant[0])
    if meant:
        return Match(among=meant)
    return Match(guess=_near_miss(wanted, options))


BRACKETS = re.compile(r"\([^)]*\)")
LITTLE_WORDS = frozenset({"the", "a", "an", "of", "for", "to", "my", "our", "please", "team"})
NEAR_MISS = 80  # rapidfuzz ratio out of 100: "polise" (83) and "cty police" (95) pass, "palace" (67) does not
LONGEST_GUESS = 100


def _words(text: str) -> tuple[str, ...]:
    """The words of `text` that say something, lower case, apostrophes dropped."""
    found = re.findall(r"[^\W_]+", text.lower().replace("'", "").replace("\u2019", ""))
    return tuple(w for w in found if w not in LITTLE_WORDS)


def _option_words(option: Option) -> set[str]:
    return {*_words(option.label), *_words(option.value)}


def _has_words(option: Option, typed: tuple[str, ...]) -> bool:
    """Whether every word typed is a whole word of the option (a plural 's' either way)."""
    if not typed:
        return False
    words = _option_words(option)
    return all(w in words or f"{w}s" in words or w.removesuffix("s") in words for w in typed)


def _near_miss(wanted: str, options: tuple[Option, ...]) -> Option | None:
    """The one option `wanted` is a slip of the keyboard for, if there is exactly one."""
    if not 3 <= len(wanted) <= LONGEST_GUESS or sum(c.isalpha() for c in wanted) < 3:
        return None
    scores = [(_closeness(wanted, o), o) for o in options]
    best = max((score for score, _ in scores), default=0.0)
    close = [o for score, o in scores if score == best]
    return close[0] if best >= NEAR_MISS and len(close) == 1 else None


def _closeness(wanted: str, option: Option) -> float:
    """How close `wanted` is to the option's label, value or one of its longer words."""
    label = " ".join(_words(BRACKETS.sub(" ", option.label)))
    candidates = [label, option.value.lower()]
    if " " not in wanted:
        candidates += [w for w in _option_words(option) if len(w) >= 4]
    return max(fuzz.ratio(wanted, c) for c in candidates)


def option_number(text: str) -> int | None:
    """The number of a listed option typed as `text` ('2', '٢', '２'), or None."""
    digits = ascii_digits(text.strip())
    if not (digits.isascii() and digits.isdecimal()) or len(digits) > 3:
        return None
    return int(digits)


def _options_list(options: tuple[Option, ...]) -> str:
    return "; ".join(f"{i}. {o.label}" for i, o in enumerate(options, start=1))


def _numbered(chosen: tuple[Option, ...], options: tuple[Option, ...]) -> str:
    return "; ".join(f"{options.index(o) + 1}. {o.label}" for o in chosen)


def _which_one(typed: str, among: tuple[Option, ...], options: tuple[Option, ...]) -> str:
    return (
        f"'{typed[:40]}' fits more than one option: {_numbered(among, options)}. "
        "Which one? Type its number or more of its name."
    )


def _did_you_mean(guesses: list[Option]) -> str:
    names = " and ".join(BRACKETS.sub("", o.label).strip() or o.label for o in guesses)
    return f"Did you mean {names}? Say yes to take it, or answer again."


def _parse_choice(text: str, options: tuple[Option, ...]) -> Parsed:
    found = find_option(text, options)
    if found.option is not None:
        return Parsed(found.option.value)
    if found.among:
        return Parsed(error=_which_one(clean_text(text), found.among, options))
    if found.guess is not None:
        return Parsed(error=_did_you_mean([found.guess]), guess=found.guess.value)
    return Parsed(error=f"That is not one of the options. Choose one of: {_options_list(options)}.")


def _parse_multi(parts: list[str], options: tuple[Option, ...]) -> Parsed:
    chosen: list[JsonValue] = []
    guesses: list[Option] = []
    for part in parts:
        typed = clean_text(part)
        if not typed:
            continue
        found = find_option(typed, options)
        if found.among:
            return Parsed(error=_which_one(typed, found.among, options))
        option = found.option or found.guess
        if option is None:
            return Parsed(
                error=f"'{typed[:40]}' is not one of the options. Choose from: "
                f"{_options_list(options)}."
            )
        if found.guess is not None:
            guesses.append(found.guess)
        if option.value not in chosen:
            chosen.append(option.value)
    if not chosen:
        return Parsed(error="Please choose at least one option.")
    if guesses:
        return Parsed(error=_did_you_mean(guesses), guess=chosen)
    return Parsed(chosen)


def _parse_yes_no(text: str, unsure_allowed: bool, options: tuple[Option, ...]) -> Parsed:
    word = text.lower().rstrip(".!")
    position = option_number(word)
    if position is not None and 1 <= position <= len(options):
        return Parsed(options[position - 1].value)  # as listed: 1. Yes 2. No 3. Not sure
    if word in YES_WORDS:
        return Parsed("yes")
    if word in NO_WORDS:
        return Parsed("no")
    if unsure_allowed and word in UNSURE_WORDS:
        return Parsed("unsure")
    return Parsed(error="Please answer yes or no" + (" (or not sure)." if unsure_allowed else "."))


def _prefer(spec: Field) -> Prefer:
    """Which way an answer without a year leans: the past when the question forbids the future."""
    if spec.not_future:
        return Prefer.PAST
    if spec.future_only:
        return Prefer.FUTURE
    return Prefer.CURRENT


def _parse_date(spec: Field, text: str, now: datetime) -> Parsed:
    found = read_date(text, now.date(), _prefer(spec))
    if found.reason:
        return Parsed(error=found.reason)
    day = found.day
    if day is None:
        example = "last friday" if spec.not_future else "next friday"
        return Parsed(error=f"That is not a date I can read. Try 25/12/2026 or '{example}'.")
    if not plausible(day, now.date()):
        return Parsed(error=FAR_DATE)
    if spec.not_future and day > now.date():
        return Parsed(error="That date is in the future; please give the date it happened.")
    if spec.future_only and day < now.date():
        return Parsed(error="That date has passed; please give a date from today onwards.")
    return Parsed(day.isoformat())


def _parse_datetime(spec: Field, text: str, now: datetime) -> Parsed:
    when = read_recent(text, now)
    if when is None:
        found = read_moment(text, now, _prefer(spec))
        if isinstance(found, str):
            return Parsed(error=found)
        if found is not None:
            if not plausible(found.day, now.date()):
                return Parsed(error=FAR_DATE)
            at = found.at
            if at is None:
                at = now.time() if found.day == now.date() else time(12, 0)
            when = local(found.day, at, now)
    if when is None:
        return Parsed(
            error="That is not a date and time I can read. Try 'now', '2 hours ago', "
            "'yesterday 2pm' or '21/11/2026 14:30'."
        )
    if spec.not_future and when > now + timedelta(minutes=5):
        return Parsed(error="That time is in the future; please give when it was seen.")
    if spec.future_only and when < now - timedelta(minutes=5):
        return Parsed(error="That time has passed; please give a time from now onwards.")
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
