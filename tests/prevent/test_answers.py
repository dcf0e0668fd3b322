"""Each Prevent form's answers read into a typed value; an unknown or missing answer is refused."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.checks import Allowed, Refused
from bot.prevent.action_forms import Referral, Remover
from bot.prevent.answers import (
    CannotRemoveAnswers,
    ConcernReport,
    NotOursAnswers,
    PriorityAnswers,
    ReferAnswers,
    RemovalAnswers,
    RemovedAnswers,
    TensionAnswers,
)
from bot.prevent.triage import Priority
from tests.conftest import concern_answers

REF = "CN-2026-0001"


def test_a_confirmed_report_reads_into_its_typed_value():
    read = ConcernReport.read(
        concern_answers(
            photos=[
                {
                    "file_id": "F1",
                    "name": "wall.jpg",
                    "size": "2048",
                    "mime_type": "image/jpeg",
                    "sha256": "ab",
                }
            ]
        )
    )
    assert isinstance(read, Allowed)
    report = read.value
    assert (report.category, report.location_type, report.marking) == (
        "hate_graffiti",
        "wall_bridge",
        "official",
    )
    assert report.seen_at == datetime(2026, 11, 23, 8, 30, tzinfo=UTC)
    assert [(p.name, p.size) for p in report.photos] == [("wall.jpg", 2048)]


def test_an_unknown_choice_is_refused_not_passed_on():
    for changes in (
        {"category": "graffiti_of_some_kind"},
        {"location_type": "moon"},
        {"marking": "secret"},
        {"location": "Cheapside"},
        {"photos": "wall.jpg"},
        {"seen_at": "yesterday-ish"},
    ):
        assert isinstance(ConcernReport.read(concern_answers(**changes)), Refused), changes
    refused = ReferAnswers.read({"reference": REF, "referred_to": "mi5"})
    assert refused == Refused("I can't use the answer for 'referred_to'; nothing was changed.")
    assert isinstance(RemovalAnswers.read({"reference": REF, "remover": "HOUSING"}), Refused)
    assert isinstance(
        PriorityAnswers.read({"reference": REF, "priority": "P9", "reason": "x"}), Refused
    )
    assert isinstance(
        TensionAnswers.read({"area": {"text": "Cheapside"}, "days": "a week", "reason": "x"}),
        Refused,
    )


def test_action_answers_are_typed():
    refer = ReferAnswers.read(
        {"reference": REF, "referred_to": "police_101", "referral_reference": None}
    )
    assert refer == Allowed(ReferAnswers(REF, Referral.POLICE_101, None))
    removal = RemovalAnswers.read({"reference": REF, "remover": "STREET", "note": None})
    assert removal == Allowed(RemovalAnswers(REF, Remover.STREET_ENFORCEMENT, ""))
    priority = PriorityAnswers.read({"reference": REF, "priority": "P1", "reason": "the march"})
    assert priority == Allowed(PriorityAnswers(REF, Priority.P1, "the march"))


def test_the_removers_answers_read_into_typed_values():
    assert RemovedAnswers.read({"reference": REF}) == Allowed(RemovedAnswers(REF, ""))
    assert CannotRemoveAnswers.read({"reference": REF, "reason": "Private wall"}) == Allowed(
        CannotRemoveAnswers(REF, "Private wall")
    )
    assert isinstance(CannotRemoveAnswers.read({"reference": REF}), Refused)  # a reason is needed
    assert NotOursAnswers.read({"reference": REF, "remover": "cleansing"}) == Allowed(
        NotOursAnswers(REF, Remover.CLEANSING)
    )
    assert isinstance(NotOursAnswers.read({"reference": REF, "remover": "HOUSING"}), Refused)
