"""Every conversation the bot can hold, by form id."""

from __future__ import annotations

from bot.directory import forms as organisation
from bot.prevent import action_forms as concern_actions
from bot.prevent import forms as concern
from bot.recommendations.forms import add as recommendation_add
from bot.recommendations.forms import manage as recommendation_manage
from bot.recommendations.forms import update as recommendation_update
from bot.sharing import action_forms as request_actions
from bot.sharing import forms as info_request
from dialogs.form import FormDefinition

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
