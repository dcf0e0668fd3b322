"""The lawful-basis helper: a short question tree that suggests a basis for a request.

It suggests; it never decides. The data owner decides whether to share and on what basis.
"""

from __future__ import annotations

from collections.abc import Mapping

from dialogs.messages import JsonValue

CAVEAT = (
    "Guidance only. The data owner decides whether to share and on what basis; s115 and "
    "Schedule 2 create no duty to disclose. Ask your information governance lead if unsure."
)

EMERGENCY = (
    "If there is a risk to life or of serious harm now, phone the partner or call 999 rather than "
    "waiting for a reply here. Emergency sharing can be justified; record it here afterwards."
)

NO_AGREEMENT = "One-off sharing: the data owner's decision will be recorded. Consider a DPIA."

SPECIAL_DATA = " + DPA 2018 Sch 1 para 10 (criminal or special-category data)"

BY_PURPOSE: dict[str, str] = {
    "crime_prevention": "UK GDPR Art 6(1)(e) + DPA 2018 Sch 2 Part 1 para 2",
    "prosecution": "UK GDPR Art 6(1)(e) + DPA 2018 Sch 2 Part 1 para 2",
    "asb": "Crime and Disorder Act 1998 s115 + UK GDPR Art 6(1)(e)",
    "marac": "Crime and Disorder Act 1998 s115 + UK GDPR Art 6(1)(e)",
    "child_safeguarding": (
        "UK GDPR Art 6(1)(e)/(c) via the Children Acts 1989/2004 + DPA 2018 Sch 1 para 18"
    ),
    "adult_at_risk": "Care Act 2014 s42/s45 + UK GDPR Art 6(1)(e) + DPA 2018 Sch 1 para 18",
    "prevent_channel": (
        "Counter-Terrorism and Security Act 2015 s26/s38 + UK GDPR Art 6(1)(e) + DPA 2018 Sch 1 "
        "para 10/18"
    ),
    "analysis": "Crime and Disorder Act 1998 s17A/s115 (depersonalised or aggregate data)",
}


def suggest_basis(answers: Mapping[str, JsonValue]) -> str | None:
    """The suggested lawful basis for the answers given so far, or None if too little is known."""
    if answers.get("identifiable") == "no":
        return (
            "Depersonalised or aggregate data under the protocol: Crime and Disorder Act 1998 "
            "s17A/s115"
        )
    purpose = answers.get("purpose_type")
    if not isinstance(purpose, str) or purpose not in BY_PURPOSE:
        return None
    basis = BY_PURPOSE[purpose]
    if purpose in ("crime_prevention", "prosecution") and answers.get("prejudice") == "no":
        basis = "UK GDPR Art 6(1)(e) (the subject can be told; Sch 2 para 2 does not apply)"
    sensitive = answers.get("special_category") in ("yes", "unsure")
    if sensitive and "para 10" not in basis and "para 18" not in basis:
        basis += SPECIAL_DATA
    return basis
