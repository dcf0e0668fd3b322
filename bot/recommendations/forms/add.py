"""A coordinator adds a recommendation to the register in chat; its owner is told at once."""

from __future__ import annotations

from dialogs.form import Field, FieldKind, FormDefinition
from dialogs.messages import Option

FORM_ID = "recommendation_add"

THEMES: tuple[Option, ...] = (
    Option("systems", "Systems"),
    Option("process", "Process"),
    Option("training", "Training"),
    Option("commissioning", "Commissioning"),
)

FORM = FormDefinition(
    id=FORM_ID,
    version=1,
    title="New recommendation",
    intro="Let's add a recommendation to the register (coordinators only).",
    fields=(
        Field(
            "reference",
            "Reference",
            FieldKind.TEXT,
            "What reference should it have? (e.g. VUL-34)",
            max_length=20,
        ),
        Field("title", "Title", FieldKind.TEXT, "What is the recommendation?", max_length=300),
        Field(
            "source",
            "Source",
            FieldKind.TEXT,
            "Which workshop or review does it come from? (e.g. Vulnerability workshop 2016-12)",
            max_length=200,
        ),
        Field(
            "owner",
            "Owner",
            FieldKind.CHOICE,
            "Who owns it? (a name or email from the directory)",
            options_from="people",
        ),
        Field("theme", "Theme", FieldKind.CHOICE, "Which theme?", options=THEMES),
        Field(
            "owning_service",
            "Owning service",
            FieldKind.TEXT,
            "Which service owns it? Say skip to leave it blank.",
            max_length=200,
            required=False,
        ),
        Field(
            "due_date",
            "Due date",
            FieldKind.DATE,
            "When is it due? Say skip if there is no date yet.",
            future_only=True,
            required=False,
        ),
    ),
)
