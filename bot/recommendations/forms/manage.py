"""A coordinator's change to a recommendation: reassign, due date, RAG, withdraw, or a decision.

Typed in chat ("reassign VUL-18") or started from a coordinator's notice button (refuse an
extension, reopen a completion), with the item and the change already filled in.
"""

from __future__ import annotations

from enum import StrEnum

from dialogs.form import Eq, Field, FieldKind, FormDefinition, In
from dialogs.messages import Option

FORM_ID = "recommendation_manage"
DERIVED = "derived"


class Change(StrEnum):
    """What a coordinator does to an item (the form's `change`)."""

    REASSIGN = "reassign"
    DUE_DATE = "due_date"
    RAG = "rag"
    WITHDRAW = "withdraw"
    APPROVE_EXTENSION = "approve_extension"
    REFUSE_EXTENSION = "refuse_extension"
    VERIFY = "verify"
    REOPEN = "reopen"


CHANGES: tuple[Option, ...] = (
    Option(Change.REASSIGN.value, "Reassign it"),
    Option(Change.DUE_DATE.value, "Change the due date"),
    Option(Change.RAG.value, "Set or clear its RAG rating"),
    Option(Change.WITHDRAW.value, "Withdraw it (board approval)"),
    Option(Change.APPROVE_EXTENSION.value, "Approve the extension request"),
    Option(Change.REFUSE_EXTENSION.value, "Refuse the extension request"),
    Option(Change.VERIFY.value, "Verify it is done and close it"),
    Option(Change.REOPEN.value, "Reopen it: not done yet"),
)
RATINGS: tuple[Option, ...] = (
    Option("red", "Red"),
    Option("amber", "Amber"),
    Option("green", "Green"),
    Option("blue", "Blue (closed)"),
    Option(DERIVED, "Clear the override: rate it by the rules"),
)
NEEDS_REASON = tuple(
    change.value
    for change in (
        Change.REASSIGN,
        Change.DUE_DATE,
        Change.RAG,
        Change.WITHDRAW,
        Change.REFUSE_EXTENSION,
        Change.REOPEN,
    )
)

FORM = FormDefinition(
    id=FORM_ID,
    version=1,
    title="Recommendation change",
    intro="Let's change an item of the recommendations register (coordinators only).",
    fields=(
        Field(
            "recommendation",
            "Recommendation",
            FieldKind.CHOICE,
            "Which recommendation? (type its reference, e.g. VUL-18)",
            options_from="register",
        ),
        Field("change", "Change", FieldKind.CHOICE, "What would you like to do?", options=CHANGES),
        Field(
            "new_owner",
            "New owner",
            FieldKind.CHOICE,
            "Who should own it? (a name or email from the directory)",
            options_from="people",
            when=Eq("change", Change.REASSIGN.value),
        ),
        Field(
            "new_due",
            "New due date",
            FieldKind.DATE,
            "What is the new due date?",
            future_only=True,
            when=Eq("change", Change.DUE_DATE.value),
        ),
        Field(
            "rag",
            "RAG",
            FieldKind.CHOICE,
            "Which rating?",
            options=RATINGS,
            when=Eq("change", Change.RAG.value),
        ),
        Field(
            "reason",
            "Reason",
            FieldKind.TEXT,
            "Why? It goes into the item's history and is shown to the owner.",
            max_length=1000,
            when=In("change", NEEDS_REASON),
        ),
    ),
)
