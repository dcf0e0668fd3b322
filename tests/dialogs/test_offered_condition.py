"""A question asked only when the caller has options for it (the `Offered` condition)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from dialogs import engine
from dialogs.engine import DialogState, FormContext
from dialogs.form import Field, FieldKind, FormDefinition, Not, Offered
from dialogs.messages import Ask, Option, Summary, TextInput

NOW = datetime(2026, 11, 23, 10, 30, tzinfo=ZoneInfo("Europe/London"))
FORM = FormDefinition(
    id="offered",
    version=1,
    title="Offered",
    intro="Hello.",
    fields=(
        Field("topic", "Topic", FieldKind.TEXT, "What about?"),
        Field(
            "signer",
            "Signer",
            FieldKind.CHOICE,
            "Who signs it?",
            options_from="signers",
            when=Offered("signers"),
        ),
    ),
)
SIGNERS = FormContext(NOW, {"signers": (Option("7", "Avery"),)})
NOBODY = FormContext(NOW, {"signers": ()})


def test_the_question_is_asked_only_when_its_list_has_options():
    step = engine.advance(FORM, engine.start(FORM, SIGNERS).state, TextInput("rota"), SIGNERS)
    assert isinstance(step.replies[-1], Ask) and step.replies[-1].field == "signer"
    step = engine.advance(FORM, step.state, TextInput("Avery"), SIGNERS)
    assert isinstance(step.replies[-1], Summary)
    assert [r.field for r in step.replies[-1].rows] == ["topic", "signer"]

    step = engine.advance(FORM, engine.start(FORM, NOBODY).state, TextInput("rota"), NOBODY)
    assert isinstance(step.replies[-1], Summary)
    assert [r.field for r in step.replies[-1].rows] == ["topic"]


def test_an_answer_for_a_list_that_is_now_empty_is_dropped_at_confirm():
    state = DialogState("offered", 1, {"topic": "rota", "signer": "7"})
    assert engine.completed_answers(FORM, state.answers, SIGNERS.options) == {
        "topic": "rota",
        "signer": "7",
    }
    assert engine.completed_answers(FORM, state.answers, NOBODY.options) == {"topic": "rota"}


def test_a_whole_form_naming_a_question_not_offered_is_refused():
    state = engine.start(FORM, NOBODY).state
    step = engine.submit_form(FORM, state, {"topic": "rota", "signer": "7"}, NOBODY)
    assert step.errors == {"signer": engine.NOT_OFFERED}


def test_offered_composes_with_not():
    assert Not(Offered("signers")).holds({}, NOBODY.options)
    assert not Not(Offered("signers")).holds({}, SIGNERS.options)
