"""A whole concern conversation in the DM, through signed Events API and block_actions requests."""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select

from storage.models import (
    Attachment,
    Concern,
    DialogSession,
    OutboxMessage,
    Person,
    ProcessedEvent,
)
from tests.channels.slack.conftest import (
    answer_up_to_photos,
    answer_where,
    buttons,
    event_body,
    text_of,
)
from tests.photos import png

PHOTO = png()


async def count(hub, model, *where) -> int:
    async with hub.database.transaction() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where))


async def test_a_concern_from_first_message_to_reference_and_alert(slack):
    alex = slack.user("UALEX")
    await answer_up_to_photos(alex, "Go home written in red")
    photo = slack.fake.add_file("stop.png", "image/png", PHOTO)
    replies = await alex.upload(photo)
    reported = await answer_where(alex, replies)  # a PNG without GPS: where is asked
    replies = await alex.press(reported, "Not reported")  # a menu: seven options
    summary = replies[-1]
    assert "Check your visual-audit concern" in text_of(summary)
    edits = [b for b in buttons(summary) if b.startswith("Edit ")]
    assert len(edits) >= 15 and len(set(edits)) == len(edits)
    assert {"Edit location", "Edit description"} <= set(edits)
    assert buttons(summary)[-2:] == ["Confirm", "Cancel"]
    assert "1 photo(s)" in text_of(summary)

    done = await alex.press(summary, "Confirm")

    assert "CN-2026-0001" in text_of(done[-1])
    settled = slack.fake.messages[summary["ts"]]
    assert "Confirm" not in buttons(settled) and "You chose: Confirm" in text_of(settled)
    hub = slack.hub
    async with hub.database.transaction() as session:
        concern = await session.scalar(select(Concern))
        photo_row = await session.scalar(select(Attachment))
        person = await session.scalar(select(Person).where(Person.email == "alex@example.org"))
    assert concern.reference == "CN-2026-0001" and concern.description == "Go home written in red"
    assert concern.priority == "P2"
    assert (photo_row.platform, photo_row.file_id, photo_row.name) == (
        "slack",
        "photo:1",
        "stop.png",
    )
    assert photo_row.sha256 == hashlib.sha256(PHOTO).hexdigest()
    assert person.slack_user_id == "UALEX"  # linked by the email users.info gave
    alerts = await count(hub, OutboxMessage, OutboxMessage.kind == "concern_alert")
    assert alerts >= 1


async def test_only_images_and_at_most_four_are_accepted(slack):
    alex = slack.user("UALEX")
    await answer_up_to_photos(alex, "Stickers on the railings")
    pdf = slack.fake.add_file("notes.pdf", "application/pdf", b"%PDF-1.4")
    replies = await alex.upload(pdf)
    assert "is not an image" in text_of(replies[-1])
    images = [slack.fake.add_file(f"p{i}.jpg", "image/jpeg", PHOTO) for i in range(5)]
    replies = await alex.upload(*images)
    assert "at most 4 photos" in text_of(replies[-1])
    assert slack.fake.called("download") == []  # neither a PDF nor five files are fetched


async def test_a_pasted_link_is_stored_plain_and_echoed_clickable_but_inert(slack):
    alex = slack.user("UALEX")
    # As Slack sends it: markup for the link, the mentions and the @channel Alex typed, and
    # the characters Alex typed literally (`<!here>`, `&`) escaped.
    sent = (
        "<!channel> &lt;!here&gt; see <@UPRIYA> and <@U0OTHER> at "
        "<https://evil.example/a?b=1&amp;c=2> or <http://evil.example|this link> "
        "mail <mailto:x@evil.example|x@evil.example> in <#C0GENERAL|general> &amp; more"
    )
    await answer_up_to_photos(alex, sent)
    await answer_where(alex, await alex.say("skip"))
    summary = (await alex.say("none"))[-1]

    async with slack.hub.database.transaction() as session:
        state = (await session.scalar(select(DialogSession))).state
    assert state["answers"]["description"] == (
        "@channel <!here> see @Priya Sample and @U0OTHER at https://evil.example/a?b=1&c=2 "
        "or this link (http://evil.example) mail x@evil.example in #general & more"
    )
    posted = text_of(summary)
    assert (
        "@channel &lt;!here&gt; see @Priya Sample and @U0OTHER at "
        "https://evil.example/a?b=1&amp;c=2 or this link (http://evil.example)"
    ) in posted
    assert "#general &amp; more" in posted
    for markup in ("<!", "<@", "<#", "<http", "<mailto"):
        assert markup not in posted
    for post in slack.fake.called("chat.postMessage"):  # Slack links a bare URL, pings nobody
        assert not {"link_names", "parse"} & post.keys()


async def test_a_retried_event_is_handled_once(slack):
    alex = slack.user("UALEX")
    first = await alex.say("report", event_id="Ev0RETRY01")
    event = {
        "type": "message",
        "channel": alex.dm,
        "user": alex.id,
        "text": "report",
        "ts": "1795510800.1",
        "channel_type": "im",
    }
    status, _ = await slack.event(event_body(event, "Ev0RETRY01"), retry=1)
    again, _ = await slack.event(event_body(event, "Ev0RETRY01"), retry=2)
    assert (status, again) == (200, 200)
    assert len(first) == 1 and len(alex.messages()) == 1
    assert await count(slack.hub, ProcessedEvent, ProcessedEvent.event_id == "Ev0RETRY01") == 1
    assert await count(slack.hub, DialogSession) == 1
