"""One concern end to end in Slack, three people in their DMs: Alex reports hate graffiti with a
photo, Priya (Prevent manager) asks Alex a question and requests removal, Lee (Street
Enforcement's officer) answers that it is removed, and Alex is told."""

from __future__ import annotations

import hashlib

from sqlalchemy import select, update

from bot.outbox.dispatcher import Dispatcher
from storage.models import Person, Photo
from tests.channels.journey import assert_journey_recorded, record
from tests.channels.slack.conftest import PEOPLE, buttons, text_of
from tests.photos import has_no_metadata, jpeg_with_exif

LEE = ("lee@example.org", "Lee Streetwise")


async def link(hub, **people: str) -> None:
    async with hub.database.transaction() as session:
        for user_id, email in people.items():
            await session.execute(
                update(Person).where(Person.email == email).values(slack_user_id=user_id)
            )


def lines(message: dict) -> list[str]:
    """The lines of every section in a message, as the reader sees them."""
    return [
        line
        for block in message["blocks"]
        if block["type"] == "section"
        for line in block["text"]["text"].splitlines()
    ]


async def test_report_with_a_photo_question_answer_removal_and_the_reporter_told(
    slack, monkeypatch
):
    hub = slack.hub
    monkeypatch.setitem(PEOPLE, "ULEE", LEE)  # Lee is in the workspace too
    slack.fake.people["ULEE"] = LEE
    await link(hub, UPRIYA="priya@example.org", USAM="sam@example.org", ULEE="lee@example.org")
    alex, priya, lee = slack.user("UALEX"), slack.user("UPRIYA"), slack.user("ULEE")
    dispatcher = Dispatcher(hub.database, hub.clock, [slack.channel.deliverer], worker="test")

    replies = await alex.say("report")
    replies = await alex.press(replies[-1], "No")  # anyone in danger now?
    replies = await alex.press(replies[-1], "No")  # about a person?
    replies = await alex.say("There's racist graffiti on the bus stop on Cheapside")
    assert "Does it threaten violence" in text_of(replies[-1])
    replies = await alex.say("none")
    assert "upload up to 4" in text_of(replies[-1])
    sent = jpeg_with_exif()
    replies = await alex.upload(slack.fake.add_file("IMG_0042.jpg", "image/jpeg", sent))
    assert "reported anywhere" in text_of(replies[-1])
    summary = (await alex.say("none"))[-1]
    assert "1 photo(s)" in text_of(summary)
    done = await alex.press(summary, "Confirm")
    assert "CN-2026-0001" in text_of(done[-1])

    await dispatcher.drain()
    (alert,) = priya.messages()
    assert {
        "P2 because: targets a group: race",
        "What was seen: There's racist graffiti on the bus stop on Cheapside",
        "Photos: 1",
        f"- Photo 1 (SHA-256 {hashlib.sha256(sent).hexdigest()[:12]}...)",
    } <= set(lines(alert))
    cleaned = await cleaned_copy(hub)
    assert shared_in(slack, priya.dm, alert["ts"]) == [cleaned]  # the photo, in the alert's thread

    asked = await priya.press(alert, "Ask the reporter")
    assert "What do you want to ask the reporter?" in text_of(asked[-1])
    await priya.say("Which side of the bus stop was it on?")
    sent_question = await priya.say("confirm")
    assert "Your question is sent to the reporter of CN-2026-0001" in text_of(sent_question[-1])
    await dispatcher.drain()

    question = alex.messages()[-1]
    assert "The Community Safety team asks: Which side of the bus stop" in text_of(question)
    assert "Priya" not in text_of(question) and buttons(question) == ["Answer"]
    await alex.press(question, "Answer")
    await alex.say("Facing the bank")
    thanks = await alex.say("confirm")
    assert "your answer is passed to the Community Safety team" in text_of(thanks[-1])
    await dispatcher.drain()

    told = text_of(priya.messages()[-1])
    assert "The reporter answered: Facing the bank" in told and "Alex" not in told

    asked = await priya.press(alert, "Request removal")
    assert "Who should remove it?" in text_of(asked[-1])
    replies = await priya.press(asked[-1], "Street Enforcement")
    replies = await priya.press(replies[-1], "Skip")  # no note for the team
    assert "*Removal by*\\nStreet Enforcement" in text_of(replies[-1])
    replies = await priya.press(replies[-1], "Confirm")
    assert "Removal of CN-2026-0001 requested from Street Enforcement" in text_of(replies[-1])
    await dispatcher.drain()

    (removal,) = lee.messages()
    assert "Please remove: CN-2026-0001" in text_of(removal)
    assert shared_in(slack, lee.dm, removal["ts"]) == [cleaned]  # to find it, and to check
    assert "Cheapside" in text_of(removal) and "Alex" not in text_of(removal)
    assert buttons(removal) == ["Removed", "Can't remove", "Not ours"]
    replies = await lee.press(removal, "Removed")
    assert "Anything the team should know (or skip)?" in text_of(replies[-1])
    replies = await lee.press(replies[-1], "Skip")
    replies = await lee.press(replies[-1], "Confirm")
    assert "Thank you: CN-2026-0001 is recorded as removed" in text_of(replies[-1])
    await dispatcher.drain()

    removed = lee.messages()[0]  # the request, updated in place
    assert "Removed: CN-2026-0001" in text_of(removed) and buttons(removed) == []
    update_for_alex = alex.messages()[-1]
    assert "Your report CN-2026-0001" in text_of(update_for_alex)
    assert "What you reported has been removed. Thank you." in text_of(update_for_alex)
    assert "Lee" not in text_of(update_for_alex) and "Priya" not in text_of(update_for_alex)
    before = await record(hub)

    (again,) = await lee.press(removal, "Removed")  # the button of the request as first sent
    assert "CN-2026-0001 is already marked removed; nothing was changed." in text_of(again)
    after = await record(hub)
    assert after.version == before.version

    await assert_journey_recorded(hub, sent, "slack")


async def cleaned_copy(hub) -> bytes:
    """The copy of the report's photo anyone may see: no EXIF, no GPS."""
    async with hub.database.transaction() as session:
        (photo,) = await session.scalars(select(Photo))
    assert has_no_metadata(photo.cleaned)
    return photo.cleaned


def shared_in(slack, channel: str, thread: str) -> list[bytes]:
    """The bytes of the files the hub uploaded into one message's thread."""
    return [
        f["data"] for f in slack.fake.shared if (f["channel"], f["thread_ts"]) == (channel, thread)
    ]
