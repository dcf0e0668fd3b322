"""Authorisers, as transcripts on SQLite and PostgreSQL: City Police requires every request to be
authorised by someone of the requester's own organisation before it hears of it.

Alex (Community Safety Team) names Avery, CST's authoriser; Avery authorises or refuses. Pat
(Housing Service) has no authoriser in their organisation. Housing Service needs no authoriser.
"""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from bot.conversation.hub import Hub
from bot.core.unit import ServiceError
from bot.sharing.requests import submit_request as submit
from dialogs.messages import Ask, ChoiceInput, Completed, Say, Summary
from storage.models import AuditEntry, InformationRequest, OutboxMessage, PersonRole
from storage.models import Person as PersonModel
from tests.conversation.test_conversations import REQUEST_ANSWERS
from tests.sharing.test_lifecycle import (
    AUTHORISER,
    REFERENCE,
    confirm,
    labels,
    notices,
    press,
    submit_request,
    the_request,
)

AVERY = "avery@example.org"
JORDAN = "jordan@example.org"
BEFORE_AUTHORISER = (
    "skip",  # case references
    "no",
    "Needed for the ASB case panel; less would not identify the pattern",
    "yes",
    "ok",
    "1",
    "routine",
    "2026-12-18",
    "secure email",
    "2027-06-30",
)


async def audit_actions(hub: Hub, reference: str = REFERENCE) -> list[tuple[str, str]]:
    """(action, actor email) of every audit row about `reference`, oldest first."""
    async with hub.database.transaction() as session:
        rows = await session.scalars(
            select(AuditEntry)
            .where(AuditEntry.record_reference == reference)
            .order_by(AuditEntry.id)
        )
        return [(a.action, a.actor) for a in rows]


async def requests(hub: Hub) -> list[InformationRequest]:
    async with hub.database.transaction() as session:
        return list(await session.scalars(select(InformationRequest)))


async def all_notices(hub: Hub, email: str) -> list[OutboxMessage]:
    return await notices(hub, email)


async def id_of(hub: Hub, email: str) -> int:
    async with hub.database.transaction() as session:
        return await session.scalar(select(PersonModel.id).where(PersonModel.email == email))


async def test_the_authoriser_authorises_then_the_owner_is_told_and_decides(
    person, sample_hub, clock
):
    alex, avery, jordan = person("alex@example.org"), person(AVERY), person(JORDAN)
    await alex.send("request information")
    await alex.say(*REQUEST_ANSWERS, "City Police")
    asked = await alex.say(*BEFORE_AUTHORISER)
    assert isinstance(asked[-1], Ask) and asked[-1].field == "authoriser"
    assert [o.label for o in asked[-1].options] == [AUTHORISER]  # not Alex, not other partners
    await alex.say(AUTHORISER, "I confirm")
    done = await alex.send("confirm")
    assert done[-1] == Completed(
        REFERENCE,
        "Your request IR-2026-0001 is with Avery Signoff to authorise. Once they do, it goes to "
        "City Police; you will hear either way.",
    )
    request = await the_request(sample_hub)
    assert request.status == "awaiting_authorisation"
    assert (request.authoriser_id, request.authorised_at) == (
        await id_of(sample_hub, AVERY),
        None,
    )
    assert await all_notices(sample_hub, JORDAN) == []  # City Police hears nothing yet
    (to_avery,) = await notices(sample_hub, AVERY, "request_authorisation")
    assert labels(to_avery) == ["Authorise", "Refuse"]
    lines = to_avery.payload["lines"]
    assert (
        lines[0] == "Alex Morgan asks you to authorise this request before it goes to City Police."
    )
    assert any("Golden Lane" in line for line in lines)  # the whole request: they vouch for it

    clock.advance(days=1)  # Tuesday: the data owner's deadlines start now
    typed = await avery.send("authorise IR-2026-0001")
    assert typed == [
        Say(
            "IR-2026-0001 is authorised and now with City Police, who should decide by "
            "08 Dec 2026. Alex Morgan has been told."
        )
    ]
    request = await the_request(sample_hub)
    assert request.status == "submitted" and request.authorised_at is not None
    assert (f"{request.acknowledge_by}", f"{request.decide_by}") == ("2026-11-25", "2026-12-08")
    (to_jordan,) = await notices(sample_hub, JORDAN, "information_request")
    assert "Acknowledge" in labels(to_jordan) and "Decline" in labels(to_jordan)
    assert "Avery Signoff, Community Safety Manager authorised it." in to_jordan.payload["lines"]
    update = (await notices(sample_hub, "alex@example.org", "request_update"))[-1]
    assert "Avery Signoff, Community Safety Manager authorised it." in update.payload["lines"]
    (kept,) = await notices(sample_hub, AVERY, "request_authorisation_retired")
    assert labels(kept) == []  # no stale button, and no later updates

    await jordan.send(press("decline"))
    declined = await jordan.say("not_held", "Not held", "confirm")
    assert isinstance(declined[-1], Completed) and "is declined" in declined[-1].text
    assert await audit_actions(sample_hub) == [
        ("request.submitted", "alex@example.org"),
        ("request.authorise", AVERY),
        ("request.decline", JORDAN),
    ]


