"""What people are asked when they act on an information request: each step's details.

The data owner records a decision (the ICO decision-record fields), declines with a reason from
the list, asks for more information or redirects; the requester answers, challenges or
withdraws; a challenge reviewer upholds or rejects; an authoriser refuses with a reason;
whoever marks a request fulfilled says what was sent, how and when. Only the hub starts these
forms, from a
notice's button, and every form carries the request's reference as a locked field filled from
the button, never asked, edited or submitted; fields such as the decision, position, retention
and delivery route are filled from the request and the directory and can be edited from the
summary before confirming.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from bot.sharing.forms import FORM as REQUEST_FORM
from bot.sharing.forms import text
from dialogs.form import Advice, Eq, Field, FieldKind, FormDefinition, Starter, Suggestion
from dialogs.messages import JsonValue, Option

QUESTION = "request_more_info"
ANSWER = "request_answer"
DECISION = "request_decision"
DECLINE = "request_decline"
REDIRECT = "request_redirect"
CHALLENGE = "request_challenge"
REVIEW = "request_review"
WITHDRAW = "request_withdraw"
REFUSE_AUTHORISATION = "request_refuse_authorisation"
FULFIL = "request_fulfil"

APPROVED = "approved"
PARTIALLY_APPROVED = "partially_approved"
UPHELD = "upheld"
REJECTED = "rejected"
WRONG_OWNER = "wrong_owner"

DECISIONS: tuple[Option, ...] = (
    Option(APPROVED, "Approve"),
    Option(PARTIALLY_APPROVED, "Approve in part"),
)
DECLINE_REASONS: tuple[Option, ...] = (
    Option("no_lawful_basis", "No lawful basis"),
    Option("not_necessary", "Not necessary or proportionate"),
    Option("too_vague", "Too vague (trawling)"),
    Option("prejudice_investigation", "Would prejudice an investigation"),
    Option("third_party", "Third-party confidentiality"),
    Option("not_held", "Not held"),
    Option(WRONG_OWNER, "Wrong owner (redirect)"),
    Option("court_order", "Needs a court order"),
)
OUTCOMES: tuple[Option, ...] = (
    Option(UPHELD, "Uphold the challenge (the information should be shared)"),
    Option(REJECTED, "Reject the challenge (the decision stands)"),
)
_delivery = REQUEST_FORM.field("delivery")
ROUTES: tuple[Option, ...] = _delivery.options if _delivery is not None else ()


def _reference() -> Field:
    return Field(
        "reference",
        "Request",
        FieldKind.TEXT,
        "Which request?",
        ask=False,
        max_length=20,
        locked=True,
    )


def as_approved(answers: Mapping[str, JsonValue]) -> Suggestion | None:
    """What the decision approved for sharing, offered as the answer to what was sent."""
    approved = str(answers.get("approved") or "")
    return Suggestion(approved) if approved else None


def _position() -> Field:
    return Field(
        "position",
        "Your position",
        FieldKind.TEXT,
        "Your position (for the decision record)?",
        ask=False,
        max_length=200,
        default="",
    )


FORMS: tuple[FormDefinition, ...] = (
    FormDefinition(
        QUESTION,
        1,
        "Question for the requester",
        "The requester is asked in chat, and the decision deadline pauses until they answer.",
        (
            _reference(),
            Field(
                "question",
                "Question",
                FieldKind.TEXT,
                "What do you need to know before you can decide?",
                max_length=1000,
            ),
        ),
        started_by=Starter.HUB,
    ),
    FormDefinition(
        ANSWER,
        1,
        "Reply to the data owner",
        "Your answer goes to the data owner. Their decision clock stopped while they waited for "
        "you; it runs again once you answer, with the deadline moved on by the working days it "
        "was stopped.",
        (
            _reference(),
            Field(
                "answer",
                "Answer",
                FieldKind.TEXT,
                "Your answer to the data owner's question?",
                max_length=2000,
            ),
        ),
        started_by=Starter.HUB,
    ),
    FormDefinition(
        DECISION,
        1,
        "Decision record",
        "Let's record your decision. The hub keeps the decision record; the information itself "
        "goes by the approved secure route, never through this chat.",
        (
            _reference(),
            Field(
                "decision",
                "Decision",
                FieldKind.CHOICE,
                "Your decision?",
                options=DECISIONS,
                ask=False,
                default=APPROVED,
            ),
            Field(
                "lawful_basis",
                "Lawful basis relied on",
                FieldKind.TEXT,
                "Which lawful basis do you rely on?",
                ask=False,
                max_length=300,
                default="",
            ),
            Field(
                "reasons",
                "Reasons",
                FieldKind.TEXT,
                "Why is sharing necessary and proportionate here?",
                max_length=1000,
            ),
            Field(
                "shared",
                "What is shared",
                FieldKind.TEXT,
                "Describe what you will share: a description, not the information itself.",
                max_length=1000,
            ),
            Field(
                "withheld",
                "What is withheld and why",
                FieldKind.TEXT,
                "What is withheld, and why?",
                max_length=1000,
                when=Eq("decision", PARTIALLY_APPROVED),
            ),
            Field(
                "redactions",
                "Redactions",
                FieldKind.TEXT,
                "Any redactions? Say skip if none.",
                required=False,
                max_length=500,
            ),
            Field(
                "retention",
                "Retention",
                FieldKind.TEXT,
                "How long may the requester keep it?",
                ask=False,
                max_length=200,
                default="",
            ),
            Field(
                "route",
                "Delivery route",
                FieldKind.CHOICE,
                "How will it be sent?",
                options=ROUTES,
                ask=False,
                default=ROUTES[0].value if ROUTES else None,
            ),
            _position(),
        ),
        started_by=Starter.HUB,
    ),
    FormDefinition(
        DECLINE,
        1,
        "Refusal",
        "Let's record why you are declining. The requester sees your reason and can challenge it.",
        (
            _reference(),
            Field(
                "reason",
                "Reason",
                FieldKind.CHOICE,
                "What is the main reason?",
                options=DECLINE_REASONS,
                advice=(
                    Advice(
                        Eq("reason", WRONG_OWNER),
                        "If you know which partner holds it, cancel and press Redirect instead: "
                        "the request goes straight to them.",
                    ),
                ),
            ),
            Field(
                "details",
                "Explanation",
                FieldKind.TEXT,
                "Explain the decision in a sentence or two for the requester.",
                max_length=1000,
            ),
            _position(),
        ),
        started_by=Starter.HUB,
    ),
    FormDefinition(
        REDIRECT,
        1,
        "Redirection",
        "Which partner holds this information? The request goes to them as new.",
        (
            _reference(),
            Field(
                "partner",
                "New data owner",
                FieldKind.CHOICE,
                "Which partner should it go to?",
                options_from="redirect_partners",
            ),
            Field(
                "note",
                "Note",
                FieldKind.TEXT,
                "A short note for the new data owner and the requester?",
                max_length=500,
            ),
        ),
        started_by=Starter.HUB,
    ),
    FormDefinition(
        CHALLENGE,
        1,
        "Challenge",
        "Under the sharing agreement a refusal can be looked at again, first by the data owner's "
        "challenge reviewer, then the data protection officer, then the Information Board.",
        (
            _reference(),
            Field(
                "reasons",
                "Reasons",
                FieldKind.TEXT,
                "Why should the decision be looked at again? Refer to the sharing agreement "
                "where you can, and add no more personal details than needed.",
                max_length=2000,
            ),
        ),
        started_by=Starter.HUB,
    ),
    FormDefinition(
        REVIEW,
        1,
        "Challenge decision",
        "Let's record your answer to the challenge.",
        (
            _reference(),
            Field(
                "outcome",
                "Outcome",
                FieldKind.CHOICE,
                "Your answer?",
                options=OUTCOMES,
                ask=False,
                default=REJECTED,
            ),
            Field(
                "note",
                "Reasons",
                FieldKind.TEXT,
                "Your reasons? The requester and the data owner see them.",
                max_length=1000,
            ),
        ),
        started_by=Starter.HUB,
    ),
    FormDefinition(
        FULFIL,
        1,
        "Fulfilment",
        "Let's record what was shared. Describe it: never put the information itself in this chat.",
        (
            _reference(),
            Field(
                "approved",
                "Approved to share",
                FieldKind.TEXT,
                "What did the decision approve?",
                ask=False,
                max_length=1000,
                default="",
                locked=True,
            ),
            Field(
                "shared",
                "What was shared",
                FieldKind.TEXT,
                "What was sent? A description, not the information itself.",
                max_length=1000,
                suggest=as_approved,
            ),
            Field(
                "route",
                "How it was sent",
                FieldKind.CHOICE,
                "How was it sent?",
                options=ROUTES,
                ask=False,
                default=ROUTES[0].value if ROUTES else None,
            ),
            Field(
                "sent_on",
                "Date sent",
                FieldKind.DATE,
                "When was it sent?",
                ask=False,
                not_future=True,
            ),
        ),
        started_by=Starter.HUB,
    ),
    FormDefinition(
        WITHDRAW,
        1,
        "Withdrawal",
        "The data owner is told that the request is withdrawn, and nothing more is done with it.",
        (
            _reference(),
            Field(
                "reason",
                "Reason",
                FieldKind.TEXT,
                "Why? (optional: say skip)",
                required=False,
                max_length=500,
            ),
        ),
        started_by=Starter.HUB,
    ),
    FormDefinition(
        REFUSE_AUTHORISATION,
        1,
        "Refusal to authorise",
        "The requester is told, with your reason; the data owner never hears of the request.",
        (
            _reference(),
            Field(
                "reason",
                "Reason",
                FieldKind.TEXT,
                "Why do you not authorise it? The requester sees your reason.",
                max_length=1000,
            ),
        ),
        started_by=Starter.HUB,
    ),
)


Answers = Mapping[str, JsonValue]


@dataclass(frozen=True)
class StepAnswers:
    """What every form behind a request's button carries: the request's reference."""

    reference: str


@dataclass(frozen=True)
class QuestionAnswers(StepAnswers):
    """The data owner's question for the requester."""

    question: str

    @classmethod
    def read(cls, answers: Answers) -> QuestionAnswers:
        return cls(text(answers, "reference"), text(answers, "question"))


