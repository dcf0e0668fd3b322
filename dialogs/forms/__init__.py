"""Every conversation the bot can hold, by form id."""

from __future__ import annotations

from dialogs.form import FormDefinition
from dialogs.forms import concern, info_request, organisation, recommendation_update

FORMS: dict[str, FormDefinition] = {
    form.id: form
    for form in (concern.FORM, info_request.FORM, recommendation_update.FORM, organisation.FORM)
}
