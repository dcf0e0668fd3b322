"""Fill in a hub form page by page as a person would: a plain valid answer to each question."""

from __future__ import annotations

from collections.abc import Mapping

import aiohttp

from bot.app import REGISTRY
from dialogs.form import FieldKind
from tests.web.conftest import Browser
from tests.web.pages import Page

SPECIFIC: Mapping[tuple[str, str], str] = {
    ("concern", "threats"): "none",  # the first option, a threat, would make it P1
    ("info_request", "partner"): "CITYPOL",
}
"""Answers that must be specific (by option value, or typed); the rest follow the question's kind."""


def question(page: Page) -> tuple[str, str, str]:
    """The (form, field, kind) a question page asks, from its hidden fields."""
    form = next(f for f in page.forms if "field" in f.fields)
    return page.forms[0].fields.get("form", ""), form.fields["field"], form.fields["kind"]


def plain_answer(page: Page, form_id: str) -> dict[str, str]:
    """A valid answer to the question on `page`, as the form fields a person would fill in."""
    form = next(f for f in page.forms if "field" in f.fields)
    field, kind = form.fields["field"], form.fields["kind"]
    choices = [i["value"] for i in form.inputs if i.get("name") == "choice"]
    specific = SPECIFIC.get((form_id, field))
    if specific is not None:
        return {"choice": specific} if specific in choices else {"answer": specific}
    if kind in (FieldKind.YES_NO, FieldKind.YES_NO_UNSURE):
        return {"choice": "no"}
    if choices:
        return {"choice": choices[0]}
    spec = REGISTRY.forms[form_id].field(field)
    assert spec is not None, f"{form_id} asks for {field}, which it does not define"
    match spec.kind:
        case FieldKind.DATE:
            return {"answer": "today" if spec.not_future else "in 4 weeks"}
        case FieldKind.DATETIME:
            return {"answer": "2 hours ago"}
        case FieldKind.LOCATION:
            return {"answer": "Cheapside"}
        case FieldKind.NUMBER:
            return {"answer": str(spec.min_value or 1)}
        case FieldKind.ATTACHMENT:
            return {"command": "skip"}
    return {"answer": f"{spec.label} (test)"}


async def fill_in(
    person: Browser, page: Page, form_id: str, photo: bytes = b"", limit: int = 60
) -> Page:
    """Answer question after question until the check-your-answers page; return it. With
    `photo`, a JPEG is uploaded at the photo question (as the browser's file input sends it)."""
    for _ in range(limit):
        if page.h1 == "Check your answers before sending":
            return page
        assert page.status == 200 and any("field" in f.fields for f in page.forms), (
            f"not a question page: {page.status} {page.h1!r} {page.text[:300]}"
        )
        form = next(f for f in page.forms if "field" in f.fields)
        if photo and form.fields["kind"] == FieldKind.ATTACHMENT:
            upload = aiohttp.FormData(form.fields)
            upload.add_field("photos", photo, filename="IMG_0042.jpg", content_type="image/jpeg")
            page = await person.post(form.action.removeprefix(person.base), upload)
            continue
        page = await person.submit(form, "Continue", **plain_answer(page, form_id))
    raise AssertionError(f"{form_id} never reached its summary")
