"""The information request: what to ask, of whom, under which law, with the lawful-basis helper."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from bot.sharing.lawful_basis import (
    CAVEAT_NAMED,
    EMERGENCY,
    GOVERNANCE_LEAD,
    NO_AGREEMENT,
    NO_GOVERNANCE_LEAD,
    NO_PREVENT_LEAD,
    PREVENT_LEAD,
    suggest_basis,
)
from dialogs.form import Advice, Eq, Field, FieldKind, FormDefinition, Offered
from dialogs.messages import JsonValue, Option

FORM_ID = "info_request"
NO_AGREEMENT_VALUE = "none"
URGENT = "urgent_safeguarding"
HOLDINGS = "partner_holdings"
"""The run-time words saying what each suggested partner holds."""
AGREEMENT_NOTES = "agreement_notes"
"""The run-time words saying which of the owner's agreements are not offered, and why."""
LEADS = ((GOVERNANCE_LEAD, NO_GOVERNANCE_LEAD), (PREVENT_LEAD, NO_PREVENT_LEAD))
AUTHORISERS = "authorisers"
"""Run-time options: the requester's organisation's authorisers, when the partner needs one."""
NO_AUTHORISER = "authoriser_missing"
"""Run-time options: the chosen partner, when it needs an authoriser and nobody is set up."""
NO_AUTHORISER_ADVICE = (
    "{authoriser_missing} needs each request authorised by someone in your own organisation, "
    "and nobody in your organisation is set up as an authoriser yet, so this request cannot be "
    "sent. Please ask the partnership coordinator to set one up. Say edit data owner to choose "
    "another partner, or cancel."
)

PURPOSES: tuple[Option, ...] = (
    Option("crime_prevention", "Prevent or detect crime"),
    Option("prosecution", "Apprehend or prosecute offenders"),
    Option("asb", "Anti-social behaviour case"),
    Option("child_safeguarding", "Safeguarding a child"),
    Option("adult_at_risk", "Adult at risk"),
    Option("prevent_channel", "Prevent / Channel"),
    Option("marac", "MARAC / domestic abuse risk"),
    Option("analysis", "Partnership analysis (depersonalised data)"),
)

