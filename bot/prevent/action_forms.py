"""What a Prevent manager is asked when acting on a concern alert: each action's details.

Every form but the last two carries the concern's reference as a locked field filled from the
button, and only the hub starts them (from an alert's button, or the remover's buttons on a
removal request). Marking elevated tension and recording a trigger event are started by the
manager in chat.
"""

from __future__ import annotations

from enum import StrEnum

from dialogs.form import Field, FieldKind, FormDefinition, Starter
from dialogs.messages import Option

ASSIGN = "concern_assign"
DUPLICATE = "concern_duplicate"
REFER = "concern_refer"
REMOVAL = "concern_removal"
PRIORITY = "concern_priority"
CLOSE = "concern_close"
REMOVED = "concern_removed"
CANNOT_REMOVE = "concern_cannot_remove"
NOT_OURS = "concern_not_ours"
ASK = "concern_ask"
ANSWER = "concern_answer"
TENSION = "tension_area"
TRIGGER = "trigger_event"


class Referral(StrEnum):
    """Whom a manager records a concern as referred to."""

    POLICE_101 = "police_101"
    ACT = "act"
    PREVENT_REFERRAL = "prevent_referral"
    OTHER = "other"


class Remover(StrEnum):
    """Who is asked to remove what was reported: a partner's code, or the contractor."""

    STREET_ENFORCEMENT = "STREET"
    CLEANSING = "cleansing"


PRIORITIES: tuple[Option, ...] = (
    Option("P0", "P0 emergency"),
    Option("P1", "P1 urgent"),
    Option("P2", "P2 high"),
    Option("P3", "P3 standard"),
    Option("P4", "P4 record only"),
)
REFERRED_TO: tuple[Option, ...] = (
    Option(Referral.POLICE_101.value, "Police (101)"),
    Option(Referral.ACT.value, "ACT (anti-terrorism hotline)"),
    Option(Referral.PREVENT_REFERRAL.value, "Prevent referral"),
    Option(Referral.OTHER.value, "Another agency"),
)
REMOVERS: tuple[Option, ...] = (
    Option(Remover.STREET_ENFORCEMENT.value, "Street Enforcement"),
    Option(Remover.CLEANSING.value, "Street cleansing contractor"),
)


def _reference() -> Field:
    return Field(
        "reference",
        "Concern",
        FieldKind.TEXT,
        "Which concern?",
        ask=False,
        max_length=20,
        locked=True,
    )


