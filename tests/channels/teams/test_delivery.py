"""Proactive notices through the outbox Dispatcher to Teams users, and their in-place updates."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.outbox.dispatcher import Dispatcher
from dialogs.messages import ActionInput, Notice
from storage.models import OutboxMessage
from storage.models import Person as PersonModel
from tests.channels.teams.conftest import TEAM_ID, TENANT, actions, wait_for
from tests.conftest import Person

CONCERN = (
    "report",
    "no",  # danger now
    "no",  # about a person
    "Go home written in red",  # what was seen
    "hate graffiti",
    "race",
    "none",  # threats
    "skip",  # photos
    "Cheapside",
    "wall",
    "none",  # already reported
    "confirm",
)
REQUEST = (
    "request information",
    "no",  # risk to life
    "asb",
    "Repeated noise and threats on the Golden Lane estate",
    "yes",  # identifiable
    "2",
    "neither",
    "Anti-social behaviour reports and call logs for two named residents",
    "since 1 June 2026",
    "City Police",
    "skip",  # case references
    "no",  # special category
    "Needed for the ASB case panel; less would not identify the pattern",
    "yes",  # prejudice
    "ok",  # lawful basis suggestion
    "1",  # agreement
    "routine",
    "2026-12-18",
    "secure email",
    "2027-06-30",
    "Avery Signoff, Community Safety Manager",  # City Police requires an authoriser
    "I confirm",
    "confirm",
)


async def authorise(hub) -> None:
    """Avery, Alex's authoriser, authorises IR-2026-0001 from the console."""
    done = await Person(hub, "avery@example.org").send(
        ActionInput("request.authorise", "IR-2026-0001")
    )
    assert "is authorised" in done[0].text


def dispatcher(hub, teams) -> Dispatcher:
    return Dispatcher(hub.database, hub.clock, [teams.channel.deliverer], worker="test")


async def rows(hub, **where) -> list[OutboxMessage]:
    async with hub.database.transaction() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        for column, value in where.items():
            query = query.where(getattr(OutboxMessage, column) == value)
        return list(await session.scalars(query))


async def test_an_alert_reaches_a_manager_in_teams_and_is_updated_in_place(
    teams_user, teams, sample_hub
):
    priya = teams_user("29:priya")
    await priya.say("hi")  # any earlier turn stores her conversation reference
    alex = Person(sample_hub, "alex@example.org")  # reports from the console
    done = await alex.say(*CONCERN)
    reference = done[-1].reference
    report = await dispatcher(sample_hub, teams).drain()
    assert (report.sent, report.held) == (1, 1)  # Sam, the deputy, has no Teams address yet
    posted = await wait_for(lambda: teams.connector.posted(priya.chat))
    alert = posted[-1]
    assert f"concern {reference}" in alert.text and "Cheapside" in alert.text
    assert alert.body["from"]["id"] == "28:saferhub-bot" and "replyToId" not in alert.body
    assert alert.body["conversation"]["id"] == priya.chat
    buttons = actions(alert.cards)
    assert buttons and all(b["data"]["reference"] == reference for b in buttons)
    (sent,) = await rows(sample_hub, kind="concern_alert", status="sent")
    assert (sent.platform, sent.platform_conversation) == ("teams", priya.chat)
    assert sent.platform_message_id == alert.answered_id

    acted = Notice(
        "concern_alert", f"{reference} acknowledged by Priya", ("No action needed.",), reference
    )
    async with sample_hub.unit() as uow:
        await uow.refresh_notices(acted, "concern_alert")
    await dispatcher(sample_hub, teams).drain()
    put = await wait_for(lambda: [c for c in teams.connector.calls if c.method == "PUT"])
    assert put[0].path == f"/v3/conversations/{priya.chat}/activities/{sent.platform_message_id}"
    assert "acknowledged by Priya" in put[0].text and actions(put[0].cards) == []


async def test_a_slack_users_request_reaches_the_data_owner_in_teams(teams_user, teams, sample_hub):
    jordan = teams_user("29:jordan")  # City Police's data owner, linked by the roster's email
    await jordan.send(jordan.install())
    requester = Person(sample_hub, "alex@example.org")  # console or Slack: not Teams
    done = await requester.say(*REQUEST)
    assert done[-1].reference == "IR-2026-0001"
    await authorise(sample_hub)  # City Police hears of it once Alex's authoriser says so
    await dispatcher(sample_hub, teams).drain()
    notices = await wait_for(
        lambda: [
            c
            for c in teams.connector.posted(jordan.chat)
            if "Information request IR-2026-0001" in c.text
        ]
    )
    assert "Golden Lane" in notices[0].text
    (row,) = await rows(  # Rowan, City Police's other liaison officer, uses email only
        sample_hub,
        kind="information_request",
        recipient_id=await person_id(sample_hub, "jordan@example.org"),
    )
    assert (row.status, row.platform, row.platform_conversation) == ("sent", "teams", jordan.chat)


