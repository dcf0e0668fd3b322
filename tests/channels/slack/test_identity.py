"""A Slack user whose profile lookup failed (429, 500, timeout) is linked to the directory on a
later message, and what they did in between moves to them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from bot.outbox.dispatcher import Dispatcher
from storage.models import AuditEntry, Concern, DialogSession, Person
from tests.channels.slack.conftest import FakeSlack, SlackHarness, report_concern, text_of

RATE_LIMITED = {"ok": False, "error": "ratelimited"}

FAILURES: dict[str, Callable[[FakeSlack], None]] = {
    "rate limited": lambda fake: fake.fail_next(
        "users.info", 429, RATE_LIMITED, {"Retry-After": "30"}
    ),
    "Slack failing": lambda fake: fake.fail_next(
        "users.info", 500, {"ok": False, "error": "internal_error"}
    ),
    "too slow": lambda fake: fake.slow_next("users.info", 1.0),
}


async def person_for(slack: SlackHarness, user_id: str) -> Person | None:
    async with slack.hub.database.transaction() as session:
        return await session.scalar(select(Person).where(Person.slack_user_id == user_id))


async def placeholders(slack: SlackHarness) -> list[str]:
    async with slack.hub.database.transaction() as session:
        found = await session.scalars(
            select(Person.email).where(Person.email.like("%@unknown.invalid"))
        )
        return list(found)


async def audited(slack: SlackHarness, action: str) -> list[AuditEntry]:
    async with slack.hub.database.transaction() as session:
        return list(await session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


@pytest.mark.parametrize("failure", FAILURES)
async def test_a_failed_profile_lookup_is_tried_again_and_links_the_manager(slack, failure):
    hub = slack.hub
    await report_concern(slack.user("UALEX"))
    dispatcher = Dispatcher(hub.database, hub.clock, [slack.channel.deliverer], worker="test")
    await dispatcher.drain()  # the managers' alerts are held: neither has written yet
    assert slack.fake.posted("DPRIYA") == []
    slack.channel.workspace.lookup_timeout = 0.3
    FAILURES[failure](slack.fake)
    priya = slack.user("UPRIYA")

    await priya.say("hello")
    stand_in = await person_for(slack, "UPRIYA")
    assert stand_in is not None and stand_in.email == "slack-upriya@unknown.invalid"

    replies = await priya.say("open concerns")  # the lookup works this time

    linked = await person_for(slack, "UPRIYA")
    assert linked is not None and linked.email == "priya@example.org"
    assert linked.has_role("prevent_manager")
    assert "CN-2026-0001" in text_of(replies[-1])  # answered as the manager she is
    assert await placeholders(slack) == []
    (merged,) = await audited(slack, "person.merged")
    assert merged.actor == "priya@example.org"
    assert merged.summary["placeholder"] == "slack-upriya@unknown.invalid"
    await dispatcher.drain()  # her held alert goes out now that she is linked
    assert any("CN-2026-0001" in text_of(m) for m in slack.fake.posted("DPRIYA"))


async def test_what_someone_did_before_their_email_was_known_moves_to_them(slack):
    for _ in range(100):  # every lookup fails until healed
        slack.fake.fail_next("users.info", 429, RATE_LIMITED, {"Retry-After": "30"})
    alex = slack.user("UALEX")
    asked = await alex.say("there's racist graffiti on the bus stop on Cheapside")
    assert "organisation" in text_of(asked[-1])  # unknown, so asked like a newcomer
    replies = await alex.say("Housing Service")
    replies = await alex.press(replies[-1], "No")  # anyone in danger now?
    replies = await alex.press(replies[-1], "No")  # about a person?
    for answer in ("none", "skip", "none"):  # threats, photos, already reported
        replies = await alex.say(answer)
    replies = await alex.press(replies[-1], "Confirm")
    assert "CN-2026-0001" in text_of(replies[-1])
    question = (await alex.say("report"))[-1]  # a second report, left half-way
    assert await placeholders(slack) == ["slack-ualex@unknown.invalid"]

    slack.fake.failures.pop("users.info")
    replies = await alex.press(question, "No")  # the lookup works: Alex is Alex again

    assert "a specific person's behaviour" in text_of(replies[-1])  # the same conversation
    assert await placeholders(slack) == []
    async with slack.hub.database.transaction() as session:
        alex_row = await session.scalar(select(Person).where(Person.email == "alex@example.org"))
        concern = await session.scalar(select(Concern))
        sessions = list(await session.scalars(select(DialogSession)))
    assert alex_row.slack_user_id == "UALEX" and alex_row.partner.code == "CST"
    assert concern.reporter_id == alex_row.id
    assert {s.person_id for s in sessions} == {alex_row.id}
    (merged,) = await audited(slack, "person.merged")
    assert merged.summary["moved"]["concern.reporter_id"] == 1
    assert merged.summary["moved"]["dialog_session.person_id"] == 3  # organisation, 2 reports
    await alex.say("cancel")
    assert "CN-2026-0001" in text_of((await alex.say("my reports"))[-1])


async def test_someone_outside_the_directory_keeps_their_record_and_gains_their_email(slack):
    slack.fake.fail_next("users.info", 500, {"ok": False, "error": "internal_error"})
    newcomer = slack.user("UNEW")
    await newcomer.say("hello")
    first = await person_for(slack, "UNEW")
    await newcomer.say("help")

    later = await person_for(slack, "UNEW")
    assert later is not None and first is not None and later.id == first.id
    assert (later.email, later.name) == ("new.person@elsewhere.example", "New Person")
    assert not later.in_directory
    (learnt,) = await audited(slack, "person.email_learnt")
    assert learnt.summary == {"placeholder": "slack-unew@unknown.invalid"}


async def test_the_organisation_question_is_dropped_once_the_directory_knows_them(slack):
    for _ in range(10):
        slack.fake.fail_next("users.info", 429, RATE_LIMITED, {"Retry-After": "30"})
    alex = slack.user("UALEX")
    asked = await alex.say("report")
    assert "organisation" in text_of(asked[-1])
    slack.fake.failures.pop("users.info")

    await alex.say("Housing Service")  # answered once Alex is known to be in CST

    async with slack.hub.database.transaction() as session:
        alex_row = await session.scalar(select(Person).where(Person.email == "alex@example.org"))
        asking = await session.scalar(
            select(DialogSession).where(DialogSession.form_id == "organisation")
        )
    assert alex_row.slack_user_id == "UALEX" and alex_row.partner.code == "CST"
    assert (asking.active, asking.outcome, asking.person_id) == (False, "retired", alex_row.id)
    assert await audited(slack, "person.organisation") == []