FORM = FormDefinition(
    id=FORM_ID,
    version=1,
    title="Information request",
    intro=(
        "Let's prepare an information request. I'll help you ask the right partner under the "
        "right law. Say cancel at any time."
    ),
    fields=(
        Field(
            "risk_to_life",
            "Risk to life now",
            FieldKind.YES_NO,
            "Is there a risk to life or of serious harm right now?",
            advice=(Advice(Eq("risk_to_life", "yes"), EMERGENCY),),
        ),
        Field(
            "purpose_type",
            "Purpose",
            FieldKind.CHOICE,
            "What is the information for?",
            options=PURPOSES,
        ),
        Field(
            "purpose",
            "Purpose details",
            FieldKind.TEXT,
            "In a sentence or two, what is the case and what will the information be used for?",
            max_length=1000,
        ),
        Field(
            "identifiable",
            "About identifiable people",
            FieldKind.YES_NO,
            "Is the information about identifiable people?",
            help="If not, depersonalised or aggregate data can usually be shared under the protocol.",
        ),
        Field(
            "people_count",
            "How many people",
            FieldKind.NUMBER,
            "About how many people?",
            min_value=1,
            max_value=10000,
            when=Eq("identifiable", "yes"),
        ),
        Field(
            "vulnerability",
            "Child or adult at risk",
            FieldKind.CHOICE,
            "Is a child or an adult at risk involved?",
            options=(
                Option("child", "A child"),
                Option("adult", "An adult at risk"),
                Option("neither", "Neither"),
            ),
            when=Eq("identifiable", "yes"),
        ),
        Field(
            "data_wanted",
            "Data wanted",
            FieldKind.TEXT,
            "Exactly what information do you need? Fewer fields are easier to approve.",
            max_length=1000,
        ),
        Field(
            "date_range",
            "Date range",
            FieldKind.TEXT,
            "What date range does it cover? (for example 'since 1 March 2026')",
            max_length=200,
        ),
        Field(
            "partner",
            "Data owner",
            FieldKind.CHOICE,
            f"Which partner holds it? Suggested partners come first.{{{HOLDINGS}}}",
            options_from="partners",
            help="Partners are suggested from what each says it holds (its data catalogue). "
            "Not sure? Pick the likeliest: the data owner can redirect the request.",
            fills=((HOLDINGS, ""),),
        ),
        Field(
            "case_references",
            "Case references",
            FieldKind.TEXT,
            "Any case or crime references? Say skip if none.",
            required=False,
            max_length=200,
        ),
        Field(
            "special_category",
            "Special-category or criminal data",
            FieldKind.YES_NO_UNSURE,
            "Does it include health, ethnicity, religion, sexuality or criminal-offence data?",
            # Said here, the first required answer after the partner's: run-time options are
            # worked out from the answers given before a turn, so this one knows the partner.
            advice=(
                Advice(
                    Offered(NO_AUTHORISER),
                    NO_AUTHORISER_ADVICE,
                    fallbacks=((NO_AUTHORISER, "This partner"),),
                ),
            ),
        ),
        Field(
            "necessity",
            "Why necessary",
            FieldKind.TEXT,
            "Why is it necessary, what happens if it is not shared, and could less or "
            "depersonalised data do?",
            max_length=1000,
        ),
        Field(
            "prejudice",
            "Telling the subject would prejudice",
            FieldKind.YES_NO_UNSURE,
            "Would telling the person about this request prejudice its purpose?",
            when=Eq("identifiable", "yes"),
        ),
        Field(
            "lawful_basis",
            "Lawful basis",
            FieldKind.TEXT,
            f"Which lawful basis do you rely on? {CAVEAT_NAMED}",
            max_length=300,
            suggest=suggest_basis,
            help=f"The suggestion follows your answers; you may type another basis. {CAVEAT_NAMED}",
            fills=LEADS,
        ),
        Field(
            "agreement",
            "Sharing agreement",
            FieldKind.CHOICE,
            f"Which sharing agreement covers it?{{{AGREEMENT_NOTES}}}",
            options=(Option(NO_AGREEMENT_VALUE, "No agreement covers it (one-off sharing)"),),
            options_from="agreements",
            help="Only agreements the data owner is a party to, that cover your purpose and are "
            "not past their review date are offered. If none fits, record one-off sharing.",
            advice=(Advice(Eq("agreement", NO_AGREEMENT_VALUE), NO_AGREEMENT, fallbacks=LEADS),),
            fills=((AGREEMENT_NOTES, ""),),
        ),
        Field(
            "dpia",
            "DPIA reference",
            FieldKind.TEXT,
            "With no agreement, has a data protection impact assessment (DPIA) been done? Give "
            "its reference, or say skip if none.",
            required=False,
            max_length=100,
            when=Eq("agreement", NO_AGREEMENT_VALUE),
        ),
        Field(
            "urgency",
            "Urgency",
            FieldKind.CHOICE,
            "How urgent is it?",
            options=(
                Option("routine", "Routine"),
                Option(URGENT, "Urgent safeguarding"),
            ),
            help="A risk to life is never routed through the bot: phone or call 999.",
        ),
        Field(
            "needed_by",
            "Needed by",
            FieldKind.DATE,
            "By what date do you need it?",
            future_only=True,
        ),
        Field(
            "delivery",
            "Delivery method",
            FieldKind.CHOICE,
            "How should it be sent?",
            options=(
                Option("secure_email", "Secure email"),
                Option("secure_portal", "Secure file transfer"),
                Option("in_person", "In person / by phone"),
            ),
        ),
        Field(
            "retention",
            "Delete by",
            FieldKind.DATE,
            "When will you delete the information?",
            future_only=True,
        ),
        Field(
            "authoriser",
            "Authoriser",
            FieldKind.CHOICE,
            "This partner needs each request authorised by someone in your own organisation "
            "(for the police: Inspector or above). Who will authorise it? They are asked first; "
            "the partner hears of it once it is authorised.",
            options_from=AUTHORISERS,
            when=Offered(AUTHORISERS),
        ),
        Field(
            "declaration",
            "Declaration",
            FieldKind.CHOICE,
            "Do you confirm the request is necessary, proportionate and accurate, and that you "
            "will keep the information securely?",
            options=(Option("agree", "I confirm"),),
        ),
    ),
)


@dataclass(frozen=True)
class RequestAnswers:
    """A confirmed request: what the hub acts on, and every answer as given (kept with it)."""

    partner: str
    agreement: str | None
    purpose_type: str
    urgency: str
    lawful_basis: str
    needed_by: date | None
    authoriser: str | None
    delete_by: date | None
    given: dict[str, JsonValue]

    @property
    def urgent(self) -> bool:
        """Urgent safeguarding: the shorter decision deadline applies."""
        return self.urgency == URGENT

    @classmethod
    def read(cls, answers: dict[str, JsonValue]) -> RequestAnswers:
        agreement = answers.get("agreement")
        needed_by = answers.get("needed_by")
        delete_by = answers.get("retention")
        return cls(
            partner=str(answers["partner"]),
            agreement=None if agreement in (None, NO_AGREEMENT_VALUE) else str(agreement),
            purpose_type=str(answers["purpose_type"]),
            urgency=str(answers["urgency"]),
            lawful_basis=str(answers["lawful_basis"]),
            needed_by=date.fromisoformat(str(needed_by)) if needed_by else None,
            authoriser=text(answers, "authoriser") or None,
            delete_by=date.fromisoformat(str(delete_by)) if delete_by else None,
            given=answers,
        )


def text(answers: Mapping[str, JsonValue], name: str) -> str:
    """One answer as trimmed text ("" when it was not given)."""
    value = answers.get(name)
    return "" if value is None else str(value).strip()