@dataclass(frozen=True)
class AnswerAnswers(StepAnswers):
    """The requester's answer to the data owner's question."""

    answer: str

    @classmethod
    def read(cls, answers: Answers) -> AnswerAnswers:
        return cls(text(answers, "reference"), text(answers, "answer"))


@dataclass(frozen=True)
class DecisionAnswers(StepAnswers):
    """The decision record of an approval, in full or in part (`partial`)."""

    partial: bool
    lawful_basis: str
    reasons: str
    shared: str
    withheld: str
    redactions: str
    retention: str
    route: str
    position: str

    @classmethod
    def read(cls, answers: Answers) -> DecisionAnswers:
        return cls(
            reference=text(answers, "reference"),
            partial=answers.get("decision") == PARTIALLY_APPROVED,
            lawful_basis=text(answers, "lawful_basis"),
            reasons=text(answers, "reasons"),
            shared=text(answers, "shared"),
            withheld=text(answers, "withheld"),
            redactions=text(answers, "redactions"),
            retention=text(answers, "retention"),
            route=text(answers, "route"),
            position=text(answers, "position"),
        )


@dataclass(frozen=True)
class DeclineAnswers(StepAnswers):
    """A refusal: the reason's code from the list, the explanation, the decider's position."""

    reason: str
    details: str
    position: str

    @classmethod
    def read(cls, answers: Answers) -> DeclineAnswers:
        return cls(
            text(answers, "reference"),
            text(answers, "reason"),
            text(answers, "details"),
            text(answers, "position"),
        )


