"""One concern end to end in Teams, three people in their personal chats: Alex reports hate
graffiti with a photo, Priya (Prevent manager) asks Alex a question and requests removal, Lee
(Street Enforcement's officer) answers that it is removed, and Alex is told."""

from __future__ import annotations

import base64
import hashlib

from bot.outbox.dispatcher import Dispatcher
from tests.channels.journey import assert_journey_recorded, record
from tests.channels.teams.conftest import ROSTER, actions, wait_for
from tests.photos import has_no_metadata, jpeg_with_exif

FILE_DOWNLOAD_INFO = "application/vnd.microsoft.teams.file.download.info"


def titles(reply) -> list[str]:
    return [a["title"] for a in actions(reply.cards)]


async def test_report_with_a_photo_question_answer_removal_and_the_reporter_told(
    teams_user, teams, sample_hub, monkeypatch
):
    monkeypatch.setitem(ROSTER, "29:lee", ("lee@example.org", "aad-lee", "Lee Streetwise"))
    alex, priya, lee = teams_user("29:alex"), teams_user("29:priya"), teams_user("29:lee")
    await priya.say("hi")  # the hub knows Priya's and Lee's chats from an earlier turn
    await lee.say("hi")
    dispatcher = Dispatcher(
        sample_hub.database, sample_hub.clock, [teams.channel.deliverer], worker="test"
    )

    ask = await alex.say("report")
    ask = await alex.press(ask, "No")  # anyone in danger now?
    ask = await alex.press(ask, "No")  # about a person?
    ask = await alex.say("There's racist graffiti on the bus stop on Cheapside")
    assert "Does it threaten violence" in ask.text
    ask = await alex.press(ask, "Send", answer="none")
    assert "photos" in ask.text and "Skip" in titles(ask)
    sent = jpeg_with_exif()
    urls = teams.connector.add_file("IMG_7.jpg", sent)
    ask = await send_photo(alex, "IMG_7.jpg", urls["download"])
    assert "reported anywhere" in ask.text
    summary = await alex.press(ask, "Send", answer="none")  # not reported anywhere else
    assert "1 photo(s)" in summary.text
    done = await alex.press(summary, "Confirm")
    assert "Recorded: CN-2026-0001" in done.text

    await dispatcher.drain()
    (alert,) = await wait_for(lambda: posted(teams, priya, "P2 concern CN-2026-0001"))
    assert {
        "P2 because: targets a group: race",
        "What was seen: There's racist graffiti on the bus stop on Cheapside",
        "Photos: 1",
        f"- Photo 1 (SHA-256 {hashlib.sha256(sent).hexdigest()[:12]}...)",
    } <= set(alert.text.splitlines())
    assert photos_shown(alert) == ["Photo 1 of CN-2026-0001"]  # a thumbnail, without metadata

    asked = await priya.press(alert, "Ask the reporter")
    assert "What do you want to ask the reporter?" in asked.text
    await priya.say("Which side of the bus stop was it on?")
    sent_question = await priya.say("confirm")
    assert "Your question is sent to the reporter of CN-2026-0001" in sent_question.text
    await dispatcher.drain()

    (question,) = await wait_for(lambda: posted(teams, alex, "The Community Safety team asks"))
    assert "The Community Safety team asks: Which side of the bus stop" in question.text
    assert "Priya" not in question.text and titles(question) == ["Answer"]
    await alex.press(question, "Answer")
    await alex.say("Facing the bank")
    thanks = await alex.say("confirm")
    assert "your answer is passed to the Community Safety team" in thanks.text
    await dispatcher.drain()

    (told,) = await wait_for(lambda: posted(teams, priya, "The reporter answered"))
    assert "The reporter answered: Facing the bank" in told.text and "Alex" not in told.text

    asked = await priya.press(alert, "Request removal")
    assert "Who should remove it?" in asked.text
    ask = await priya.press(asked, "Street Enforcement")
    ask = await priya.press(ask, "Skip")  # no note for the team
    assert "Removal by\nStreet Enforcement" in ask.text
    done = await priya.press(ask, "Confirm")
    assert "Removal of CN-2026-0001 requested from Street Enforcement" in done.text
    await dispatcher.drain()

    (removal,) = await wait_for(lambda: posted(teams, lee, "Please remove: CN-2026-0001"))
    assert "Cheapside" in removal.text and "Alex" not in removal.text
    assert titles(removal) == ["Removed", "Can't remove", "Not ours"]
    assert photos_shown(removal) == ["Photo 1 of CN-2026-0001"]  # to find it, and to check
    ask = await lee.press(removal, "Removed")
    assert "Anything the team should know (or skip)?" in ask.text
    ask = await lee.press(ask, "Skip")
    done = await lee.press(ask, "Confirm")
    assert "Thank you: CN-2026-0001 is recorded as removed" in done.text
    await dispatcher.drain()

    (update_for_alex,) = await wait_for(lambda: posted(teams, alex, "has been removed"))
    assert "Your report CN-2026-0001" in update_for_alex.text
    assert "What you reported has been removed. Thank you." in update_for_alex.text
    assert "Lee" not in update_for_alex.text and "Priya" not in update_for_alex.text
    puts = [c for c in teams.connector.calls if c.method == "PUT" and c.conversation == lee.chat]
    (removed,) = puts  # the request, updated in place
    assert "Removed: CN-2026-0001" in removed.text and titles(removed) == []
    before = await record(sample_hub)

    again = await lee.press(removal, "Removed")  # the button of the request as first sent
    assert "CN-2026-0001 is already marked removed; nothing was changed." in again.text
    after = await record(sample_hub)
    assert after.version == before.version

    await assert_journey_recorded(sample_hub, sent, "teams")


async def send_photo(alex, name: str, url: str):
    """A photo uploaded in the chat, as Teams attaches it; the bot's one reply."""
    activity = alex.message("")
    content = {"downloadUrl": url, "uniqueId": f"u-{name}", "fileType": "jpg"}
    activity["attachments"] = [
        {"contentType": "text/html", "content": "<p></p>"},
        {"contentType": FILE_DOWNLOAD_INFO, "name": name, "content": content},
    ]
    (reply,) = await alex.send(activity)
    return reply


def posted(teams, person, text: str) -> list:
    """What the bot posted in `person`'s chat that contains `text`."""
    return [c for c in teams.connector.posted(person.chat) if text in c.text]


def photos_shown(reply) -> list[str]:
    """The alt text of each photo a card shows, after checking it is a JPEG without metadata."""
    shown = []
    for card in reply.cards:
        for element in card.get("body", []):
            if element.get("type") == "Image":
                assert element["url"].startswith("data:image/jpeg;base64,")
                data = base64.b64decode(element["url"].split(",", 1)[1])
                assert has_no_metadata(data)
                shown.append(element["altText"])
    return shown
