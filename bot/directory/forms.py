"""Asked once of someone who is not in the directory: which organisation they work for.

Only the hub starts it, the first time a newcomer asks for something; it decides which partner
the person works for, so submitted data can never start or re-answer it.
"""

from __future__ import annotations

from dialogs.form import Field, FieldKind, FormDefinition, Starter

FORM_ID = "organisation"
OTHER = "other"

FORM = FormDefinition(
    id=FORM_ID,
    version=1,
    title="Your organisation",
    intro=(
        "You're not in the partnership directory yet, so I've noted you as staff. One question "
        "first, then we'll carry on."
    ),
    fields=(
        Field(
            "organisation",
            "Organisation",
            FieldKind.CHOICE,
            "Which organisation do you work for?",
            options_from="organisations",
        ),
    ),
    confirm=False,
    started_by=Starter.HUB,
)