@dataclass(frozen=True)
class RedirectAnswers(StepAnswers):
    """The partner (its code) a request is redirected to, with a note."""

    partner: str
    note: str

    @classmethod
    def read(cls, answers: Answers) -> RedirectAnswers:
        return cls(text(answers, "reference"), text(answers, "partner"), text(answers, "note"))


@dataclass(frozen=True)
class ChallengeAnswers(StepAnswers):
    """Why the requester challenges a refusal (or takes a challenge further)."""

    reasons: str

    @classmethod
    def read(cls, answers: Answers) -> ChallengeAnswers:
        return cls(text(answers, "reference"), text(answers, "reasons"))


@dataclass(frozen=True)
class ReviewAnswers(StepAnswers):
    """A reviewer's answer to a challenge: `upheld` or not, and why."""

    upheld: bool
    note: str

    @classmethod
    def read(cls, answers: Answers) -> ReviewAnswers:
        return cls(
            text(answers, "reference"), answers.get("outcome") == UPHELD, text(answers, "note")
        )


@dataclass(frozen=True)
class ReasonAnswers(StepAnswers):
    """A reason given with a step: why the requester withdraws (may be empty), or why the
    authoriser does not authorise the request."""

    reason: str

    @classmethod
    def read(cls, answers: Answers) -> ReasonAnswers:
        return cls(text(answers, "reference"), text(answers, "reason"))


@dataclass(frozen=True)
class FulfilAnswers(StepAnswers):
    """What was sent (a description), by which route (its code), and on which day (None: the
    answer was missing or unreadable, and today is meant)."""

    shared: str
    route: str
    sent_on: date | None

    @classmethod
    def read(cls, answers: Answers) -> FulfilAnswers:
        try:
            sent_on: date | None = date.fromisoformat(text(answers, "sent_on"))
        except ValueError:
            sent_on = None
        return cls(
            text(answers, "reference"), text(answers, "shared"), text(answers, "route"), sent_on
        )
