"""What a conversation offers: submitted data may answer only the fields and choices on offer
now, the record a button opened a form about cannot be changed, and forms say who starts them."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.app import REGISTRY
from bot.directory import forms as organisation
from bot.prevent import action_forms as concern_actions
from bot.sharing import action_forms as request_actions
from dialogs import engine
from dialogs.engine import NOT_OFFERED, DialogState, FormContext
from dialogs.form import Starter
from dialogs.messages import Ask, ChoiceInput, Command, CommandInput, Option, Summary, TextInput
from tests.conversation.test_conversations import REQUEST_ANSWERS

NOW = datetime(2026, 11, 23, 10, 30, tzinfo=ZoneInfo("Europe/London"))
CTX = FormContext(NOW)
DECISION = REGISTRY.forms[request_actions.DECISION]
CONCERN = REGISTRY.forms["concern"]
OPENED = {"reference": "IR-2026-0001", "decision": request_actions.APPROVED, "position": "DPO"}


def decision_at_reasons() -> DialogState:
    """The decision form as the Approve button opens it: the request filled in, reasons asked."""
    step = engine.start(DECISION, CTX, OPENED)
    assert step.replies[-1].field == "reasons"
    return step.state


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"reasons": "Needed", "reference": "IR-2026-0099"}, ("reference",)),
        ({"reasons": "Needed", "decision": request_actions.PARTIALLY_APPROVED}, ("decision",)),
        ({"reasons": "Needed", "withheld": "Names"}, ("withheld",)),
        ({"reasons": "Needed", "uphold": "yes"}, ("uphold",)),
        ({"shared": "A summary", "route": "carrier_pigeon"}, ("route",)),
    ],
)
def test_a_whole_form_refuses_fields_it_does_not_offer_and_keeps_nothing(values, named):
    state = decision_at_reasons()
    assert engine.unoffered(DECISION, state, values, CTX) == named
    step = engine.submit_form(DECISION, state, values, CTX)
    assert step.state == state
    assert {name: step.errors[name] for name in named} == dict.fromkeys(named, NOT_OFFERED)


def test_a_whole_form_refuses_choices_it_does_not_offer():
    start = engine.start(CONCERN, CTX).state
    offered = {"danger_now": "no", "category": "hate_graffiti", "targets": ["race", "religion"]}
    assert engine.unoffered(CONCERN, start, offered, CTX) == ()
    assert engine.unoffered(CONCERN, start, {**offered, "targets": "race,religion"}, CTX) == ()
    assert engine.unoffered(CONCERN, start, {"danger_now": ""}, CTX) == ()  # left blank
    for forged in (
        {"danger_now": "perhaps"},
        {"category": ["hate_graffiti"]},
        {"category": "Hate graffiti"},  # a label is typed, never sent by a form
        {"category": "hate_graffiti", "targets": ["race", "everyone"]},
        {"photos": "photo.jpg"},
    ):
        assert engine.unoffered(CONCERN, start, forged, CTX) == tuple(forged)[-1:]


def test_a_field_hidden_by_the_answers_submitted_with_it_is_not_offered():
    start = engine.start(CONCERN, CTX).state
    hidden = {"danger_now": "no", "cad_reference": "CAD 123"}
    shown = {"danger_now": "yes", "cad_reference": "CAD 123"}
    assert engine.unoffered(CONCERN, start, hidden, CTX) == ("cad_reference",)
    assert engine.unoffered(CONCERN, start, shown, CTX) == ()


def test_the_record_a_button_opened_cannot_be_edited_or_started_over():
    state = decision_at_reasons()
    edit = engine.advance(DECISION, state, CommandInput(Command.EDIT, "request"), CTX)
    assert "There is no field called that" in edit.replies[0].text
    assert "request" not in edit.replies[0].text.split("You can edit:")[1]
    assert engine.find_field(DECISION, state.answers, "reference") is None
    again = engine.advance(DECISION, state, TextInput("start over"), CTX)
    assert again.state.answers == {"reference": "IR-2026-0001"}
    assert again.replies[-1].field == "reasons"


def test_a_button_must_name_a_field_of_the_form_and_a_choice_on_offer():
    state = engine.start(CONCERN, CTX).state
    assert engine.choice_offered(CONCERN, state, ChoiceInput("danger_now", "no"), CTX)
    assert engine.choice_offered(CONCERN, state, ChoiceInput("danger_now", ""), CTX)
    assert not engine.choice_offered(CONCERN, state, ChoiceInput("danger_now", "maybe"), CTX)
    assert not engine.choice_offered(CONCERN, state, ChoiceInput("organisation", "HOUSING"), CTX)
    # A button of a later (or earlier) question is out of date, not forged: advance says so.
    assert engine.choice_offered(CONCERN, state, ChoiceInput("extent", "single"), CTX)
    decision = decision_at_reasons()
    forged = ChoiceInput("reference", "IR-2026-0099")
    assert not engine.choice_offered(DECISION, decision, forged, CTX)


def test_the_suggestion_button_is_the_choice_on_offer_where_a_suggestion_is_made():
    form = REGISTRY.forms["info_request"]
    ctx = FormContext(NOW, {"partners": (Option("CITYPOL", "City Police"),)})
    step = engine.start(form, ctx)
    for line in (*REQUEST_ANSWERS, "City Police", "skip", "no", "Needed for the panel", "yes"):
        step = engine.advance(form, step.state, TextInput(line), ctx)
    asked = step.replies[-1]
    assert isinstance(asked, Ask) and asked.field == "lawful_basis"
    assert [o.value for o in asked.options] == ["ok"]
    assert engine.choice_offered(form, step.state, ChoiceInput("lawful_basis", "ok"), ctx)
    assert not engine.choice_offered(form, step.state, ChoiceInput("lawful_basis", "x"), ctx)


def test_only_the_hub_starts_the_newcomer_question_and_the_forms_behind_buttons():
    by_hub = {form.id for form in REGISTRY.forms.values() if form.started_by is Starter.HUB}
    assert by_hub == {
        organisation.FORM_ID,
        *(f.id for f in request_actions.FORMS),
        *(
            f.id
            for f in concern_actions.FORMS
            if f.id not in (concern_actions.TENSION, concern_actions.TRIGGER)
        ),
    }
    for form_id in by_hub - {organisation.FORM_ID}:
        reference = REGISTRY.forms[form_id].field("reference")
        assert reference is not None and reference.locked and not reference.ask, form_id
    for form in REGISTRY.forms.values():
        assert all(not f.ask for f in form.fields if f.locked), form.id


def test_the_locked_record_stays_in_the_summary_without_an_edit_button():
    state = decision_at_reasons()
    step = engine.submit_form(DECISION, state, {"reasons": "Needed", "shared": "Summary"}, CTX)
    step = engine.advance(DECISION, step.state, TextInput("skip"), CTX)
    summary = step.replies[-1]
    assert isinstance(summary, Summary)
    assert (summary.rows[0].field, summary.rows[0].value) == ("reference", "IR-2026-0001")
    assert [row.field for row in summary.rows if not row.editable] == ["reference"]
