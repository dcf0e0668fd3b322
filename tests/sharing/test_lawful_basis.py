"""The lawful-basis helper suggests from the question tree, explains each suggestion in plain
words, and never decides."""

from __future__ import annotations

import pytest

from bot.sharing.forms import FORM
from bot.sharing.lawful_basis import OWNER_DECIDES, suggest_basis


@pytest.mark.parametrize(
    ("answers", "citation", "plain"),
    [
        (
            {"identifiable": "no"},
            "Depersonalised or aggregate data under the protocol: Crime and Disorder Act 1998 "
            "s17A/s115",
            "identifies nobody",
        ),
        (
            {"identifiable": "yes", "purpose_type": "crime_prevention", "prejudice": "yes"},
            "UK GDPR Art 6(1)(e) + DPA 2018 Sch 2 Part 1 para 2",
            "telling the person would prejudice",
        ),
        (
            {"identifiable": "yes", "purpose_type": "crime_prevention", "prejudice": "no"},
            "UK GDPR Art 6(1)(e) (the subject can be told; Sch 2 para 2 does not apply)",
            "the person can be told",
        ),
        (
            {"identifiable": "yes", "purpose_type": "asb", "special_category": "yes"},
            "Crime and Disorder Act 1998 s115 + UK GDPR Art 6(1)(e) + DPA 2018 Sch 1 para 10 "
            "(criminal or special-category data)",
            "criminal-offence data also need",
        ),
        (
            {"identifiable": "yes", "purpose_type": "marac"},
            "Crime and Disorder Act 1998 s115 + UK GDPR Art 6(1)(e)",
            "allows (but never obliges) partners to share",
        ),
        (
            {"identifiable": "yes", "purpose_type": "child_safeguarding"},
            "UK GDPR Art 6(1)(e)/(c) via the Children Acts 1989/2004 + DPA 2018 Sch 1 para 18",
            "a child is, or may be, at risk of harm",
        ),
        (
            {"identifiable": "yes", "purpose_type": "adult_at_risk", "special_category": "yes"},
            "Care Act 2014 s42/s45 + UK GDPR Art 6(1)(e) + DPA 2018 Sch 1 para 18",
            "adult at risk of abuse or neglect",
        ),
        (
            {"identifiable": "yes", "purpose_type": "prevent_channel"},
            "Counter-Terrorism and Security Act 2015 s26/s38 + UK GDPR Art 6(1)(e) + DPA 2018 "
            "Sch 1 para 10/18",
            "drawn into terrorism",
        ),
        (
            {"identifiable": "yes", "purpose_type": "analysis"},
            "Crime and Disorder Act 1998 s17A/s115 (depersonalised or aggregate data)",
            "figures that identify nobody",
        ),
    ],
)
def test_each_suggestion_is_the_exact_citation_with_its_meaning_and_when_it_applies(
    answers, citation, plain
):
    suggestion = suggest_basis(answers)
    assert suggestion.answer == citation  # what is recorded when accepted: the citation alone
    meaning, applies = suggestion.note.split("\n")
    assert meaning.startswith("In plain words: ") and applies.startswith("When it applies: ")
    assert plain in suggestion.note


def test_no_suggestion_without_a_purpose():
    assert suggest_basis({"identifiable": "yes"}) is None


def test_the_question_always_carries_the_caveat():
    field = FORM.field("lawful_basis")
    assert OWNER_DECIDES in field.prompt and OWNER_DECIDES in field.help
    assert "s115 and Schedule 2 create no duty to disclose" in OWNER_DECIDES
