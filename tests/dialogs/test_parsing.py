"""Parsers: every kind of bad input gets one clear line, never an exception."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.prevent.forms import CATEGORIES
from dialogs.form import Field, FieldKind
from dialogs.messages import FileRef
from dialogs.parsing import parse_answer, parse_location

NOW = datetime(2026, 11, 23, 10, 30, tzinfo=ZoneInfo("Europe/London"))
TEXT = Field("t", "T", FieldKind.TEXT, "?", max_length=1000)
WHEN = Field("w", "W", FieldKind.DATETIME, "?", not_future=True)
DUE = Field("d", "D", FieldKind.DATE, "?", future_only=True)
CHOICE = Field("c", "C", FieldKind.CHOICE, "?", options=CATEGORIES)
PHOTOS = Field("p", "P", FieldKind.ATTACHMENT, "?", required=False, max_items=4)
COUNT = Field("n", "N", FieldKind.NUMBER, "?", min_value=1, max_value=100)


def parse(spec, raw):
    return parse_answer(spec, raw, spec.choices({}), NOW)


@pytest.mark.parametrize(
    ("spec", "raw", "reason"),
    [
        (TEXT, "x" * 1001, "too long"),
        (TEXT, "x" * 10_000, "too long"),
        (TEXT, "   ", "Please type an answer"),
        (TEXT, "\x00\x07\x1b", "Please type an answer"),
        (CHOICE, "purple", "not one of the options"),
        (WHEN, "tomorrow 10:00", "in the future"),
        (WHEN, "whenever", "not a date and time"),
        (DUE, "2026-11-01", "has passed"),
        (DUE, "31/02/2027", "not a date"),
        (COUNT, "lots", "whole number"),
        (COUNT, "1000", "no bigger than 100"),
        (PHOTOS, "here it is", "upload a photo"),
    ],
)
def test_bad_input_gets_a_clear_reason(spec, raw, reason):
    result = parse(spec, raw)
    assert not result.ok
    assert reason in result.error
    assert "\n" not in result.error


def test_control_characters_are_removed_from_text():
    assert parse(TEXT, "hello\x1b[31m there\x00").value == "hello[31m there"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("now", "2026-11-23T10:30:00+00:00"),
        ("2 hours ago", "2026-11-23T08:30:00+00:00"),
        ("yesterday 2pm", "2026-11-22T14:00:00+00:00"),
        ("21/11/2026 14:30", "2026-11-21T14:30:00+00:00"),
    ],
)
def test_datetimes_people_type(raw, expected):
    assert parse(WHEN, raw).value == expected


def test_choices_by_number_label_value_or_prefix():
    assert parse(CHOICE, "1").value == "hate_graffiti"
    assert parse(CHOICE, "hate graffiti").value == "hate_graffiti"
    assert parse(CHOICE, "Threat").value == "threat"
    assert parse(CHOICE, "glorif").value == "glorification"


@pytest.mark.parametrize(
    ("raw", "postcode", "error"),
    [
        ("12 Cheapside, EC2V 6AA", "EC2V 6AA", ""),
        ("ec2v6aa", "EC2V 6AA", ""),
        ("EC2V", "EC2V", ""),
        ("EC2V 99ZZ", None, "UK postcode"),
        ("Q1 1QQQ", None, "UK postcode"),
        ("51.5136, -0.0918", None, ""),
    ],
)
def test_locations_and_postcodes(raw, postcode, error):
    result = parse_location(raw)
    assert result.error.startswith("That does not look like a UK postcode") if error else result.ok
    if result.ok:
        assert result.value["postcode"] == postcode


def test_photos_must_be_images_and_at_most_four():
    image = FileRef("F1", "wall.jpg", 2000, "image/jpeg", "ab" * 32)
    assert parse(PHOTOS, (image,)).ok
    assert (
        "not an image"
        in parse(PHOTOS, (FileRef("F2", "notes.pdf", 10, "application/pdf", "cd" * 32),)).error
    )
    assert "at most 4" in parse(PHOTOS, (image,) * 5).error


@pytest.mark.parametrize(
    ("spec", "raw", "value"),
    [
        (COUNT, "٣", 3),
        (COUNT, "３", 3),
        (COUNT, "१२", 12),
        (CHOICE, "٢", "hate_sticker"),
        (DUE, "٢٠٢٧-٠١-٠٥", "2027-01-05"),
        (WHEN, "21/11/2026 ١٤:٣٠", "2026-11-21T14:30:00+00:00"),
    ],
)
def test_digits_of_other_scripts_are_read_as_the_digits_they_are(spec, raw, value):
    assert parse(spec, raw).value == value


@pytest.mark.parametrize(
    ("spec", "raw", "reason"),
    [
        (COUNT, "³", "whole number"),
        (COUNT, "1²", "whole number"),
        (CHOICE, "¹", "not one of the options"),
        (CHOICE, "①", "not one of the options"),
        (CHOICE, "9" * 4500, "not one of the options"),
        (DUE, "²⁰²⁷-⁰¹-⁰⁵", "not a date"),
        (DUE, "31/12/9999", "too far from today"),
        (WHEN, "01/01/0001 00:00", "too far from today"),
    ],
)
def test_superscripts_and_far_dates_are_refused_with_a_reason_not_a_crash(spec, raw, reason):
    result = parse(spec, raw)
    assert not result.ok and reason in result.error


def test_zero_width_joiners_and_direction_marks_are_kept_in_text():
    typed = "می‌خواهم گزارش بدهم, क्‍ष, 👩‍👩‍👧 \u200fשלום\u200e"
    assert parse(TEXT, typed).value == typed
    assert parse(TEXT, "pay\u202eexe.pdf").value == "payexe.pdf"