async def test_the_authoriser_refuses_and_the_owner_never_hears(person, sample_hub):
    alex, avery = person("alex@example.org"), person(AVERY)
    await submit_request(alex, authorised=False)
    opened = await avery.send("refuse IR-2026-0001")  # typed, as in the terminal
    assert isinstance(opened[-1], Ask) and opened[-1].field == "reason"
    await avery.send("Use the council's own ASB records first")
    done = await confirm(avery)
    assert done[-1] == Completed(
        REFERENCE,
        "IR-2026-0001 is not authorised; Alex Morgan has been told why. City Police was never "
        "told of it.",
    )
    request = await the_request(sample_hub)
    assert request.status == "not_authorised" and request.closed_at is not None
    assert request.next_nudge_at is None
    told = (await notices(sample_hub, "alex@example.org", "request_update"))[-1]
    assert told.payload["title"] == "Your information request IR-2026-0001: not authorised"
    assert (
        "Avery Signoff did not authorise it: Use the council's own ASB records first"
        in told.payload["lines"]
    )
    assert labels(told) == []
    assert await all_notices(sample_hub, JORDAN) == []
    assert ("request.refuse", AVERY) in await audit_actions(sample_hub)
    again = await avery.send("authorise IR-2026-0001")
    assert again == [Say("IR-2026-0001 is not authorised, so nothing more can be done with it.")]


async def test_nobody_to_authorise_in_the_organisation_is_said_plainly_and_nothing_is_sent(
    person, sample_hub
):
    pat = person("pat@example.org")  # Housing Service: nobody there holds the authoriser role
    await pat.send("request information")
    await pat.say(*REQUEST_ANSWERS)
    told = await pat.say("City Police", "skip", "no")  # the partner, references, special data
    assert told[0] == Say(
        "City Police needs each request authorised by someone in your own organisation, and "
        "nobody in your organisation is set up as an authoriser yet, so this request cannot be "
        "sent. Please ask the partnership coordinator to set one up. Say edit data owner to "
        "choose another partner, or cancel."
    )
    summary = await pat.say(*BEFORE_AUTHORISER[2:], "I confirm")
    assert isinstance(summary[-1], Summary)
    assert "authoriser" not in [row.field for row in summary[-1].rows]
    refused = await pat.send("confirm")
    assert refused == [
        Say(
            "City Police needs each request authorised by someone in your own organisation, and "
            "nobody in your organisation is set up as an authoriser yet, so nothing was sent. "
            "Please ask the partnership coordinator to set one up."
        )
    ]
    assert await requests(sample_hub) == []
    async with sample_hub.database.transaction() as session:
        audited = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "form.refused")
        )
    assert audited is not None and audited.actor == "pat@example.org"


async def test_an_authoriser_cannot_authorise_their_own_request(person, sample_hub):
    """Avery is CST's only authoriser: her own request to City Police has nobody to ask."""
    avery = person(AVERY)
    await avery.send("request information")
    await avery.say(*REQUEST_ANSWERS)
    told = await avery.say("City Police", "skip", "no")
    assert "nobody in your organisation is set up as an authoriser" in told[0].text


