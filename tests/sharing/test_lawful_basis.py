"""The lawful-basis helper suggests from the question tree; it never decides."""

from __future__ import annotations

import pytest

from bot.sharing.forms import FORM
from bot.sharing.lawful_basis import CAVEAT, suggest_basis


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"identifiable": "no"}, "s17A/s115"),
        (
            {"identifiable": "yes", "purpose_type": "crime_prevention", "prejudice": "yes"},
            "Sch 2 Part 1 para 2",
        ),
        (
            {"identifiable": "yes", "purpose_type": "crime_prevention", "prejudice": "no"},
            "Sch 2 para 2 does not apply",
        ),
        (
            {"identifiable": "yes", "purpose_type": "asb", "special_category": "yes"},
            "s115 + UK GDPR Art 6(1)(e) + DPA 2018 Sch 1 para 10",
        ),
        ({"identifiable": "yes", "purpose_type": "child_safeguarding"}, "Children Acts 1989/2004"),
        ({"identifiable": "yes", "purpose_type": "adult_at_risk"}, "Care Act 2014 s42/s45"),
        (
            {"identifiable": "yes", "purpose_type": "prevent_channel"},
            "Counter-Terrorism and Security Act 2015",
        ),
    ],
)
def test_suggestions_follow_the_tree(answers, expected):
    assert expected in suggest_basis(answers)


def test_no_suggestion_without_a_purpose():
    assert suggest_basis({"identifiable": "yes"}) is None


def test_the_question_always_carries_the_caveat():
    assert CAVEAT in FORM.field("lawful_basis").prompt
