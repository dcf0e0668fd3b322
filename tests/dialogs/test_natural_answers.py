"""Answers as busy people type them: dates in words, options by a word, a number or a slip.

Every date is read from a fixed `now` (never today's date): 23 November 2026 (a Monday, GMT),
10 February 2028 (a leap year), 1 March 2027 (not one), and both clock changes of 2026.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.app import REGISTRY
from dialogs import engine
from dialogs.engine import DialogState, FormContext
from dialogs.form import Field, FieldKind, FormDefinition
from dialogs.messages import Ask, Option, TextInput
from dialogs.parsing import parse_answer
from dialogs.plain import as_text
from tests.hostile import EXAMPLES, PROFILE, hostile_text

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 23, 10, 30, tzinfo=LONDON)
LEAP = datetime(2028, 2, 10, 10, 0, tzinfo=LONDON)
PLAIN = datetime(2027, 3, 1, 10, 0, tzinfo=LONDON)
SPRING = datetime(2026, 3, 29, 3, 30, tzinfo=LONDON)  # clocks went forward at 01:00 GMT
AUTUMN = datetime(2026, 10, 25, 2, 30, tzinfo=LONDON)  # clocks went back at 02:00 BST

DAY = Field("day", "Day", FieldKind.DATE, "Which day?")
HAPPENED = Field("happened", "Happened", FieldKind.DATE, "When did it happen?", not_future=True)
DUE = Field("due", "Due", FieldKind.DATE, "When is it due?", future_only=True)
SEEN = Field("seen", "Seen", FieldKind.DATETIME, "When was it seen?", not_future=True)
MEETING = Field("meeting", "Meeting", FieldKind.DATETIME, "When is it?", future_only=True)
PARTNERS = (
    Option("CITYPOL", "City Police (suggested)"),
    Option("CSC", "Children's Social Care"),
    Option("ASC", "Adult Social Care"),
    Option("LFB", "London Fire Brigade"),
)
PARTNER = Field("partner", "Partner", FieldKind.CHOICE, "Which partner?", options_from="partners")
COPIED = Field("copied", "Copied", FieldKind.MULTI, "Who else?", options_from="partners")
DANGER = Field("danger", "Danger", FieldKind.YES_NO, "Is anyone in danger?")
SURE = Field("sure", "Sure", FieldKind.YES_NO_UNSURE, "Is it criminal-offence data?")
COUNT = Field("count", "Count", FieldKind.NUMBER, "How many?", min_value=1, max_value=5000)
PLACE = Field("place", "Place", FieldKind.LOCATION, "Where?")
NOTE = Field("note", "Note", FieldKind.TEXT, "Anything else?")
EVERY_KIND = (DAY, HAPPENED, DUE, SEEN, MEETING, PARTNER, COPIED, DANGER, SURE, COUNT, PLACE, NOTE)


def parse(spec: Field, raw: str, now: datetime = NOW):
    return parse_answer(spec, raw, spec.choices({"partners": PARTNERS}), now)


@pytest.mark.parametrize(
    ("spec", "raw", "value"),
    [
        (DAY, "next friday", "2026-11-27"),
        (DAY, "end of january", "2026-01-31"),
        (DAY, "in two weeks", "2026-12-07"),
        (DAY, "3/4/2026", "2026-04-03"),
        (DAY, "3/4", "2026-04-03"),
        (DAY, "5th of March, 2026", "2026-03-05"),
        (DAY, "March 5 2026", "2026-03-05"),
        (DAY, "25.12.2026", "2026-12-25"),
        (DAY, "tomorrow", "2026-11-24"),
        (DUE, "next friday", "2026-11-27"),
        (DUE, "friday", "2026-11-27"),
        (DUE, "end of january", "2027-01-31"),
        (DUE, "end of the month", "2026-11-30"),
        (DUE, "end of next month", "2026-12-31"),
        (DUE, "in two weeks", "2026-12-07"),
        (DUE, "5 Jan", "2027-01-05"),
        (HAPPENED, "last friday", "2026-11-20"),
        (HAPPENED, "friday", "2026-11-20"),
        (HAPPENED, "two days ago", "2026-11-21"),
        (HAPPENED, "25 Dec", "2025-12-25"),
        (HAPPENED, "3/4", "2026-04-03"),
        (SEEN, "now", "2026-11-23T10:30:00+00:00"),
        (SEEN, "2 hours ago", "2026-11-23T08:30:00+00:00"),
        (SEEN, "yesterday 2pm", "2026-11-22T14:00:00+00:00"),
        (SEEN, "21/11/2026 14:30", "2026-11-21T14:30:00+00:00"),
        (SEEN, "last tuesday at 4pm", "2026-11-17T16:00:00+00:00"),
        (SEEN, "friday 9:30", "2026-11-20T09:30:00+00:00"),
        (SEEN, "yesterday evening", "2026-11-22T18:00:00+00:00"),
        (SEEN, "this morning", "2026-11-23T09:00:00+00:00"),
        (SEEN, "last friday", "2026-11-20T12:00:00+00:00"),
        (MEETING, "tomorrow 3pm", "2026-11-24T15:00:00+00:00"),
        (MEETING, "next friday 10am", "2026-11-27T10:00:00+00:00"),
    ],
)
def test_dates_and_times_people_type(spec, raw, value):
    assert parse(spec, raw).value == value


@pytest.mark.parametrize(
    ("spec", "raw", "now", "value"),
    [
        (DAY, "29 Feb", LEAP, "2028-02-29"),
        (DUE, "29th February", LEAP, "2028-02-29"),
        (DAY, "29/02/2028", PLAIN, "2028-02-29"),
        (SEEN, "2 hours ago", SPRING, "2026-03-29T00:30:00+00:00"),
        (SEEN, "1 hour ago", SPRING, "2026-03-29T02:30:00+01:00"),
        (SEEN, "yesterday 2pm", SPRING, "2026-03-28T14:00:00+00:00"),
        (SEEN, "29/03/2026 01:30", SPRING, "2026-03-29T02:30:00+01:00"),  # a time the clocks skip
        (SEEN, "now", AUTUMN, "2026-10-25T02:30:00+00:00"),
        (SEEN, "2 hours ago", AUTUMN, "2026-10-25T01:30:00+01:00"),
        (SEEN, "yesterday 2pm", AUTUMN, "2026-10-24T14:00:00+01:00"),
    ],
)
def test_leap_days_and_clock_changes(spec, raw, now, value):
    assert parse(spec, raw, now).value == value


@pytest.mark.parametrize(
    ("spec", "raw", "now", "reason"),
    [
        (
            DAY,
            "29 Feb",
            PLAIN,
            "There is no 29 February in 2027; please give the date with its year.",
        ),
        (DAY, "29 Feb", NOW, "There is no 29 February in 2026"),
        (HAPPENED, "29 Feb", LEAP, "There is no 29 February in 2027"),
        (DAY, "29/02/2027", PLAIN, "not a date"),
        (DAY, "31/02/2027", NOW, "not a date"),
        (HAPPENED, "next friday", NOW, "in the future"),
        (HAPPENED, "tomorrow", NOW, "in the future"),
        (DUE, "last friday", NOW, "has passed"),
        (SEEN, "tomorrow 3pm", NOW, "in the future"),
        (MEETING, "yesterday 2pm", NOW, "has passed"),
        (DAY, "may", NOW, "not a date"),  # a month is not a day
        (DAY, "last week", NOW, "not a date"),
        (DAY, "a", NOW, "not a date"),
        (DAY, "5", NOW, "not a date"),
        (SEEN, "whenever", NOW, "not a date and time"),
    ],
)
def test_dates_that_cannot_be_taken_get_a_reason(spec, raw, now, reason):
    result = parse(spec, raw, now)
    assert not result.ok and reason in result.error


@pytest.mark.parametrize(
    ("spec", "raw", "value"),
    [
        (PARTNER, "police", "CITYPOL"),
        (PARTNER, "citypol", "CITYPOL"),
        (PARTNER, "City Police", "CITYPOL"),
        (PARTNER, "city police (suggested)", "CITYPOL"),
        (PARTNER, "1", "CITYPOL"),
        (PARTNER, "childrens", "CSC"),
        (PARTNER, "children's social care", "CSC"),
        (PARTNER, "adult", "ASC"),
        (PARTNER, "fire brigade", "LFB"),
        (PARTNER, "4", "LFB"),
        (COPIED, "police, fire", ["CITYPOL", "LFB"]),
        (COPIED, "1 and 3", ["CITYPOL", "ASC"]),
        (COPIED, "adult social care; police; 1", ["ASC", "CITYPOL"]),
        (DANGER, "1", "yes"),
        (DANGER, "2", "no"),
        (DANGER, "yep", "yes"),
        (SURE, "3", "unsure"),
        (SURE, "not sure", "unsure"),
        (SURE, "1", "yes"),
        (COUNT, "1,200", 1200),
        (COUNT, "٣", 3),
        (
            PLACE,
            "12 cheapside ec2v6aa",
            {"text": "12 cheapside ec2v6aa", "postcode": "EC2V 6AA", "lat": None, "lon": None},
        ),
        (NOTE, "  seen twice  ", "seen twice"),
    ],
)
def test_choices_and_other_answers_people_type(spec, raw, value):
    assert parse(spec, raw).value == value


def test_a_word_shared_by_two_options_asks_which_listing_both():
    result = parse(PARTNER, "social care")
    assert not result.ok and result.guess is None
    assert result.error == (
        "'social care' fits more than one option: 2. Children's Social Care; "
        "3. Adult Social Care. Which one? Type its number or more of its name."
    )
    assert parse(COPIED, "police, social care").error == result.error


@pytest.mark.parametrize(
    ("spec", "raw", "guess", "error"),
    [
        (PARTNER, "cty police", "CITYPOL", "Did you mean City Police?"),
        (PARTNER, "polise", "CITYPOL", "Did you mean City Police?"),
        (PARTNER, "Childrens Socal Care", "CSC", "Did you mean Children's Social Care?"),
        (COPIED, "polise and adult", ["CITYPOL", "ASC"], "Did you mean City Police?"),
    ],
)
def test_a_near_miss_is_offered_not_taken(spec, raw, guess, error):
    result = parse(spec, raw)
    assert not result.ok and result.guess == guess
    assert result.error == f"{error} Say yes to take it, or answer again."


@pytest.mark.parametrize("raw", ["purple", "xyz", "9", "pol ice care brigade"])
def test_something_far_from_every_option_is_refused_with_the_list(raw):
    result = parse(PARTNER, raw)
    assert result.guess is None
    assert result.error.startswith("That is not one of the options. Choose one of: 1. City Police")


TRIAGE = FormDefinition(
    "triage", 1, "Triage", "A few questions.", (PARTNER, COPIED, DANGER, SURE), confirm=True
)
CTX = FormContext(NOW, {"partners": PARTNERS})


def chat(*lines: str, state: DialogState | None = None) -> engine.Step:
    step = engine.start(TRIAGE, CTX) if state is None else engine.resume(TRIAGE, state, CTX)
    for line in lines:
        step = engine.advance(TRIAGE, step.state, TextInput(line), CTX)
    return step


def last_ask(step: engine.Step) -> Ask:
    reply = step.replies[-1]
    assert isinstance(reply, Ask)
    return reply


def test_did_you_mean_then_yes_takes_the_guess_even_after_the_state_is_stored():
    step = chat("cty police")
    assert last_ask(step).field == "partner"
    assert last_ask(step).error == "Did you mean City Police? Say yes to take it, or answer again."
    stored = DialogState.from_json(step.state.to_json())
    step = engine.advance(TRIAGE, stored, TextInput("yes"), CTX)
    assert step.state.answers == {"partner": "CITYPOL"}
    assert last_ask(step).field == "copied" and not last_ask(step).error


def test_did_you_mean_then_anything_else_is_a_fresh_answer():
    assert chat("cty police", "fire").state.answers == {"partner": "LFB"}
    assert chat("cty police", "2").state.answers == {"partner": "CSC"}
    refused = chat("cty police", "no")
    assert refused.state.answers == {} and "not one of the options" in last_ask(refused).error
    assert chat("cty police", "no", "yes").state.answers == {}  # the guess was for one message


def test_did_you_mean_is_not_kept_when_the_person_comes_back_later():
    state = chat("cty police").state
    assert chat("yes", state=state).state.answers == {}


def test_a_multiple_choice_near_miss_is_taken_whole_on_yes():
    step = chat("police", "polise and adult", "yes")
    assert step.state.answers == {"partner": "CITYPOL", "copied": ["CITYPOL", "ASC"]}


def test_an_ambiguous_word_is_asked_about_then_answered():
    step = chat("social care")
    assert "2. Children's Social Care; 3. Adult Social Care" in last_ask(step).error
    assert chat("social care", "adult").state.answers == {"partner": "ASC"}


def test_yes_no_questions_take_the_numbers_the_plain_text_lists():
    step = chat("police", "fire")
    assert as_text(last_ask(step)).splitlines()[1:] == ["  1. Yes", "  2. No"]
    step = engine.advance(TRIAGE, step.state, TextInput("1"), CTX)
    assert step.state.answers["danger"] == "yes"
    assert as_text(last_ask(step)).splitlines()[1:] == ["  1. Yes", "  2. No", "  3. Not sure"]
    step = engine.advance(TRIAGE, step.state, TextInput("3"), CTX)
    assert step.state.answers["sure"] == "unsure"


def test_the_partner_question_of_an_information_request_takes_police_by_any_name():
    form = REGISTRY.forms["info_request"]
    earlier = form.fields[: form.fields.index(form.field("partner"))]
    answers = {"risk_to_life": "no", "purpose_type": "asb", "identifiable": "no"}
    answers |= {spec.name: "x" for spec in earlier if spec.name not in answers}
    state = DialogState(form.id, form.version, answers)
    ctx = FormContext(NOW, {"partners": PARTNERS})
    assert last_ask(engine.resume(form, state, ctx)).field == "partner"
    for typed in ("police", "citypol", "City Police", "1"):
        step = engine.advance(form, state, TextInput(typed), ctx)
        assert step.state.answers["partner"] == "CITYPOL", typed


DATE_WORDS = st.sampled_from(
    [
        "next", "last", "this", "end of", "in", "ago", "friday", "feb", "29", "31", "2027",
        "tomorrow", "yesterday", "3pm", "14:30", "weeks", "two", "/", ".", "the", "of", "noon",
        "99999999999", "years", "0", "am", "EST", "+05:00",
    ]
)  # fmt: skip


@pytest.mark.parametrize("spec", EVERY_KIND, ids=[s.name for s in EVERY_KIND])
@pytest.mark.parametrize(
    "now", [NOW, LEAP, SPRING, AUTUMN], ids=["gmt", "leap", "spring", "autumn"]
)
def test_no_text_makes_any_kind_of_question_fail(spec, now):
    @settings(PROFILE, max_examples=EXAMPLES * 8)
    @given(
        raw=st.one_of(
            hostile_text(),
            st.lists(DATE_WORDS, min_size=1, max_size=6).map(" ".join),
            st.text(max_size=30),
        )
    )
    @example(raw="in 99999999999 days")
    @example(raw="29 feb 99999")
    def check(raw):
        parsed = parse(spec, raw, now)
        assert parsed.ok != bool(parsed.error)
        assert "\n" not in parsed.error

    check()
