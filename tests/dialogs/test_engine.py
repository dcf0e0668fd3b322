"""The pure engine, as transcripts: input in, next question or summary out. No I/O."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.app import REGISTRY
from dialogs import engine
from dialogs.engine import DialogState, FormContext, Outcome
from dialogs.messages import (
    Ask,
    ChoiceInput,
    Command,
    CommandInput,
    FormInput,
    Option,
    Say,
    Summary,
    TextInput,
)

NOW = datetime(2026, 11, 23, 10, 30, tzinfo=ZoneInfo("Europe/London"))
CTX = FormContext(NOW)
CONCERN = REGISTRY.forms["concern"]


def run(*lines: str, prefill: dict | None = None) -> engine.Step:
    step = engine.start(CONCERN, CTX, prefill)
    for line in lines:
        step = engine.advance(CONCERN, step.state, TextInput(line), CTX)
    return step


def question(step: engine.Step) -> str:
    last = step.replies[-1]
    assert isinstance(last, Ask), f"expected a question, got {last!r}"
    return last.field


def test_starts_with_the_safety_gates():
    assert question(run()) == "danger_now"
    assert question(run("no")) == "about_person"
    assert question(run("no", "no")) == "description"


def test_danger_now_says_call_999_and_keeps_recording():
    step = run("yes")
    said = [r.text for r in step.replies if isinstance(r, Say)]
    assert any("Call 999 now" in text for text in said)
    assert question(step) == "cad_reference"
    assert question(engine.advance(CONCERN, step.state, TextInput("skip"), CTX)) == "about_person"


def test_about_a_person_signposts_and_collects_nothing_more():
    step = run("no", "yes")
    assert step.outcome is Outcome.STOPPED
    assert "Prevent lead" in step.replies[-1].text


def test_conditional_questions_follow_the_answers():
    # "Other visual concern" skips the targets and threat questions entirely.
    step = run("no", "no", "tagging", "other visual concern")
    assert question(step) == "photos"
    hate = run("no", "no", "text", "hate graffiti")
    assert question(hate) == "targets"


def test_what_earlier_answers_imply_is_not_asked_but_shown():
    step = run("no", "no", "Racist stickers all over the bus stop on Cheapside")
    assert question(step) == "threats"
    implied = step.state.answers
    assert implied["category"] == "hate_sticker" and implied["targets"] == ["race"]
    assert implied["location"]["text"] == "Cheapside"
    assert implied["location_type"] == "transport" and implied["extent"] == "widespread"
    assert implied["seen_at"] == NOW.isoformat() and implied["still_there"] == "yes"


def test_going_back_to_an_implied_answer_asks_it():
    step = run("no", "no", "Racist stickers on the bus stop on Cheapside", "back")
    assert question(step) == "targets"


def test_back_returns_to_the_previous_question_and_forgets_its_answer():
    step = run("no", "no", "text", "hate graffiti", "back")
    assert question(step) == "category"
    assert "category" not in step.state.answers


def test_skip_only_for_optional_questions():
    step = run("no", "no", "skip")
    assert question(step) == "description"
    assert "cannot be skipped" in step.replies[-1].error


def test_invalid_answers_reask_with_a_reason_and_offer_help_after_three():
    step = run("no", "no", "text", "purple")
    assert question(step) == "category"
    assert "not one of the options" in step.replies[-1].error
    step = run("no", "no", "text", "purple", "orange", "green")
    assert "Type help for guidance, or cancel" in step.replies[-1].error


def test_prefilled_slots_are_not_asked_again():
    prefill = {
        "category": "hate_graffiti",
        "location": {"text": "Cheapside", "postcode": None, "lat": None, "lon": None},
    }
    step = run("no", "no", prefill=prefill)
    assert question(step) == "description"
    step = engine.advance(CONCERN, step.state, TextInput("words"), CTX)
    assert question(step) == "targets"


FULL = (
    "no",
    "no",
    "Go home",
    "hate graffiti",
    "race, religion",
    "not sure",
    "skip",
    "Cheapside",
    "bus stop",
    "101",
    "skip",
)


def test_summary_then_edit_then_confirm():
    step = run(*FULL)
    assert isinstance(step.replies[-1], Summary)
    rows = {r.field: r.value for r in step.replies[-1].rows}
    assert rows["targets"] == "Race, ethnicity or nationality, Religion or belief"
    assert rows["marking"] == "OFFICIAL"  # a default, never asked, still shown and editable
    step = engine.advance(CONCERN, step.state, TextInput("edit description"), CTX)
    assert question(step) == "description"
    step = engine.advance(CONCERN, step.state, TextInput("Go home, in red"), CTX)
    assert isinstance(step.replies[-1], Summary)
    step = engine.advance(CONCERN, step.state, CommandInput(Command.CONFIRM), CTX)
    assert step.outcome is Outcome.SUBMIT
    assert step.answers["description"] == "Go home, in red"
    assert step.answers["show_name"] == "no"


def test_editing_an_unknown_field_lists_what_can_be_edited():
    step = run(*FULL, "edit colour")
    assert "There is no field called that" in step.replies[0].text
    assert isinstance(step.replies[-1], Summary)


def test_changing_an_answer_hides_fields_that_no_longer_apply():
    step = run(*FULL, "edit category", "other visual concern")
    summary = step.replies[-1]
    assert isinstance(summary, Summary)
    assert "targets" not in {r.field for r in summary.rows}
    step = engine.advance(CONCERN, step.state, TextInput("confirm"), CTX)
    assert "targets" not in step.answers


def test_confirm_before_everything_is_answered_is_refused():
    step = run("no", "no", "confirm")
    assert question(step) == "description"
    assert "Not everything is answered yet" in step.replies[-1].error


def test_cancel_and_start_over():
    assert run("no", "cancel").outcome is Outcome.CANCELLED
    step = run("no", "no", "text", "hate graffiti", "start over")
    assert question(step) == "danger_now" and step.state.answers == {}


def test_a_stale_button_for_an_earlier_question_is_refused():
    step = run("no", "no")
    step = engine.advance(CONCERN, step.state, ChoiceInput("danger_now", "yes"), CTX)
    assert "earlier question" in step.replies[0].text
    assert step.state.answers["danger_now"] == "no"


def test_a_whole_form_is_validated_field_by_field_and_kept_or_refused_whole():
    state = DialogState("concern", 1, {})
    values = {
        "danger_now": "no",
        "about_person": "no",
        "category": "nonsense",
        "seen_at": "next week",
    }
    step = engine.submit_form(CONCERN, state, values, CTX)
    assert set(step.errors) == {"category", "seen_at"}
    assert step.state.answers == {}
    good = {**values, "category": "hate_sticker", "seen_at": "now"}
    step = engine.advance(CONCERN, state, FormInput("concern", good), CTX)
    assert not step.errors and step.state.answers["category"] == "hate_sticker"
    assert question(step) == "description"  # what the form lacked is finished in chat


def test_state_survives_json_round_trip():
    step = run("no", "no", "text", "hate graffiti")
    again = DialogState.from_json(step.state.to_json())
    assert again == step.state


@pytest.mark.parametrize("form_id", sorted(REGISTRY.forms))
def test_every_form_has_unique_field_names_and_conditions_on_earlier_fields(form_id):
    form = REGISTRY.forms[form_id]
    names = [f.name for f in form.fields]
    assert len(names) == len(set(names))
    for position, spec in enumerate(form.fields):
        if spec.when is not None:
            referenced = _fields_in(spec.when)
            assert referenced <= set(names[:position]), f"{spec.name} depends on a later field"


def _fields_in(condition) -> set[str]:
    if hasattr(condition, "options_from"):
        return set()  # Offered reads the run-time options, not an answer
    if hasattr(condition, "conditions"):
        return set().union(*(_fields_in(c) for c in condition.conditions))
    if hasattr(condition, "condition"):
        return _fields_in(condition.condition)
    return {condition.field}


def test_a_whole_form_that_says_about_a_person_stops_like_chat():
    state = DialogState("concern", 1, {})
    step = engine.submit_form(
        CONCERN,
        state,
        {"danger_now": "no", "about_person": "yes", "category": "hate_graffiti"},
        CTX,
    )
    assert step.outcome is Outcome.STOPPED
    assert "Prevent lead" in step.replies[-1].text


def test_a_whole_form_with_danger_now_still_says_call_999():
    state = DialogState("concern", 1, {})
    step = engine.submit_form(CONCERN, state, {"danger_now": "yes", "about_person": "no"}, CTX)
    assert any(isinstance(r, Say) and "Call 999 now" in r.text for r in step.replies)
    assert question(step) == "cad_reference"


def test_a_yes_no_question_accepts_the_numbers_it_lists():
    asked = run().replies[-1]
    assert isinstance(asked, Ask) and [o.label for o in asked.options] == ["Yes", "No"]
    assert run("2").state.answers == {"danger_now": "no"}
    assert run("١").state.answers == {"danger_now": "yes", "already_reported": "999"}
    refused = run("3")
    assert refused.state.answers == {} and "yes or no" in refused.replies[-1].error


def test_a_suggestion_is_accepted_by_the_number_it_is_listed_with():
    form = REGISTRY.forms["info_request"]
    earlier = form.fields[: form.fields.index(form.field("lawful_basis"))]
    answers = {"risk_to_life": "no", "purpose_type": "asb", "identifiable": "no"}
    answers |= {spec.name: "x" for spec in earlier if spec.name not in answers}
    state = DialogState(form.id, form.version, answers)
    asked = engine.resume(form, state, CTX).replies[-1]
    assert isinstance(asked, Ask) and asked.field == "lawful_basis"
    assert [o.label for o in asked.options] == ["Use the suggestion"]
    step = engine.advance(form, state, TextInput("1"), CTX)
    assert str(step.state.answers["lawful_basis"]).startswith("Depersonalised or aggregate data")


def test_a_superscript_is_not_taken_for_an_option_number():
    step = run("no", "no", "text", "¹")
    assert "category" not in step.state.answers
    assert "not one of the options" in step.replies[-1].error


def test_a_question_names_run_time_lists_or_their_fallback_and_keeps_notes_out_of_answers():
    form = REGISTRY.forms["info_request"]
    earlier = form.fields[: form.fields.index(form.field("lawful_basis"))]
    answers = {"risk_to_life": "no", "purpose_type": "marac", "identifiable": "yes"}
    answers |= {spec.name: "x" for spec in earlier if spec.name not in answers}
    state = DialogState(form.id, form.version, answers)
    lead = FormContext(NOW, {"governance_lead": (Option("a@b", "Ann Lead (a@b)"),)})
    asked = engine.resume(form, state, lead).replies[-1]
    assert "If unsure, ask Ann Lead (a@b) about information governance" in asked.prompt
    assert "or your organisation's Prevent lead about Prevent or Channel" in asked.prompt
    assert "Ann Lead (a@b)" in asked.help
    assert "{" not in engine.resume(form, state, CTX).replies[-1].prompt
    step = engine.advance(form, state, TextInput("ok"), lead)
    assert step.state.answers["lawful_basis"] == (
        "Crime and Disorder Act 1998 s115 + UK GDPR Art 6(1)(e)"
    )
