"""Every form a person can start from the hub's home page, filled in on the web to a committed
record: the same form definitions, parsers and checks as in chat, one question a page."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.app import REGISTRY
from storage.models import AuditEntry, Concern, DialogSession, InformationRequest
from tests.web.forms import fill_in

STARTS = {start.form_id: start for start in REGISTRY.starts}
WHO = {
    "concern": "alex@example.org",
    "info_request": "alex@example.org",
    "recommendation_update": None,  # an owner of a sample recommendation: found below
}


async def owner_of_a_recommendation(hub) -> str:
    from storage.models import Person, Recommendation

    async with hub.unit() as uow:
        owner = await uow.session.scalar(
            select(Person.email)
            .join(Recommendation, Recommendation.owner_id == Person.id)
            .where(Recommendation.status == "in_progress")
            .order_by(Recommendation.reference)
            .limit(1)
        )
    assert owner
    return owner


def test_every_start_on_the_home_page_has_a_web_walk():
    """A new form offered from the home page fails here until a test below completes it."""
    assert set(STARTS) == set(WHO)


@pytest.mark.parametrize("form_id", sorted(WHO))
async def test_a_form_started_on_the_web_ends_in_a_committed_record(sample_hub, sign_in, form_id):
    email = WHO[form_id] or await owner_of_a_recommendation(sample_hub)
    person = await sign_in(email)
    home = await person.get("/hub/")
    first = await person.press(home, STARTS[form_id].label)
    check = await fill_in(person, first, form_id)
    done = await person.press(check, "Confirm and send")
    assert done.status == 200 and done.h1 == "Done", done.text[:500]
    reference = done.text.split("Your reference", 1)[1].split()[0]
    record = await person.get(f"/hub/records/{reference}")
    assert record.status == 200 and reference in record.text
    async with sample_hub.unit() as uow:
        audited = await uow.session.scalar(
            select(func.count()).where(AuditEntry.record_reference == reference)
        )
        open_forms = await uow.session.scalar(
            select(func.count()).where(DialogSession.active.is_(True))
        )
    assert audited and not open_forms


async def test_a_report_made_on_the_web_is_the_same_record_as_from_chat(sample_hub, sign_in):
    alex = await sign_in("alex@example.org")
    first = await alex.press(await alex.get("/hub/"), "Log a concern")
    check = await fill_in(alex, first, "concern")
    assert "Cheapside" in check.text
    done = await alex.press(check, "Confirm and send")
    async with sample_hub.unit() as uow:
        concern = await uow.session.scalar(select(Concern))
    assert concern is not None and concern.reference in done.text
    assert concern.location_text.startswith("Cheapside")


async def test_sending_a_page_twice_records_the_answer_once(sample_hub, sign_in):
    alex = await sign_in("alex@example.org")
    first = await alex.press(await alex.get("/hub/"), "Request information")
    form = next(f for f in first.forms if "field" in f.fields)
    choices = [i["value"] for i in form.inputs if i.get("name") == "choice"]
    answer = {"choice": choices[0]} if choices else {"answer": "Test"}
    once = await alex.submit(form, "Continue", **answer)
    twice = await alex.submit(form, "Continue", **answer)  # the same event id: a double click
    assert twice.h1 == once.h1
    async with sample_hub.unit() as uow:
        rows = await uow.session.scalar(select(func.count()).select_from(InformationRequest))
    assert rows == 0


async def test_an_empty_answer_is_asked_again_with_a_plain_error(sign_in):
    alex = await sign_in("alex@example.org")
    first = await alex.press(await alex.get("/hub/"), "Log a concern")
    form = next(f for f in first.forms if "field" in f.fields)
    again = await alex.submit(form, "Continue")
    assert again.status == 200 and again.title.startswith("Error:")
    assert "Answer the question" in again.text and again.h1 == first.h1


async def test_a_choice_never_offered_changes_nothing_and_is_audited(sample_hub, sign_in):
    alex = await sign_in("alex@example.org")
    first = await alex.press(await alex.get("/hub/"), "Log a concern")
    form = next(f for f in first.forms if "field" in f.fields)
    forged = await alex.submit(form, "Continue", choice="delete-everything")
    assert forged.status == 200 and "no longer available" in forged.text
    async with sample_hub.unit() as uow:
        audited = await uow.session.scalar(
            select(func.count()).where(AuditEntry.action == "input.not_offered")
        )
    assert audited == 1


async def test_back_and_cancel_work_from_a_question_page(sample_hub, sign_in):
    alex = await sign_in("alex@example.org")
    first = await alex.press(await alex.get("/hub/"), "Log a concern")
    second = await alex.submit(
        next(f for f in first.forms if "field" in f.fields), "Continue", choice="no"
    )
    assert second.h1 != first.h1
    back = await alex.press(second, "Back")
    assert back.h1 == first.h1
    cancelled = await alex.press(back, "Cancel")
    assert cancelled.status == 200
    assert (await alex.get("/hub/form")).url.endswith("/hub/")
