"""Submitted data that names what was never offered changes nothing and is audited (issue 12).

Every channel turns buttons, cards and modals into the same inputs, so these transcripts hold for
Slack and Teams alike: a whole form, a button's field and value, a command, a notice action and
a typed action, each naming a form, field, choice or record the person was not offered in that
conversation, in that state. The tables are compared before and after each attempt.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.app import REGISTRY
from bot.conversation.turns import NOT_OFFERED, NOT_OFFERED_AUDIT
from bot.directory import forms as organisation
from bot.directory.organisation import ORGANISATION_KNOWN
from bot.sharing import action_forms as request_actions
from dialogs.form import Starter
from dialogs.messages import (
    ActionInput,
    Ask,
    ChoiceInput,
    Command,
    CommandInput,
    Completed,
    FormInput,
    Say,
    Summary,
)
from storage.models import AuditEntry, DialogSession, RequestDecision
from storage.models import Person as PersonModel
from tests.sharing.test_lifecycle import REFERENCE, press, submit_request
from tests.tables import snapshot

REFUSED = [Say(NOT_OFFERED)]
HUB_FORMS = sorted(form.id for form in REGISTRY.forms.values() if form.started_by is Starter.HUB)


async def audits(hub, action: str = NOT_OFFERED_AUDIT) -> list[AuditEntry]:
    async with hub.database.transaction() as session:
        found = await session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
        return list(found)


async def someone(hub, email: str) -> PersonModel:
    async with hub.database.transaction() as session:
        return await session.scalar(select(PersonModel).where(PersonModel.email == email))


async def test_a_directory_member_cannot_open_the_newcomers_organisation_form(person, sample_hub):
    dana = person("dana@example.org")  # City Police's challenge reviewer
    before = await snapshot(sample_hub.database)
    for attempt in (
        FormInput(organisation.FORM_ID, {}),
        FormInput(organisation.FORM_ID, {"organisation": "HOUSING"}),
        CommandInput(Command.START, organisation.FORM_ID),
        ChoiceInput("organisation", "HOUSING"),
    ):
        assert await dana.send(attempt) == REFUSED
        assert await dana.send("Housing Service") == [
            Say("Sorry, I didn't understand that. Say help to see what I can do.")
        ]
    assert await snapshot(sample_hub.database) == before
    assert (await someone(sample_hub, "dana@example.org")).partner.code == "CITYPOL"
    refused = await audits(sample_hub)
    assert [a.actor for a in refused] == ["dana@example.org"] * 4
    assert [a.summary["input"] for a in refused] == ["form", "form", "command", "choice"]
    assert refused[0].summary["form"] == "organisation"
    assert refused[3].summary["fields"] == ["organisation"]
    assert all("HOUSING" not in str(a.summary) for a in refused)  # what was named, not values


async def test_no_form_only_the_hub_starts_can_be_started_by_submitted_data(person, sample_hub):
    alex, jordan = person("alex@example.org"), person("jordan@example.org")
    await submit_request(alex)
    before = await snapshot(sample_hub.database)
    for form_id in HUB_FORMS:
        for attempt in (
            FormInput(form_id, {}),
            FormInput(form_id, {"reference": REFERENCE}),
            CommandInput(Command.START, form_id),
        ):
            assert await jordan.send(attempt) == REFUSED, (form_id, attempt)
    assert await snapshot(sample_hub.database) == before
    refused = await audits(sample_hub)
    assert len(refused) == 3 * len(HUB_FORMS)
    assert {a.summary["form"] for a in refused} == set(HUB_FORMS)
    assert {a.record_reference for a in refused} == {"", REFERENCE}


async def test_a_form_the_person_may_start_is_refused_whole_with_fields_it_never_offers(
    person, sample_hub
):
    alex = person("alex@example.org")
    before = await snapshot(sample_hub.database)
    for values in (
        {"danger_now": "no", "bogus": "x"},
        {"danger_now": "no", "photos": "wall.jpg"},
        {"danger_now": "no", "cad_reference": "CAD 1"},  # shown only when someone is in danger
        {"danger_now": "perhaps"},
        {"category": "hate_graffiti", "targets": ["race", "everyone"]},
    ):
        assert await alex.send(FormInput("concern", values)) == REFUSED, values
    assert await alex.send(FormInput("no_such_form", {"x": "y"})) == REFUSED
    assert await snapshot(sample_hub.database) == before
    refused = await audits(sample_hub)
    assert [a.summary.get("fields") for a in refused] == [
        ["bogus"],
        ["photos"],
        ["cad_reference"],
        ["danger_now"],
        ["targets"],
        None,
    ]
    assert refused[-1].summary["form"] == "no_such_form"


async def test_an_action_form_answers_only_its_questions_about_its_own_record(person, sample_hub):
    alex, jordan = person("alex@example.org"), person("jordan@example.org")
    await submit_request(alex)
    asked = await jordan.send(press("approve"))
    assert isinstance(asked[-1], Ask) and asked[-1].field == "reasons"
    before = await snapshot(sample_hub.database)
    for attempt in (
        FormInput(request_actions.DECISION, {"reasons": "Needed", "reference": "IR-2026-0002"}),
        FormInput(request_actions.DECISION, {"reasons": "Needed", "decision": "declined"}),
        FormInput(request_actions.DECISION, {"withheld": "Names"}),  # only when approved in part
        FormInput(request_actions.REVIEW, {"note": "Upheld"}),
        ChoiceInput("reference", "IR-2026-0002"),
        ChoiceInput("outcome", "upheld"),
    ):
        replies = await jordan.send(attempt)
        assert replies[0] == Say(NOT_OFFERED), attempt
        assert replies[-1].field == "reasons"  # and the question stands
    assert await snapshot(sample_hub.database) == before
    assert len(await audits(sample_hub)) == 6

    edit = await jordan.send("edit request")
    assert "There is no field called that" in edit[0].text
    await jordan.say("Needed for the panel", "A summary of the incidents", "skip")
    assert isinstance(jordan.last, Summary)
    done = await jordan.send("confirm")
    assert isinstance(done[-1], Completed) and done[-1].reference == REFERENCE
    async with sample_hub.database.transaction() as session:
        decision = await session.scalar(select(RequestDecision))
    assert decision.reasons == "Needed for the panel"


async def test_a_notice_action_never_offered_is_refused_and_audited(person, sample_hub):
    alex, pat = person("alex@example.org"), person("pat@example.org")
    await submit_request(alex)
    before = await snapshot(sample_hub.database)
    assert await pat.send(ActionInput("request.make_owner", REFERENCE)) == REFUSED
    refused = await pat.send(press("approve"))  # a real button, not hers to press
    assert refused == [Say("I can't find a record with that reference that you can see.")]
    assert await snapshot(sample_hub.database) == before
    (unknown,) = await audits(sample_hub)
    assert unknown.summary["named_action"] == "request.make_owner"
    assert unknown.record_reference == REFERENCE
    (not_hers,) = await audits(sample_hub, "action.refused")
    assert not_hers.actor == "pat@example.org" and not_hers.record_reference == REFERENCE


async def test_a_typed_action_by_someone_not_entitled_changes_nothing_and_is_audited(
    person, sample_hub
):
    alex, pat, dana = (
        person("alex@example.org"),
        person("pat@example.org"),
        person("dana@example.org"),
    )
    await submit_request(alex)
    before = await snapshot(sample_hub.database)
    for who, typed in (
        (pat, "approve IR-2026-0001"),
        (alex, "approve IR-2026-0001"),  # nobody decides their own request
        (dana, "decline IR-2026-0001"),
        (dana, "uphold the challenge IR-2026-0001"),
    ):
        replies = await who.send(typed)
        assert isinstance(replies[-1], Say) and not isinstance(replies[-1], Ask), typed
    assert await snapshot(sample_hub.database) == before
    refused = await audits(sample_hub, "action.refused")
    assert [(a.actor, a.summary["refused_action"]) for a in refused] == [
        ("pat@example.org", "request.approve"),
        ("alex@example.org", "request.approve"),
        ("dana@example.org", "request.decline"),
        ("dana@example.org", "request.uphold_challenge"),
    ]


async def test_the_organisation_answer_is_checked_again_when_it_is_given(person, sample_hub):
    stranger = person("new.starter@example.net")
    assert (await stranger.send("report"))[-1].field == "organisation"
    async with sample_hub.database.transaction() as session:
        who = await session.scalar(
            select(PersonModel).where(PersonModel.email == "new.starter@example.net")
        )
        who.in_directory = True  # the coordinator added them meanwhile
    refused = await stranger.send("City Police")
    assert refused == [Say(ORGANISATION_KNOWN)]
    assert (await someone(sample_hub, "new.starter@example.net")).partner_id is None
    (audit,) = await audits(sample_hub, "form.refused")
    assert audit.actor == "new.starter@example.net" and audit.summary["form"] == "organisation"


async def test_an_organisation_once_given_is_not_given_again(person, sample_hub):
    stranger = person("new.starter@example.net")
    await stranger.say("report", "Another organisation", "cancel")
    async with sample_hub.database.transaction() as session:
        who = await session.scalar(
            select(PersonModel).where(PersonModel.email == "new.starter@example.net")
        )
        who.organisation_asked = False  # as if the question were due again
    assert (await stranger.send("report"))[-1].field == "organisation"
    assert await stranger.send("City Police") == [Say(ORGANISATION_KNOWN)]
    assert (await someone(sample_hub, "new.starter@example.net")).partner_id is None
    async with sample_hub.database.transaction() as session:
        active = await session.scalar(select(DialogSession).where(DialogSession.active.is_(True)))
    assert active is None