async def test_a_reference_known_only_from_a_team_opens_a_private_chat(
    teams_user, teams, sample_hub
):
    priya = teams_user("29:priya")
    team = {
        "conversationType": "channel",
        "isGroup": True,
        "tenantId": TENANT,
        "id": "19:general@thread.tacv2",
    }
    installed = priya.activity(
        "conversationUpdate",
        team,
        membersAdded=[{"id": "28:saferhub-bot"}],
        channelData={
            "tenant": {"id": TENANT},
            "team": {"id": TEAM_ID},
            "eventType": "teamMemberAdded",
        },
    )
    welcome = await priya.send(installed)
    assert len(welcome) == 1 and "private chat" in welcome[0].text
    assert await priya.send(installed) == []  # Teams resent it: the team is greeted once
    await Person(sample_hub, "alex@example.org").say(*CONCERN)
    await dispatcher(sample_hub, teams).drain()
    created = await wait_for(
        lambda: [c for c in teams.connector.calls if c.path == "/v3/conversations"]
    )
    assert created[0].body["members"] == [{"id": "29:priya"}]
    alerts = teams.connector.posted("a:chat-29:priya")
    assert alerts and "concern CN-2026-0001" in alerts[0].text
    assert not [
        c for c in teams.connector.posted() if c.conversation.startswith("19:") and "CN-" in c.text
    ]
    (sent,) = await rows(sample_hub, kind="concern_alert", status="sent")
    assert sent.platform_conversation == "a:chat-29:priya"


async def test_connector_failures_are_retried_when_asked_and_dead_when_the_bot_is_gone(
    teams_user, teams, sample_hub
):
    priya, jordan = teams_user("29:priya"), teams_user("29:jordan")
    await priya.say("hi")
    await jordan.say("hi")
    teams.connector.failures = {priya.chat: (429, {"Retry-After": "7"}), jordan.chat: (403, {})}
    await Person(sample_hub, "alex@example.org").say(*CONCERN)
    await Person(sample_hub, "alex@example.org").say(*REQUEST)
    await authorise(sample_hub)
    report = await dispatcher(sample_hub, teams).tick()
    assert (report.sent, report.retried, report.dead) == (0, 1, 1)
    (alert,) = await rows(
        sample_hub,
        kind="concern_alert",
        recipient_id=await person_id(sample_hub, "priya@example.org"),
    )
    assert alert.status == "pending" and "429" in alert.last_error
    assert alert.next_attempt_at == sample_hub.clock.now() + timedelta(seconds=7)
    (request,) = await rows(
        sample_hub,
        kind="information_request",
        recipient_id=await person_id(sample_hub, "jordan@example.org"),
    )
    assert request.status == "dead" and "403" in request.last_error


async def person_id(hub, email: str) -> int:
    async with hub.database.transaction() as session:
        return await session.scalar(select(PersonModel.id).where(PersonModel.email == email))


async def test_a_reply_teams_refuses_is_kept_and_delivered_later_once(
    teams_user, teams, sample_hub
):
    alex = teams_user("29:alex")
    teams.connector.failures[alex.chat] = (503, {})
    first = alex.message("report")

    await alex.send(first)
    await alex.send(first)  # Teams resends the activity: a duplicate, nothing more is kept
    assert len(await rows(sample_hub, kind="kept_reply")) == 1

    del teams.connector.failures[alex.chat]
    report = await dispatcher(sample_hub, teams).drain()
    assert report.sent == 1
    kept = teams.connector.posted(alex.chat)[-1]
    assert "could not be sent at the time" in kept.text
    assert "anyone in danger" in kept.text and "1. Yes" in kept.text  # as typed, in a TextRun

    reply = await alex.say("no")  # the conversation carries on from the saved answer
    assert "a specific person's behaviour" in reply.text


async def test_a_manager_in_teams_asks_the_reporter_in_teams_and_hears_the_answer(
    teams_user, teams, sample_hub
):
    priya, alex_in_teams = teams_user("29:priya"), teams_user("29:alex")
    await priya.say("hi")
    await alex_in_teams.say("hi")  # both chats are known to the hub
    done = await Person(sample_hub, "alex@example.org").say(*CONCERN)
    reference = done[-1].reference
    await dispatcher(sample_hub, teams).drain()
    alert = (await wait_for(lambda: teams.connector.posted(priya.chat)))[-1]

    asked = await priya.press(alert, "Ask the reporter")
    assert "What do you want to ask the reporter?" in asked.text
    await priya.say("Which side of the wall?")
    sent = await priya.say("confirm")
    assert f"Your question is sent to the reporter of {reference}" in sent.text
    await dispatcher(sample_hub, teams).drain()
    question = (await wait_for(lambda: teams.connector.posted(alex_in_teams.chat)))[-1]
    assert "The Community Safety team asks: Which side of the wall?" in question.text
    assert "Priya" not in question.text

    await alex_in_teams.press(question, "Answer")
    await alex_in_teams.say("The side facing the bank")
    thanks = await alex_in_teams.say("confirm")
    assert "your answer is passed to the Community Safety team" in thanks.text
    await dispatcher(sample_hub, teams).drain()
    told = (await wait_for(lambda: teams.connector.posted(priya.chat)))[-1]
    assert "The reporter answered: The side facing the bank" in told.text
    assert "Alex" not in told.text
