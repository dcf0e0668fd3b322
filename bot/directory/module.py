"""The directory's registration: the organisation question asked of people outside it, first."""

from __future__ import annotations

from bot.core.module import DomainModule, Prelude
from bot.directory import forms, imports, organisation, people

MODULE = DomainModule(
    name="directory",
    forms=(forms.FORM,),
    submitters={forms.FORM_ID: organisation.submit_organisation},
    options={forms.FORM_ID: organisation.organisation_options},
    imports=imports.KINDS,
    prelude=Prelude(forms.FORM_ID, organisation.is_newcomer, organisation.note_asked),
    email_refused=people.mark_email_failing,
)