async def test_a_forged_authoriser_is_refused_and_the_question_asked_again(person, sample_hub):
    alex = person("alex@example.org")
    await alex.send("request information")
    await alex.say(*REQUEST_ANSWERS, "City Police", *BEFORE_AUTHORISER)
    jordan_id = await id_of(sample_hub, JORDAN)  # City Police's officer: not Alex's authoriser
    forged = await alex.send(ChoiceInput("authoriser", str(jordan_id)))
    assert isinstance(forged[-1], Ask) and forged[-1].field == "authoriser"
    assert await requests(sample_hub) == []

    # Chosen from the list, but Avery loses the role before Alex confirms: the service refuses.
    await alex.say(AUTHORISER, "I confirm")
    async with sample_hub.database.transaction() as session:
        await session.execute(
            delete(PersonRole).where(
                PersonRole.person_id == await id_of(sample_hub, AVERY),
                PersonRole.role == "authoriser",
            )
        )
    refused = await alex.send("confirm")
    assert refused == [
        Say(
            "City Police needs each request authorised by someone in your own organisation, and "
            "nobody in your organisation is set up as an authoriser yet, so nothing was sent. "
            "Please ask the partnership coordinator to set one up."
        )
    ]
    assert await requests(sample_hub) == []


async def test_an_authoriser_of_another_organisation_is_refused_at_submit(sample_hub):
    """Answers naming Quinn (Children's Social Care's authoriser) for Alex, as forged data would:
    the service checks the choice again and records nothing."""
    quinn_id = await id_of(sample_hub, "quinn@example.org")
    answers = {
        "partner": "CITYPOL",
        "purpose_type": "asb",
        "urgency": "routine",
        "lawful_basis": "s115",
        "authoriser": str(quinn_id),
    }
    with pytest.raises(ServiceError) as refused:
        async with sample_hub.unit() as uow:
            alex = await uow.session.scalar(
                select(PersonModel).where(PersonModel.email == "alex@example.org")
            )
            await submit(uow, alex, answers, "console")
    assert str(refused.value).startswith(
        "The authoriser you chose is not someone in your organisation who can authorise"
    )
    assert await requests(sample_hub) == []


async def test_acting_twice_or_as_the_requester_changes_nothing(person, sample_hub):
    alex, avery = person("alex@example.org"), person(AVERY)
    await submit_request(alex, authorised=False)
    own = await alex.send(press("authorise"))
    assert own == [
        Say(
            "You made IR-2026-0001, so you cannot authorise it: that is for the authoriser named "
            "on the request."
        )
    ]
    assert (await the_request(sample_hub)).status == "awaiting_authorisation"
    await avery.send(press("authorise"))
    twice = await avery.send(press("authorise"))
    assert twice == [Say("IR-2026-0001 is already submitted.")]
    late = await avery.send(press("refuse"))
    assert late[0].text.startswith("IR-2026-0001 is submitted, so you cannot refuse it now.")
    assert (await the_request(sample_hub)).status == "submitted"
    assert len(await notices(sample_hub, JORDAN, "information_request")) == 1
    audited = await audit_actions(sample_hub)
    assert [a for a in audited if a[0] == "request.authorise"] == [("request.authorise", AVERY)]
    assert ("action.refused", "alex@example.org") in audited
    assert audited.count(("action.refused", AVERY)) == 2


async def test_withdrawn_before_authorisation_the_authoriser_cannot_act(person, sample_hub):
    alex, avery = person("alex@example.org"), person(AVERY)
    await submit_request(alex, authorised=False)
    await alex.send(press("withdraw"))
    await alex.send("skip")
    done = await confirm(alex)
    assert done[-1] == Completed(
        REFERENCE, "IR-2026-0001 is withdrawn; City Police was never told of it."
    )
    (to_avery,) = await notices(sample_hub, AVERY, "request_authorisation")
    assert labels(to_avery) == [] and "Alex Morgan withdrew it." in to_avery.payload["lines"]
    refused = await avery.send(press("authorise"))
    assert refused == [Say("IR-2026-0001 is withdrawn, so nothing more can be done with it.")]
    assert (await the_request(sample_hub)).status == "withdrawn"
    assert await all_notices(sample_hub, JORDAN) == []


async def test_a_partner_that_needs_no_authoriser_gets_the_request_at_once(person, sample_hub):
    alex = person("alex@example.org")
    await alex.send("request information")
    await alex.say(*REQUEST_ANSWERS, "Housing Service")
    summary = await alex.say(*BEFORE_AUTHORISER, "I confirm")
    assert isinstance(summary[-1], Summary)
    assert "authoriser" not in [row.field for row in summary[-1].rows]
    done = await alex.send("confirm")
    assert isinstance(done[-1], Completed) and "is sent to Housing Service" in done[-1].text
    request = await the_request(sample_hub)
    assert (request.status, request.authoriser_id) == ("submitted", None)
    (to_casey,) = await notices(sample_hub, "casey@example.org", "information_request")
    assert "Acknowledge" in labels(to_casey)
    assert await notices(sample_hub, AVERY) == []
