"""Free text outside a conversation: which form starts, with what already filled in."""

from __future__ import annotations

import pytest

from bot.app import REGISTRY
from bot.conversation import routing
from bot.core.intents import HELP, STATUS, AskQuery, Intent, StartForm
from bot.prevent.queries import Question as Prevent
from bot.recommendations.queries import Question as Register


def route(text: str) -> Intent | None:
    """The composed hub's routing: the generic words, then every domain's rules in order."""
    return routing.route(REGISTRY.intents, text)


@pytest.mark.parametrize(
    ("text", "prefill"),
    [
        (
            "there's racist graffiti on the bus stop on Cheapside",
            {
                "category": "hate_graffiti",
                "targets": ["race"],
                "location_type": "transport",
                "location": "Cheapside",
            },
        ),
        (
            "I want to report hateful stickers on London Wall",
            {"category": "hate_sticker", "location_type": "wall_bridge", "location": "London Wall"},
        ),
        (
            "swastika sprayed near EC2V 6AA",
            {"category": "extremist_symbol", "location": "EC2V 6AA"},
        ),
        (
            "antisemitic posters outside the synagogue",
            {
                "category": "hate_sticker",
                "targets": ["religion"],
                "location_type": "place_of_worship",
            },
        ),
        ("report", {}),
    ],
)
def test_reports_start_the_concern_form_with_what_was_recognised(text, prefill):
    intent = route(text)
    assert isinstance(intent, StartForm) and intent.form_id == "concern"
    found = dict(intent.prefill)
    if "location" in found:
        found["location"] = found["location"]["text"]
    said = {"description": text} if prefill else {}  # a sentence that says what is the description
    assert found == {**prefill, **said}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("status CN-2026-0001", AskQuery(STATUS, "CN-2026-0001")),
        ("what's the status of ir-2026-0007?", AskQuery(STATUS, "IR-2026-0007")),
        ("my actions", AskQuery(Register.MY_ACTIONS)),
        ("my reports", AskQuery(Prevent.MY_REPORTS)),
        ("help", AskQuery(HELP)),
        ("request information", StartForm("info_request")),
        ("I need data from the police", StartForm("info_request")),
        ("update an action", StartForm("recommendation_update")),
    ],
)
def test_questions_and_other_forms(text, expected):
    assert route(text) == expected


def test_unclear_text_is_not_guessed():
    assert route("good morning, how is the weather") is None


def test_references_typed_with_digits_of_other_scripts_are_read_as_ascii():
    assert route("status IR-٢٠٢٦-٠٠٠١") == AskQuery(STATUS, "IR-2026-0001")
    assert route("update vul-１８") == StartForm(
        "recommendation_update", {"recommendation": "VUL-18"}
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("status VUL-18", AskQuery(STATUS, "VUL-18")),
        (
            "update elevated tension AB-12",
            StartForm("recommendation_update", {"recommendation": "AB-12"}),
        ),
        ("my reports about elevated tension", AskQuery(Prevent.MY_REPORTS)),
        ("actions for Housing", AskQuery(Register.ACTIONS_FOR, "Housing")),
        ("trigger event my requests", StartForm("trigger_event")),
        ("update the action about graffiti", StartForm("recommendation_update")),
        ("report data sharing", StartForm("concern")),
    ],
)
def test_domain_rules_keep_their_precedence(text, expected):
    """Register commands, then 'my ...', then Prevent's questions, then the topic words (a pair
    before one word, a report before a request)."""
    assert route(text) == expected
