"""A coordinator's change to a recommendation: reassign, due date, RAG, withdraw, or a decision.

Typed in chat ("reassign VUL-18") or started from a coordinator's notice button (refuse an
extension, reopen a completion), with the item and the change already filled in.
"""

from __future__ import annotations

from dialogs.form import Eq, Field, FieldKind, FormDefinition, In
from dialogs.messages import Option

FORM_ID = "recommendation_manage"

CHANGES: tuple[Option, ...] = (
    Option("reassign", "Reassign it"),
    Option("due_date", "Change the due date"),
    Option("rag", "Set or clear its RAG rating"),
    Option("withdraw", "Withdraw it (board approval)"),
    Option("approve_extension", "Approve the extension request"),
    Option("refuse_extension", "Refuse the extension request"),
    Option("verify", "Verify it is done and close it"),
    Option("reopen", "Reopen it: not done yet"),
)
RATINGS: tuple[Option, ...] = (
    Option("red", "Red"),
    Option("amber", "Amber"),
    Option("green", "Green"),
    Option("blue", "Blue (closed)"),
    Option("derived", "Clear the override: rate it by the rules"),
)
NEEDS_REASON = ("reassign", "due_date", "rag", "withdraw", "refuse_extension", "reopen")

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
            when=Eq("change", "reassign"),
        ),
        Field(
            "new_due",
            "New due date",
            FieldKind.DATE,
            "What is the new due date?",
            future_only=True,
            when=Eq("change", "due_date"),
        ),
        Field(
            "rag",
            "RAG",
            FieldKind.CHOICE,
            "Which rating?",
            options=RATINGS,
            when=Eq("change", "rag"),
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
