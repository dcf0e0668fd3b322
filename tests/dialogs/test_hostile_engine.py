"""Hostile text against the pure engine: the cleaning, every parser, every question of every form.

Cheap enough for many examples; `tests/conversation/test_hostile_input.py` runs the same text through the
real turn loop and databases.
"""

from __future__ import annotations

import zlib
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, seed, settings
from hypothesis import strategies as st

from bot.app import REGISTRY
from dialogs import engine
from dialogs.cleaning import MAX_TEXT, clean_inbound, clean_input, scrub
from dialogs.commands import parse_command
from dialogs.engine import DialogState, FormContext, Outcome
from dialogs.form import FieldKind
from dialogs.messages import (
    Address,
    Ask,
    Command,
    FormInput,
    Inbound,
    Option,
    Platform,
    Summary,
    TextInput,
)
from dialogs.parsing import parse_answer
from tests.hostile import EXAMPLES, PROFILE, harmful, hostile_text, strings_in
from tests.walk import SUMMARY, Route, routes

NOW = datetime(2026, 11, 23, 10, 30, tzinfo=ZoneInfo("Europe/London"))
RUN_TIME = (Option("alpha", "Alpha"), Option("beta", "Beta (suggested)"), Option("other", "Other"))


def fixed_options(_answers: object) -> dict[str, tuple[Option, ...]]:
    """Every run-time option list of every form, the same three options."""
    names = {
        f.options_from for form in REGISTRY.forms.values() for f in form.fields if f.options_from
    }
    return dict.fromkeys(names, RUN_TIME)


ROUTES = [
    route for form in REGISTRY.forms.values() for route in routes(form, fixed_options, NOW)[0]
]


def _reached(route: Route) -> DialogState:
    ctx = FormContext(NOW, fixed_options({}))
    state = engine.start(route.form, ctx, route.prefill).state
    for item in route.inputs:
        state = engine.advance(route.form, state, item, ctx).state
    return state


@settings(PROFILE, max_examples=EXAMPLES * 40)
@given(raw=hostile_text())
@example(raw="a\u200db \u200c\u200e\u200fc 👩‍👩‍👧 🏴󠁧󠁢󠁥󠁮󠁧󠁿")
@example(raw="\x00\u202e\ud800\x1b[2J\r\n\ufeff")
def test_cleaning_removes_only_what_is_harmful(raw):
    cleaned = scrub(raw)
    assert not harmful(cleaned)
    assert len(cleaned) <= MAX_TEXT
    assert scrub(cleaned) == cleaned
    if len(raw) <= MAX_TEXT:
        kept = "\u200d\u200c\u200e\u200f\u200b\u00ad\t"
        assert [c for c in cleaned if c in kept] == [c for c in raw if c in kept]


def test_joiners_marks_and_flags_survive_cleaning_but_overrides_do_not():
    persian, devanagari, family = "می‌خواهم", "क्‍ष", "👩‍👩‍👧"
    england = "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
    assert scrub(f"{persian} {devanagari} {family} {england}") == (
        f"{persian} {devanagari} {family} {england}"
    )
    assert scrub("\u200fשלום, world\u200e") == "\u200fשלום, world\u200e"
    assert scrub("invoice\u202efdp.exe") == "invoicefdp.exe"
    assert scrub("a\x00b\x1b[31mc\rd\r\ne\u2028f") == "ab[31mc\nd\ne\nf"
    assert scrub("hidden\U000e0041\U000e0042 tag") == "hidden tag"


