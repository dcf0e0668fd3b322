"""The lawful-basis helper: a short question tree that suggests a basis for a request.

It suggests; it never decides. The data owner decides whether to share and on what basis. Each
suggestion gives the exact citation (what is recorded) and what it means in plain words and when
it applies; the question always carries the caveat, naming the person's own leads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dialogs.form import Suggestion
from dialogs.messages import JsonValue

GOVERNANCE_LEAD = "governance_lead"
"""The run-time list naming the requester's information-governance lead(s)."""
PREVENT_LEAD = "prevent_lead"
"""The run-time list naming the requester's Prevent lead(s)."""
NO_GOVERNANCE_LEAD = "your information governance lead"
NO_PREVENT_LEAD = "your organisation's Prevent lead"

OWNER_DECIDES = (
    "Guidance only. The data owner decides whether to share and on what basis; s115 and "
    "Schedule 2 create no duty to disclose."
)
CAVEAT = f"{OWNER_DECIDES} Ask your information governance lead if unsure."
CAVEAT_NAMED = (
    f"{OWNER_DECIDES} If unsure, ask {{{GOVERNANCE_LEAD}}} about information governance, or "
    f"{{{PREVENT_LEAD}}} about Prevent or Channel."
)
"""The caveat as the question shows it: the person's own leads named from the directory."""

EMERGENCY = (
    "If there is a risk to life or of serious harm now, phone the partner or call 999 rather than "
    "waiting for a reply here. Emergency sharing can be justified; record it here afterwards."
)

NO_AGREEMENT = (
    "One-off sharing: the data owner's decision will be recorded. Consider a DPIA, and ask "
    f"{{{GOVERNANCE_LEAD}}} about it."
)


@dataclass(frozen=True)
class Basis:
    """A lawful basis: its exact citation, what it means in plain words, and when it applies."""

    citation: str
    meaning: str
    applies: str

    def suggestion(self) -> Suggestion:
        """The suggestion the form offers: the citation is the answer; the rest explains it."""
        return Suggestion(
            self.citation, f"In plain words: {self.meaning}\nWhen it applies: {self.applies}"
        )


PUBLIC_TASK = (
    "the disclosing body may share because it is part of its public job (UK GDPR Art 6(1)(e))"
)
CRIME = Basis(
    "UK GDPR Art 6(1)(e) + DPA 2018 Sch 2 Part 1 para 2",
    f"{PUBLIC_TASK}; the usual rights of the person may be set aside so as not to harm the "
    "prevention or detection of crime.",
    "police or another enforcement body needs it for a crime purpose, and telling the person "
    "would prejudice that purpose.",
)
CRIME_TOLD = Basis(
    "UK GDPR Art 6(1)(e) (the subject can be told; Sch 2 para 2 does not apply)",
    f"{PUBLIC_TASK}; the person can be told in the usual way.",
    "information is needed for a crime purpose and telling the person would not harm it.",
)
DISORDER = Basis(
    "Crime and Disorder Act 1998 s115 + UK GDPR Art 6(1)(e)",
    "the Act allows (but never obliges) partners to share with each other to reduce crime, "
    "disorder and anti-social behaviour.",
    "a partnership case about crime, disorder or anti-social behaviour (including MARAC).",
)
CHILD = Basis(
    "UK GDPR Art 6(1)(e)/(c) via the Children Acts 1989/2004 + DPA 2018 Sch 1 para 18",
    "the Children Acts give councils and partners duties to protect children; sharing to "
    "safeguard a child is allowed, including sensitive information.",
    "a child is, or may be, at risk of harm.",
)
ADULT = Basis(
    "Care Act 2014 s42/s45 + UK GDPR Art 6(1)(e) + DPA 2018 Sch 1 para 18",
    "the Care Act lets the council make, and ask partners to help with, enquiries about an "
    "adult at risk of abuse or neglect.",
    "an adult with care and support needs is at risk of abuse or neglect.",
)
PREVENT = Basis(
    "Counter-Terrorism and Security Act 2015 s26/s38 + UK GDPR Art 6(1)(e) + DPA 2018 Sch 1 "
    "para 10/18",
    "the Prevent duty requires partners to help stop people being drawn into terrorism; "
    "partners must cooperate with Channel panels.",
    "a Prevent concern or a Channel panel case about someone at risk of radicalisation.",
)
ANALYSIS = Basis(
    "Crime and Disorder Act 1998 s17A/s115 (depersonalised or aggregate data)",
    "partners may share figures that identify nobody to plan how to reduce crime and disorder.",
    "partnership analysis or planning with data about no identifiable person.",
)
DEPERSONALISED = Basis(
    "Depersonalised or aggregate data under the protocol: Crime and Disorder Act 1998 s17A/s115",
    ANALYSIS.meaning,
    "the information identifies nobody, so personal-data rules do not apply to it.",
)

BY_PURPOSE: dict[str, Basis] = {
    "crime_prevention": CRIME,
    "prosecution": CRIME,
    "asb": DISORDER,
    "marac": DISORDER,
    "child_safeguarding": CHILD,
    "adult_at_risk": ADULT,
    "prevent_channel": PREVENT,
    "analysis": ANALYSIS,
}

SPECIAL_DATA = " + DPA 2018 Sch 1 para 10 (criminal or special-category data)"
SPECIAL_MEANING = (
    " Health, ethnicity, religion, sexuality or criminal-offence data also need the DPA 2018 "
    "Schedule 1 condition for preventing or detecting unlawful acts."
)


def basis_for(answers: Mapping[str, JsonValue]) -> Basis | None:
    """The lawful basis the question tree points to, or None if too little is known."""
    if answers.get("identifiable") == "no":
        return DEPERSONALISED
    purpose = answers.get("purpose_type")
    if not isinstance(purpose, str) or purpose not in BY_PURPOSE:
        return None
    basis = BY_PURPOSE[purpose]
    if basis is CRIME and answers.get("prejudice") == "no":
        basis = CRIME_TOLD
    sensitive = answers.get("special_category") in ("yes", "unsure")
    if sensitive and "para 10" not in basis.citation and "para 18" not in basis.citation:
        basis = Basis(basis.citation + SPECIAL_DATA, basis.meaning + SPECIAL_MEANING, basis.applies)
    return basis


def suggest_basis(answers: Mapping[str, JsonValue]) -> Suggestion | None:
    """The suggested lawful basis for the answers so far, explained, or None if too little is
    known."""
    basis = basis_for(answers)
    return basis.suggestion() if basis else None