FORMS: tuple[FormDefinition, ...] = (
    FormDefinition(
        ASSIGN,
        1,
        "Concern assignment",
        "Who should take this on?",
        (
            _reference(),
            Field("assignee", "Assign to", FieldKind.CHOICE, "Who?", options_from="colleagues"),
        ),
        started_by=Starter.HUB,
    ),
    FormDefinition(
        DUPLICATE,
        1,
        "Duplicate concern",
        "Which earlier concern does this repeat?",
        (
            _reference(),
            Field(
                "original",
                "Duplicate of",
                FieldKind.TEXT,
                "The earlier concern's reference (CN-...)?",
                max_length=20,
            ),
        ),
        started_by=Starter.HUB,
    ),
    FormDefinition(
        REFER,
        1,
        "Referral",
        "Record a referral you have made (police, ACT, Prevent); it is audited.",
        (
            _reference(),
            Field(
                "referred_to",
                "Referred to",
                FieldKind.CHOICE,
                "Referred to whom?",
                options=REFERRED_TO,
            ),
            Field(
                "referral_reference",
                "Their reference",
                FieldKind.TEXT,
                "Their reference, if any (or skip)?",
                required=False,
                max_length=60,
            ),
        ),
        started_by=Starter.HUB,
    ),
    FormDefinition(
        REMOVAL,
        1,
        "Removal request",
        "The team you choose is told at once, with the deadline.",
        (
            _reference(),
            Field(
                "remover", "Removal by", FieldKind.CHOICE, "Who should remove it?", options=REMOVERS
            ),
            Field(
                "note",
                "Note for the team",
                FieldKind.TEXT,
                "Anything they need to know (or skip)?",
                required=False,
                max_length=300,
            ),
        ),
        started_by=Starter.HUB,
    ),
    FormDefinition(
        PRIORITY,
        1,
        "Priority change",
        "Overriding the triage needs a reason; it is audited.",
        (
            _reference(),
            Field(
                "priority", "New priority", FieldKind.CHOICE, "Which priority?", options=PRIORITIES
            ),
            Field("reason", "Reason", FieldKind.TEXT, "Why? (this is recorded)", max_length=500),
        ),
        started_by=Starter.HUB,
    ),
    FormDefinition(
        CLOSE,
        1,
        "Concern closure",
        "Closing it tells the reporter it is dealt with.",
        (
            _reference(),
            Field("outcome", "Outcome", FieldKind.TEXT, "What was the outcome?", max_length=500),
        ),
        started_by=Starter.HUB,
    ),
    FormDefinition(
        REMOVED,
        1,
        "Removal done",
        "The Community Safety team and the person who reported it are told it is removed.",
        (
            _reference(),
            Field(
                "note",
                "Note",
                FieldKind.TEXT,
                "Anything the team should know (or skip)?",
                required=False,
                max_length=300,
            ),
        ),
        started_by=Starter.HUB,
    ),
    FormDefinition(
        CANNOT_REMOVE,
        1,
        "Removal not possible",
        "The Community Safety team is told at once, with your reason, so they can act.",
        (
            _reference(),
            Field(
                "reason",
                "Reason",
                FieldKind.TEXT,
                "Why can't it be removed (for example, private property, needs specialist kit)?",
                max_length=500,
            ),
        ),
        started_by=Starter.HUB,
    ),
    FormDefinition(
        NOT_OURS,
        1,
        "Removal passed on",
        "The team you choose gets the request, with the same deadline.",
        (
            _reference(),
            Field(
                "remover",
                "Pass to",
                FieldKind.CHOICE,
                "Whose is it to remove?",
                options_from="removers",
            ),
        ),
        started_by=Starter.HUB,
    ),
    FormDefinition(
        ASK,
        1,
        "Question to the reporter",
        "The reporter gets your question in their chat; you are told when they answer. You see "
        "their name only if they agreed to show it.",
        (
            _reference(),
            Field(
                "question",
                "Question",
                FieldKind.TEXT,
                "What do you want to ask the reporter?",
                max_length=500,
            ),
        ),
        started_by=Starter.HUB,
    ),
    FormDefinition(
        ANSWER,
        1,
        "Answer to the Community Safety team",
        "Your answer joins your report and goes to the Community Safety team.",
        (
            _reference(),
            Field("answer", "Your answer", FieldKind.TEXT, "What is your answer?", max_length=1000),
        ),
        started_by=Starter.HUB,
    ),
    FormDefinition(
        TENSION,
        1,
        "Elevated tension",
        "New concerns in an area of elevated tension are raised to at least P2.",
        (
            Field(
                "area", "Area", FieldKind.LOCATION, "Which street or postcode area?", max_length=120
            ),
            Field(
                "days",
                "For how many days",
                FieldKind.NUMBER,
                "For how many days?",
                min_value=1,
                max_value=90,
            ),
            Field(
                "reason",
                "Reason",
                FieldKind.TEXT,
                "Why (for example, the trigger event)?",
                max_length=300,
            ),
        ),
    ),
    FormDefinition(
        TRIGGER,
        1,
        "Trigger event",
        "Concerns within 72 hours after a trigger event are treated as urgent.",
        (
            Field("description", "Event", FieldKind.TEXT, "What happened?", max_length=300),
            Field(
                "occurred_at", "When", FieldKind.DATETIME, "When did it happen?", not_future=True
            ),
        ),
    ),
)
