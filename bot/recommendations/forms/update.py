"""A recommendation owner's update: progress, done, blocked, not mine or an extension request.

Started from "update an action" in chat, or from a nudge's button with the item and the kind of
update already filled in, so the owner is asked only for the note (and the date or RAG).
"""

from __future__ import annotations

from enum import StrEnum

from dialogs.form import Eq, Field, FieldKind, FormDefinition
from dialogs.messages import Option

FORM_ID = "recommendation_update"


class UpdateKind(StrEnum):
    """What an owner's update says (the form's `action`)."""

    PROGRESS = "progress"
    DONE = "done"
    BLOCKED = "blocked"
    NOT_MINE = "not_mine"
    EXTENSION = "extension"


ACTIONS: tuple[Option, ...] = (
    Option(UpdateKind.PROGRESS.value, "Progress update"),
    Option(UpdateKind.DONE.value, "Done"),
    Option(UpdateKind.BLOCKED.value, "Blocked"),
    Option(UpdateKind.NOT_MINE.value, "Not mine"),
    Option(UpdateKind.EXTENSION.value, "Request an extension"),
)

FORM = FormDefinition(
    id=FORM_ID,
    version=2,
    title="Recommendation update",
    intro="Let's update one of your recommendations.",
    fields=(
        Field(
            "recommendation",
            "Recommendation",
            FieldKind.CHOICE,
            "Which recommendation?",
            options_from="my_recommendations",
        ),
        Field("action", "Update", FieldKind.CHOICE, "What is the news?", options=ACTIONS),
        Field(
            "note",
            "Note",
            FieldKind.TEXT,
            "Tell me more: what has happened, what closed it, what blocks it, why more time is "
            "needed, or who should own it instead.",
            max_length=1000,
        ),
        Field(
            "rag",
            "RAG",
            FieldKind.CHOICE,
            "How would you rate it now? Say skip to leave it.",
            options=(Option("green", "Green"), Option("amber", "Amber"), Option("red", "Red")),
            required=False,
            when=Eq("action", UpdateKind.PROGRESS.value),
        ),
        Field(
            "new_due",
            "New due date",
            FieldKind.DATE,
            "What new due date do you propose?",
            future_only=True,
            when=Eq("action", UpdateKind.EXTENSION.value),
        ),
    ),
)