def test_every_string_of_an_inbound_is_cleaned_and_bounded():
    inbound = Inbound(
        Address(Platform.SLACK, "T1", "D1", "U1"),
        "Ev1",
        FormInput("concern\x00", {"description\x00": "x\x00" * 30_000, "targets": ["race\u202e"]}),
        email="a\x00@example.org",
        display_name="Eve\u202e\nAdmin" * 100,
    )
    cleaned = clean_inbound(inbound)
    assert isinstance(cleaned.input, FormInput)
    assert cleaned.input.form_id == "concern"
    assert cleaned.input.values == {"description": "x" * (MAX_TEXT // 2), "targets": ["race"]}
    assert cleaned.email == "a@example.org"
    assert cleaned.display_name is not None and cleaned.display_name.startswith("Eve Admin")
    assert len(cleaned.display_name) <= 200
    assert not harmful(cleaned.display_name) and "\n" not in cleaned.display_name


FIELDS = [(form, spec) for form in REGISTRY.forms.values() for spec in form.fields]


@pytest.mark.parametrize(("form", "spec"), FIELDS, ids=[f"{f.id}.{s.name}" for f, s in FIELDS])
def test_every_parser_answers_hostile_text_with_a_value_or_a_reason(form, spec):
    options = spec.choices(fixed_options({}))

    @seed(zlib.crc32(f"{form.id}.{spec.name}".encode()))
    @settings(PROFILE, max_examples=EXAMPLES * 6)
    @given(raw=hostile_text())
    def check(raw):
        parsed = parse_answer(spec, raw, options, NOW)
        assert parsed.ok != bool(parsed.error)
        assert not any(harmful(s) for s in strings_in(parsed.value))
        if parsed.ok and spec.kind is FieldKind.TEXT:
            assert isinstance(parsed.value, str) and len(parsed.value) <= spec.max_length

    check()


@pytest.mark.parametrize("route", ROUTES, ids=[f"{r.form.id}.{r.field}" for r in ROUTES])
def test_every_question_keeps_its_state_under_hostile_text(route):
    state = _reached(route)
    ctx = FormContext(NOW, fixed_options(state.answers))
    current = engine.next_field(route.form, state, ctx.options)
    assert (current.name if current else SUMMARY) == route.field

    @seed(zlib.crc32(f"{route.form.id}.{route.field}".encode()))
    @settings(PROFILE, max_examples=EXAMPLES * 4)
    @given(raw=st.one_of(hostile_text(), hostile_text().map(scrub)))
    def check(raw):
        step = engine.advance(route.form, state, TextInput(raw), ctx)
        assert not any(harmful(s) for s in strings_in(dict(step.state.answers)))
        command = parse_command(raw)
        if command is not None and command.command not in (Command.EDIT, Command.HELP):
            return
        ends = (Outcome.CONTINUE, Outcome.STOPPED)
        assert step.outcome in ends or (step.outcome is Outcome.SUBMIT and not route.form.confirm)
        assert step.replies or step.outcome is Outcome.SUBMIT
        if step.outcome is Outcome.CONTINUE:
            assert isinstance(step.replies[-1], Ask | Summary)
        before, after = dict(state.answers), dict(step.state.answers)
        if after != before:
            assert command is None and route.field != SUMMARY
            answered = {**before, route.field: after[route.field]}
            assert after == engine.implied_answers(route.form, answered, NOW)
        elif command is None and step.outcome is Outcome.CONTINUE and route.field != SUMMARY:
            reply = step.replies[-1]
            if isinstance(reply, Summary):  # an edit answered with the value it already had
                assert state.editing == route.field
            else:
                assert isinstance(reply, Ask) and reply.field == route.field and reply.error

    check()


@pytest.mark.parametrize("form", REGISTRY.forms.values(), ids=list(REGISTRY.forms))
def test_a_whole_form_of_hostile_values_is_kept_clean_or_refused_whole(form):
    ctx = FormContext(NOW, fixed_options({}))
    start = engine.start(form, ctx).state
    names = st.sampled_from([spec.name for spec in form.fields])
    values = st.one_of(hostile_text(), st.lists(hostile_text(), max_size=3))

    @seed(zlib.crc32(form.id.encode()))
    @settings(PROFILE, max_examples=EXAMPLES * 6)
    @given(submitted=st.dictionaries(names, values, min_size=1))
    def check(submitted):
        step = engine.advance(form, start, clean_input(FormInput(form.id, submitted)), ctx)
        if step.errors:
            assert step.state == start and not step.replies
        assert not any(harmful(s) for s in strings_in(dict(step.state.answers)))

    check()


def test_every_question_of_every_form_is_reached():
    unreached = {
        form.id: missing
        for form in REGISTRY.forms.values()
        if (missing := routes(form, fixed_options, NOW)[1])
    }
    assert not unreached
