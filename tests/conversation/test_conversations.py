"""Transcripts of whole conversations through the turn loop, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bot.conversation.hub import Hub
from dialogs.messages import ActionInput, Ask, Completed, FormInput, Say, Summary
from storage.models import (
    AuditEntry,
    Concern,
    DialogSession,
    InformationRequest,
    OutboxMessage,
    Recommendation,
    RecommendationUpdate,
)
from storage.models import Person as PersonModel
from tests.conftest import Person

RACIST_GRAFFITI = "there's racist graffiti on the bus stop on Cheapside"
CONCERN_ANSWERS = (
    "no",  # danger now
    "no",  # about a person
    "none",  # threats
    "skip",  # photos
    "none",  # already reported
)
"""What follows RACIST_GRAFFITI: the sentence says what, where and whom it targets."""


async def test_free_text_report_prefills_and_records_a_triaged_concern(person, sample_hub):
    alex = person("alex@example.org")
    replies = await alex.send(RACIST_GRAFFITI)
    assert isinstance(replies[-1], Ask) and replies[-1].field == "danger_now"
    summary = await alex.say(*CONCERN_ANSWERS)
    assert isinstance(summary[-1], Summary)
    rows = {row.field: row.value for row in summary[-1].rows}
    assert rows["category"] == "Hate graffiti"
    assert rows["location"] == "Cheapside"
    assert rows["targets"] == "Race, ethnicity or nationality"
    done = await alex.send("confirm")
    assert isinstance(done[-1], Completed)
    assert done[-1].reference == "CN-2026-0001"
    assert "P2 because: targets a group: race" in done[-1].text
    async with sample_hub.database.transaction() as session:
        concern = await session.scalar(select(Concern))
        alerts = (
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == "concern_alert")
            )
        ).all()
        audits = await session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.record_reference == "CN-2026-0001")
        )
    assert concern.priority == "P2" and concern.description == RACIST_GRAFFITI
    assert len(alerts) == 2  # both on-duty Prevent managers in the sample directory
    assert audits == 1


async def test_cancel_records_nothing(person, sample_hub):
    alex = person("alex@example.org")
    await alex.say("report", "no", "no", "cancel")
    assert isinstance(alex.last, Say) and "Nothing was recorded" in alex.last.text
    async with sample_hub.database.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Concern)) == 0


REQUEST_ANSWERS = (
    "no",  # risk to life
    "asb",  # purpose type
    "Repeated noise and threats on the Golden Lane estate",  # purpose
    "yes",  # identifiable
    "2",  # how many
    "neither",  # child or adult at risk
    "Anti-social behaviour reports and call logs for two named residents",  # data wanted
    "since 1 June 2026",  # date range
)


async def test_information_request_with_the_lawful_basis_helper(person, sample_hub):
    alex = person("alex@example.org")
    await alex.send("request information")
    partner_question = await alex.say(*REQUEST_ANSWERS)
    ask = partner_question[-1]
    assert isinstance(ask, Ask) and ask.field == "partner"
    assert ask.options[0].label.endswith("(suggested)")  # partners holding ASB data come first
    basis = await alex.say(
        "City Police",
        "skip",
        "no",
        "Needed for the ASB case panel; less would not identify the pattern",
        "yes",
    )
    assert basis[-1].field == "lawful_basis"
    assert "Suggested: Crime and Disorder Act 1998 s115 + UK GDPR Art 6(1)(e)" in basis[-1].prompt
    assert "The data owner decides" in basis[-1].prompt
    agreement = await alex.send("ok")
    assert [o.value for o in agreement[-1].options][:2] == ["ISA-2026-02", "ISA-2026-01"]
    authoriser = await alex.say("1", "routine", "2026-12-18", "secure email", "2027-06-30")
    assert isinstance(authoriser[-1], Ask) and authoriser[-1].field == "authoriser"
    assert [o.label for o in authoriser[-1].options] == [
        "Avery Signoff, Community Safety Manager"  # City Police needs one; CST has Avery
    ]
    summary = await alex.say("1", "I confirm")
    assert isinstance(summary[-1], Summary)
    done = await alex.send("confirm")
    assert isinstance(done[-1], Completed) and done[-1].reference == "IR-2026-0001"
    assert "is with Avery Signoff to authorise" in done[-1].text
    authorised = await person("avery@example.org").send(
        ActionInput("request.authorise", "IR-2026-0001")
    )
    assert "should decide by 07 Dec 2026" in authorised[0].text
    async with sample_hub.database.transaction() as session:
        notice = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.kind == "information_request")
        )
        request = await session.scalar(select(InformationRequest))
    assert request.status == "submitted" and request.partner.code == "CITYPOL"
    assert request.lawful_basis.startswith("Crime and Disorder Act 1998 s115")
    assert "Lawful basis the requester relies on: Crime and Disorder Act 1998 s115" in "\n".join(
        notice.payload["lines"]
    )


async def test_no_agreement_is_recorded_as_one_off_sharing(person):
    alex = person("alex@example.org")
    await alex.send("request information")
    await alex.say(*REQUEST_ANSWERS, "Victim Support", "skip", "no", "needed", "no", "ok")
    replies = await alex.send("no agreement")
    assert any(isinstance(r, Say) and "One-off sharing" in r.text for r in replies)


async def test_the_update_form_offers_only_items_the_owner_can_still_update(person, sample_hub):
    drew = person("drew@example.org")
    await drew.send("update an action")
    await drew.say("VUL-18", "done", "Pilot running since October", "confirm")
    asked = await drew.send("update an action")
    offered = [option.value for option in asked[-1].options]
    assert offered and "VUL-18" not in offered


async def test_recommendation_update_from_my_actions(person, sample_hub):
    drew = person("drew@example.org")
    listing = await drew.send("my actions")
    assert "VUL-18" in "\n".join(listing[-1].lines)
    await drew.send("update an action")
    await drew.say("VUL-18", "blocked", "Waiting for the hospital to agree the data flow")
    done = await drew.send("confirm")
    assert isinstance(done[-1], Completed) and "VUL-18 is now blocked" in done[-1].text
    async with sample_hub.database.transaction() as session:
        rec = await session.scalar(
            select(Recommendation).where(Recommendation.reference == "VUL-18")
        )
        coordinator_notices = (
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == "recommendation_blocked")
            )
        ).all()
        audit = await session.scalar(
            select(AuditEntry).where(AuditEntry.record_reference == "VUL-18")
        )
    assert rec.status == "blocked"
    assert len(coordinator_notices) == 1
    assert audit.action == "recommendation.blocked"


async def test_status_shows_only_what_the_actor_may_see(person, sample_hub):
    alex = person("alex@example.org")
    await alex.send("report")
    await alex.say(
        "no",
        "no",
        "a sticker",  # what was seen
        "hate sticker",  # the category
        "nobody",  # whom it targets
        "none",  # threats
        "skip",  # photos
        "London Wall",  # where: the wall says what kind of place too
        "none",  # already reported
        "confirm",
    )
    mine = await alex.send("status CN-2026-0001")
    assert mine[-1].title.startswith("CN-2026-0001")
    stranger = person("jo@example.org")
    refused = await stranger.send("status CN-2026-0001")
    unknown = await stranger.send("status CN-2026-9999")
    assert (
        refused[-1]
        == unknown[-1]
        == Say("I can't find a record with that reference that you can see.")
    )
    manager = person("priya@example.org")
    assert (await manager.send("status CN-2026-0001"))[-1].title.startswith("CN-2026-0001")


async def test_bad_input_keeps_the_conversation(person):
    alex = person("alex@example.org")
    await alex.say("report hate graffiti", "no", "no")
    replies = await alex.send("x" * 10_000)
    assert replies[-1].field == "description" and "too long" in replies[-1].error
    replies = await alex.send("frobnicate the widget")  # not a command: a fine description
    assert replies[-1].field == "targets"
    replies = await alex.say("nobody", "none", "skip")
    assert replies[-1].field == "location"
    replies = await alex.send("EC2V 99ZZ")
    assert replies[-1].field == "location" and "UK postcode" in replies[-1].error


async def test_an_unfinished_conversation_survives_a_restart_and_is_offered_back(sample_hub, clock):
    alex = Person(sample_hub, "alex@example.org")
    await alex.say("report", "no", "no")
    restarted = Hub.build(sample_hub.settings, clock)
    try:
        clock.advance(hours=25)  # past the 24-hour idle limit
        again = Person(restarted, "alex@example.org")
        offer = await again.send("hello")
        assert "unfinished visual-audit concern" in offer[-1].text
        resumed = await again.send("resume")
        assert resumed[-1].field == "description"
    finally:
        await restarted.close()


async def test_discarding_a_draft(sample_hub, clock):
    alex = Person(sample_hub, "alex@example.org")
    await alex.say("report", "no")
    clock.advance(hours=30)
    await alex.send("hi")
    dropped = await alex.send("discard")
    assert "Dropped your unfinished visual-audit concern" in dropped[-1].text
    assert (await alex.send("my reports"))[-1].text.startswith("You haven't reported")


async def test_someone_not_in_the_directory_is_asked_their_organisation_once(person, sample_hub):
    stranger = person("new.starter@example.net")
    replies = await stranger.send("I want to report hateful stickers on London Wall")
    assert replies[-1].field == "organisation"
    replies = await stranger.send("Housing Service")
    assert replies[-1].field == "danger_now"  # carries on with what they asked for
    async with sample_hub.database.transaction() as session:
        who = await session.scalar(
            select(PersonModel).where(PersonModel.email == "new.starter@example.net")
        )
    assert not who.in_directory and who.partner.code == "HOUSING" and who.has_role("staff")
    await stranger.send("cancel")
    assert (await stranger.send("report"))[-1].field == "danger_now"  # not asked again


async def test_a_retried_event_is_handled_once(person, sample_hub):
    alex = person("alex@example.org")
    await alex.send("report")
    first = await alex.send("no", event_id="evt-1")
    again = await alex.send("no", event_id="evt-1")
    assert first[-1].field == "about_person"
    assert again == []
    assert (await alex.send("no"))[-1].field == "description"


async def test_two_messages_racing_never_corrupt_the_session(person, sample_hub):
    alex = person("alex@example.org")
    await alex.say("report hate graffiti", "no", "no")
    await asyncio.gather(alex.send("first description"), alex.send("religion"))
    async with sample_hub.database.transaction() as session:
        rows = (
            await session.scalars(select(DialogSession).where(DialogSession.active.is_(True)))
        ).all()
    assert len(rows) == 1
    answers = rows[0].state["answers"]
    # Whatever the order, each message was applied once, to the question it was answering then.
    assert answers["description"] in ("first description", "religion")
    assert answers.get("targets") in (["religion"], None)  # "first description" is no target
    assert rows[0].version >= 5  # started, two gates, then both racing messages


async def test_a_refused_submission_writes_nothing_and_says_why(person, sample_hub):
    drew = person("drew@example.org")
    await drew.send("update an action")
    await drew.say("VUL-18", "progress", "Meeting held", "skip")
    async with sample_hub.database.transaction() as session:
        rec = await session.scalar(
            select(Recommendation).where(Recommendation.reference == "VUL-18")
        )
        rec.owner_id = (
            await session.scalar(select(PersonModel).where(PersonModel.email == "pat@example.org"))
        ).id
    replies = await drew.send("confirm")
    assert replies[-1] == Say("VUL-18 is no longer yours, so nothing was changed.")
    async with sample_hub.database.transaction() as session:
        updates = await session.scalar(select(func.count()).select_from(RecommendationUpdate))
    assert updates == 0


async def test_an_old_form_from_another_conversation_is_not_applied(person, sample_hub):
    alex = person("alex@example.org")
    await alex.say("report", "no")
    replies = await alex.send(FormInput("info_request", {"about_person": "yes", "purpose": "x"}))
    assert replies[0] == Say("That button or form is no longer available, so nothing was changed.")
    assert replies[-1].field == "about_person"
    async with sample_hub.database.transaction() as session:
        audit = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "input.not_offered")
        )
    assert audit.summary["form"] == "info_request" and audit.actor == "alex@example.org"


async def test_a_bare_status_asks_which_record(person):
    replies = await person("alex@example.org").send("status")
    assert replies[-1] == Say(
        "Which record? Say status and its reference, for example: status CN-2026-0001."
    )


async def test_a_whole_form_from_someone_new_is_kept_not_swapped_for_the_organisation_question(
    person, sample_hub
):
    stranger = person("someone.new@example.net")
    values = {
        "danger_now": "no",
        "about_person": "no",
        "category": "hate_sticker",
        "description": "Stickers",
    }
    replies = await stranger.send(FormInput("concern", values))
    assert replies[-1].field == "targets"


async def test_help_lists_what_each_role_can_do(person):
    staff = (await person("alex@example.org").send("help"))[-1].text
    manager = (await person("priya@example.org").send("help"))[-1].text
    owner = (await person("jordan@example.org").send("help"))[-1].text
    assert "report something you saw" in staff and "open concerns" not in staff
    assert "'open concerns', 'hotspots'" in manager and manager.endswith("start over, cancel.")
    assert "acknowledge IR-2026-0001" in owner and "open concerns" not in owner
