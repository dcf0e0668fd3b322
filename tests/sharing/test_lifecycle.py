"""An information request through its life cycle in chat, on SQLite and PostgreSQL.

Requester and data owner talk to the turn loop; buttons are pressed as `ActionInput`s exactly as a
channel sends them. Every step must show in the request's events, the audit chain and the notices.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

from sqlalchemy import select

from bot.conversation.hub import Hub
from dialogs.messages import ActionInput, Ask, Completed, Say, Summary
from storage.audit import verify_chain
from storage.models import (
    AuditEntry,
    Challenge,
    InformationRequest,
    OutboxMessage,
    RequestDecision,
    RequestEvent,
)
from storage.models import Person as PersonModel
from tests.conftest import Person
from tests.conversation.test_conversations import REQUEST_ANSWERS

REFERENCE = "IR-2026-0001"


AUTHORISER = "Avery Signoff, Community Safety Manager"


async def submit_request(alex: Person, authorised: bool = True, basis: str = "ok") -> str:
    """Alex asks City Police for ASB records: the transcript of test_conversations. City Police
    needs an authoriser: Alex names Avery (CST's authoriser), who authorises it unless told not
    to, so the data owner has it. `basis` answers the lawful-basis question: "ok" takes the
    helper's suggestion."""
    await alex.send("request information")
    await alex.say(*REQUEST_ANSWERS)
    await alex.say(
        "City Police",
        "skip",
        "no",
        "Needed for the ASB case panel; less would not identify the pattern",
        "yes",
        basis,
        "1",
        "routine",
        "2026-12-18",
        "secure email",
        "2027-06-30",
        AUTHORISER,
        "I confirm",
    )
    done = await alex.send("confirm")
    assert isinstance(done[-1], Completed)
    if authorised:
        await authorise(alex.hub, done[-1].reference)
    return done[-1].reference


async def authorise(hub: Hub, reference: str = REFERENCE) -> list[object]:
    """Avery, the requester's authoriser, presses Authorise."""
    replies = await Person(hub, "avery@example.org").send(press("authorise", reference))
    assert replies and isinstance(replies[0], Say) and "is authorised" in replies[0].text
    return replies


def press(action: str, reference: str = REFERENCE) -> ActionInput:
    return ActionInput(f"request.{action}", reference)


async def notices(hub: Hub, email: str, kind: str | None = None) -> list[OutboxMessage]:
    """Outbox rows for one person (of one kind), oldest first."""
    async with hub.database.transaction() as session:
        person = await session.scalar(select(PersonModel).where(PersonModel.email == email))
        query = select(OutboxMessage).where(OutboxMessage.recipient_id == person.id)
        if kind is not None:
            query = query.where(OutboxMessage.kind == kind)
        return list(await session.scalars(query.order_by(OutboxMessage.id)))


def labels(row: OutboxMessage) -> list[str]:
    return [a["label"] for a in row.payload["actions"]]


async def the_request(hub: Hub) -> InformationRequest:
    async with hub.database.transaction() as session:
        return await session.scalar(
            select(InformationRequest).where(InformationRequest.reference == REFERENCE)
        )


async def confirm(person: Person) -> list[object]:
    """Answer nothing more: confirm the summary on screen."""
    assert isinstance(person.last, Summary), person.last
    return await person.send("confirm")


async def test_a_request_from_submission_to_closure_with_a_challenge(person, sample_hub, clock):
    alex, jordan = person("alex@example.org"), person("jordan@example.org")
    dana, frankie = person("dana@example.org"), person("frankie@example.org")
    assert await submit_request(alex) == REFERENCE

    (new,) = await notices(sample_hub, "jordan@example.org", "information_request")
    assert labels(new) == [
        "Acknowledge",
        "Ask for more information",
        "Approve",
        "Approve in part",
        "Decline",
        "Redirect to another owner",
    ]
    assert all(a["reference"] == REFERENCE for a in new.payload["actions"])

    clock.advance(hours=1)
    done = await jordan.send(press("acknowledge"))
    assert done == [
        Say(
            "IR-2026-0001 acknowledged; Alex Morgan has been told. "
            "Your decision is due by 07 Dec 2026."
        )
    ]
    update = (await notices(sample_hub, "alex@example.org", "request_update"))[-1]
    assert update.payload["title"] == "Your information request IR-2026-0001: acknowledged"
    assert "Jordan Test (City Police) acknowledged it." in update.payload["lines"]
    assert labels(update) == ["Withdraw"]
    refreshed = await notices(sample_hub, "jordan@example.org", "information_request")
    assert "Acknowledge" not in labels(refreshed[0])  # the waiting copy lost the old button

    clock.advance(hours=1)
    asked = await jordan.send(press("ask_more_info"))
    assert isinstance(asked[-1], Ask) and asked[-1].field == "question"
    await jordan.send("Which addresses on the estate, and are the residents council tenants?")
    done = await confirm(jordan)
    assert isinstance(done[-1], Completed) and "decision deadline is paused" in done[-1].text
    question = (await notices(sample_hub, "alex@example.org", "request_update"))[-1]
    assert labels(question) == ["Answer", "Withdraw"]
    assert (
        "Question from the data owner: Which addresses on the estate, and are the residents "
        "council tenants?" in question.payload["lines"]
    )

    clock.advance(days=2)  # Wednesday: two working days paused
    answering = await alex.send(press("answer"))
    assert answering[0] == Say(
        "City Police asks: Which addresses on the estate, and are the residents council tenants?"
    )
    await alex.send("Flats 1-20 Golden Lane; both are council tenants")
    done = await confirm(alex)
    assert "now due by 09 Dec 2026" in done[-1].text
    request = await the_request(sample_hub)
    assert (request.status, request.paused_working_days) == ("under_review", 2)
    assert request.decide_by == date(2026, 12, 9)

    clock.advance(hours=2)
    await jordan.send(press("decline"))
    await jordan.say("Third-party confidentiality", "The call logs name neighbours who complained")
    summary = jordan.last
    assert isinstance(summary, Summary)
    assert {r.field: r.value for r in summary.rows}["position"] == "Inspector"
    done = await confirm(jordan)
    assert "may challenge it within 10 working days" in done[-1].text
    declined = (await notices(sample_hub, "alex@example.org", "request_update"))[-1]
    assert labels(declined) == ["Challenge the decision", "Accept and close"]
    assert "Reason: Third-party confidentiality" in declined.payload["lines"]

    clock.advance(days=1)
    said = await alex.send(press("challenge"))
    assert said[0] == Say(
        "Your challenge goes to the data owner's challenge reviewer, who should answer within "
        "5 working days."
    )
    await alex.send("The panel needs the pattern, not the neighbours' names: redact them")
    done = await confirm(alex)
    assert "is with the data owner's challenge reviewer" in done[-1].text
    (to_dana,) = await notices(sample_hub, "dana@example.org", "request_challenge")
    assert labels(to_dana) == ["Uphold the challenge", "Reject the challenge"]
    assert not any("Golden Lane" in line for line in to_dana.payload["lines"])

    clock.advance(days=1)
    await dana.send(press("reject_challenge"))
    await dana.send("Redaction would not protect the complainants on a small estate")
    done = await confirm(dana)
    assert "is rejected" in done[-1].text
    rejected = (await notices(sample_hub, "alex@example.org", "request_update"))[-1]
    assert labels(rejected) == ["Take the challenge further", "Accept and close"]

    clock.advance(days=1)
    said = await alex.send(press("escalate_challenge"))
    assert "the data protection officer" in said[0].text
    await alex.send("The agreement allows redacted sharing for ASB panels")
    done = await confirm(alex)
    assert "is with the data protection officer" in done[-1].text
    dana_copies = await notices(sample_hub, "dana@example.org", "request_challenge_retired")
    assert dana_copies and all(labels(row) == [] for row in dana_copies)

    clock.advance(days=1)
    await frankie.send(press("uphold_challenge"))
    await frankie.send("Share the pattern with the complainants' details redacted")
    done = await confirm(frankie)
    assert "is upheld" in done[-1].text
    owner = (await notices(sample_hub, "jordan@example.org", "information_request"))[-1]
    assert labels(owner) == ["Approve", "Approve in part"]  # the decision is reopened

    clock.advance(days=1)
    said = await jordan.send(press("approve_in_part"))
    assert said[0] == Say(
        "The challenge was upheld, so your new decision replaces the earlier one (declined), "
        "which stays on the record."
    )
    await jordan.say(
        "The panel needs the pattern; the upheld challenge asks for it redacted",
        "ASB incident summaries for Golden Lane since June",
        "The complainants' names and addresses",
        "Complainants' details blacked out",
    )
    done = await confirm(jordan)
    assert done[-1].text.startswith(
        "Your new decision on IR-2026-0001 is recorded, replacing the earlier one (declined)"
    )
    asked = await jordan.send(press("fulfil"))
    assert asked[-1].field == "shared"
    assert "Suggested: ASB incident summaries for Golden Lane since June" in asked[-1].prompt
    await jordan.send("ok")
    rows = {r.field: r.value for r in jordan.last.rows}
    assert (rows["route"], rows["sent_on"]) == ("Secure email", "30 Nov 2026")
    done = await confirm(jordan)
    assert done[-1].text == "IR-2026-0001 is marked fulfilled: sent by Secure email on 30 Nov 2026."
    assert await alex.send(press("close")) == [Say("IR-2026-0001 is closed.")]

    async with sample_hub.database.transaction() as session:
        request = await the_request(sample_hub)
        steps = [
            (e.from_status, e.to_status)
            for e in await session.scalars(
                select(RequestEvent)
                .where(RequestEvent.request_id == request.id)
                .order_by(RequestEvent.id)
            )
        ]
        audited = [
            a.action
            for a in await session.scalars(
                select(AuditEntry)
                .where(AuditEntry.record_reference == REFERENCE)
                .order_by(AuditEntry.id)
            )
        ]
        challenges = list(await session.scalars(select(Challenge).order_by(Challenge.id)))
        decisions = list(
            await session.scalars(select(RequestDecision).order_by(RequestDecision.id))
        )
        chain = await verify_chain(session)
    assert request.status == "closed" and request.closed_at is not None
    assert steps == [
        ("", "awaiting_authorisation"),
        ("awaiting_authorisation", "submitted"),
        ("submitted", "acknowledged"),
        ("acknowledged", "more_info_needed"),
        ("more_info_needed", "under_review"),
        ("under_review", "declined"),
        ("declined", "challenged"),
        ("challenged", "challenge_rejected"),
        ("challenge_rejected", "challenged"),
        ("challenged", "challenge_upheld"),
        ("challenge_upheld", "partially_approved"),
        ("partially_approved", "fulfilled"),
        ("fulfilled", "closed"),
    ]
    assert audited == [
        "request.submitted",
        "request.authorise",
        "request.acknowledge",
        "request.ask_more_info",
        "request.answer",
        "request.decline",
        "request.challenge",
        "request.reject_challenge",
        "request.escalate_challenge",
        "request.uphold_challenge",
        "request.approve_in_part",
        "request.fulfil",
        "request.close",
    ]
    assert [(c.level, c.outcome) for c in challenges] == [
        ("owner_reviewer", "rejected"),
        ("dpo", "upheld"),
    ]
    first, final = decisions
    assert (first.decision, first.decline_reason, first.position) == (
        "declined",
        "third_party",
        "Inspector",
    )
    assert (final.decision, final.supersedes_id) == ("partially_approved", first.id)
    assert final.sent_description == "ASB incident summaries for Golden Lane since June"
    assert (final.sent_route, final.sent_on) == ("Secure email", date(2026, 11, 30))
    assert chain.ok


async def test_an_approval_records_the_decision_record(person, sample_hub, clock):
    alex, kim = person("alex@example.org"), person("kim@example.org")
    await submit_request(alex)
    clock.advance(hours=3)
    asked = await kim.send(press("approve_in_part"))  # Kim is Jordan's deputy
    assert isinstance(asked[-1], Ask) and asked[-1].field == "reasons"
    await kim.say(
        "Needed to protect residents; s115 applies",
        "ASB incident summaries for two addresses since June",
        "Call recordings, which name third parties",
        "skip",
    )
    rows = {r.field: r.value for r in kim.last.rows}
    assert rows["decision"] == "Approve in part"
    assert rows["retention"] == "Delete by 30 Jun 2027"
    assert rows["route"] == "Secure email"
    assert rows["lawful_basis"].startswith("Crime and Disorder Act 1998 s115")
    done = await confirm(kim)
    assert "Send the information by Secure email within 5 working days" in done[-1].text
    async with sample_hub.database.transaction() as session:
        decision = await session.scalar(select(RequestDecision))
        kim_id = await session.scalar(
            select(PersonModel.id).where(PersonModel.email == "kim@example.org")
        )
    assert decision.decision == "partially_approved"
    assert decision.decided_by_id == kim_id and decision.position == "Sergeant"
    assert decision.withheld == "Call recordings, which name third parties"
    assert decision.shared_description == "ASB incident summaries for two addresses since June"
    assert (decision.security, decision.retention) == ("Secure email", "Delete by 30 Jun 2027")
    update = (await notices(sample_hub, "alex@example.org", "request_update"))[-1]
    assert labels(update) == ["Challenge the decision", "Mark fulfilled", "Withdraw"]
    assert "Withheld: Call recordings, which name third parties" in update.payload["lines"]


async def test_a_redirect_hands_the_request_to_the_new_owner(person, sample_hub, clock):
    alex, jordan = person("alex@example.org"), person("jordan@example.org")
    await submit_request(alex)
    clock.advance(days=1)
    await jordan.send(press("redirect"))
    asked = jordan.last
    assert isinstance(asked, Ask) and "City Police" not in [o.label for o in asked.options]
    await jordan.say("Housing Service", "Tenancy records are held by Housing")
    done = await confirm(jordan)
    assert "is now with Housing Service, who should decide by 08 Dec 2026" in done[-1].text
    request = await the_request(sample_hub)
    assert (request.status, request.partner.code) == ("submitted", "HOUSING")
    (to_casey,) = await notices(sample_hub, "casey@example.org", "information_request")
    assert "Acknowledge" in labels(to_casey)
    old = await notices(sample_hub, "jordan@example.org", "information_request_retired")
    assert old and all(labels(row) == [] for row in old)
    assert "redirected it from City Police to Housing Service" in old[0].payload["lines"][0]
    refused = await jordan.send(press("approve"))
    assert refused == [Say("I can't find a record with that reference that you can see.")]
    casey = person("casey@example.org")
    assert (await casey.send(press("acknowledge")))[0].text.startswith("IR-2026-0001 acknowledged")


async def test_withdrawing_tells_the_owner_and_ends_the_request(person, sample_hub):
    alex = person("alex@example.org")
    await submit_request(alex)
    await alex.send(press("withdraw"))
    await alex.send("skip")
    done = await confirm(alex)
    assert done[-1] == Completed(
        REFERENCE, "IR-2026-0001 is withdrawn; the data owner has been told."
    )
    told = (await notices(sample_hub, "jordan@example.org", "information_request"))[-1]
    assert "Alex Morgan withdrew it." in told.payload["lines"] and labels(told) == []
    request = await the_request(sample_hub)
    assert request.status == "withdrawn" and request.next_nudge_at is None


async def test_typing_a_buttons_label_and_the_reference_works_like_pressing_it(person, sample_hub):
    """In the terminal there is nothing to press: the label shown under Actions can be typed."""
    alex, jordan = person("alex@example.org"), person("jordan@example.org")
    await submit_request(alex)
    assert (await jordan.send("Acknowledge IR-2026-0001"))[0].text.startswith(
        "IR-2026-0001 acknowledged"
    )
    asked = await jordan.send("ask for more information ir-2026-0001")
    assert isinstance(asked[-1], Ask) and asked[-1].field == "question"
    await jordan.send("cancel")
    assert (await alex.send("Approve IR-2026-0001"))[0].text.startswith(
        "You made IR-2026-0001, so you cannot approve it"
    )
    assert (await alex.send("status IR-2026-0001"))[-1].title == "IR-2026-0001: acknowledged"
    await alex.say("Withdraw IR-2026-0001", "skip")
    done = await confirm(alex)
    assert "IR-2026-0001 is withdrawn" in done[-1].text


async def test_two_officers_pressing_at_once_act_once(person, sample_hub):
    """Jordan and his deputy both press Acknowledge: one wins, the other is told, once."""
    await submit_request(person("alex@example.org"))
    jordan, kim = person("jordan@example.org"), person("kim@example.org")
    replies = await asyncio.gather(
        jordan.send(press("acknowledge")), kim.send(press("acknowledge"))
    )
    texts = sorted(r[0].text for r in replies)
    assert texts[0].startswith("IR-2026-0001 acknowledged;")
    assert texts[1] == "IR-2026-0001 is already acknowledged."
    async with sample_hub.database.transaction() as session:
        acknowledged = list(
            await session.scalars(
                select(RequestEvent).where(RequestEvent.to_status == "acknowledged")
            )
        )
    assert len(acknowledged) == 1


async def test_a_request_submitted_and_decided_after_midnight_in_london_is_dated_that_day(
    person, sample_hub, clock
):
    clock.current = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)  # 00:30 on 2 July in London
    alex, kim = person("alex@example.org"), person("kim@example.org")
    await submit_request(alex)
    (status,) = await alex.send(f"status {REFERENCE}")
    assert "Submitted: 02 Jul 2026" in status.lines
    clock.current = datetime(2026, 7, 2, 23, 30, tzinfo=UTC)  # 00:30 on 3 July
    await kim.send(press("approve_in_part"))
    await kim.say("Needed to protect residents; s115 applies", "ASB summaries", "Names", "skip")
    await confirm(kim)
    update = (await notices(sample_hub, "alex@example.org", "request_update"))[-1]
    assert any(line.endswith("on 03 Jul 2026") for line in update.payload["lines"])
