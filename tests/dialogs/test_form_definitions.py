"""Rules every form definition keeps, checked over all of them (a new form is covered at once)."""

from __future__ import annotations

import pytest

from bot.app import MODULES
from dialogs.form import FormDefinition


def _words(text: str) -> str:
    return " ".join(text.lower().rstrip("?.!").split())


ALL_FORMS = tuple(form for module in MODULES for form in module.forms)


@pytest.mark.parametrize("form", ALL_FORMS, ids=lambda form: form.id)
def test_no_form_says_its_first_question_twice(form: FormDefinition) -> None:
    first = next(spec for spec in form.fields if spec.ask)
    assert _words(form.intro) != _words(first.prompt)


def test_form_ids_are_unique() -> None:
    ids = [form.id for form in ALL_FORMS]
    assert len(ids) == len(set(ids))
