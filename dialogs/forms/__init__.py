"""Every conversation the bot can hold, by form id."""

from __future__ import annotations

from dialogs.form import FormDefinition
from dialogs.forms import (
    concern,
    concern_actions,
    info_request,
    organisation,
    recommendation_add,
    recommendation_manage,
    recommendation_update,
    request_actions,
)

ALL_FORMS: tuple[FormDefinition, ...] = (
    concern.FORM,
    info_request.FORM,
    recommendation_update.FORM,
    recommendation_add.FORM,
    recommendation_manage.FORM,
    organisation.FORM,
    *concern_actions.FORMS,
    *request_actions.FORMS,
)

FORMS: dict[str, FormDefinition] = {form.id: form for form in ALL_FORMS}
