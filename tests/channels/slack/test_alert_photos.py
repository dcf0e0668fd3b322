"""A manager's Slack alert shows the concern's photos: the cleaned copies, uploaded into the
thread of the alert in their DM, once; the shared alerts channel never gets a photo.

Alex reports hate graffiti with a phone photo (EXIF, GPS); Priya and Sam are the managers.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from bot.core.unit import UnitOfWork
from bot.outbox.dispatcher import Dispatcher
from bot.prevent.concerns import record_concern
from storage.models import Person
from tests.channels.slack.test_delivery import alerts, link
from tests.conftest import concern_answers
from tests.photos import cleaned_copies, has_no_metadata, kept_in_hub

ALERTS = "CALERTS"


async def reported_with_a_photo(hub) -> None:
    """Alex's P1 report with one photo, the managers linked on Slack and an alerts channel set."""
    await link(hub, UPRIYA="priya@example.org", USAM="sam@example.org")
    photo = await kept_in_hub(hub)
    settings = replace(hub.settings, alerts_channel=f"slack:{ALERTS}")
    async with hub.database.transaction() as session:
        reporter = await session.scalar(select(Person).where(Person.email == "alex@example.org"))
        uow = UnitOfWork(session, hub.clock.now(), settings, hub.calendar)
        answers = concern_answers(names_target="yes", photos=[photo])
        await record_concern(uow, reporter, answers, platform="slack")


async def test_the_photo_goes_into_each_managers_alert_thread_and_never_the_channel(slack):
    hub = slack.hub
    await reported_with_a_photo(hub)

    await Dispatcher(hub.database, hub.clock, [slack.channel.deliverer], worker="test").drain()

    (post,) = slack.fake.posted(ALERTS)
    (priya,) = slack.fake.posted("DPRIYA")
    (sam,) = slack.fake.posted("DSAM")
    [cleaned] = await cleaned_copies(hub)
    assert sorted((f["channel"], f["thread_ts"]) for f in slack.fake.shared) == [
        ("DPRIYA", priya["ts"]),
        ("DSAM", sam["ts"]),
    ]
    for shared in slack.fake.shared:
        assert shared["data"] == cleaned and has_no_metadata(shared["data"])
        # named for the concern, never by the file name the reporter gave
        assert (shared["filename"], shared["title"]) == (
            "CN-2026-0001-photo-1.jpg",
            "Photo 1 of CN-2026-0001",
        )
    assert "files" not in post and "image" not in str(post["blocks"])
    assert not [c for c in slack.fake.called("files.completeUploadExternal") if ALERTS in str(c)]


async def test_a_send_retried_after_a_lost_answer_uploads_the_photo_once(slack, clock):
    hub = slack.hub
    await reported_with_a_photo(hub)
    # Slack keeps Priya's alert but its answer is lost: the row may be delivered.
    slack.fake.fail_next("chat.postMessage", 500, {"ok": False, "error": "fatal_error"}, kept=True)
    dispatcher = Dispatcher(hub.database, hub.clock, [slack.channel.deliverer], worker="test")

    await dispatcher.drain()
    clock.advance(minutes=20)
    await dispatcher.drain()
    await dispatcher.drain()

    assert {r.status for r in await alerts(hub)} == {"sent"}
    assert len(slack.fake.posted("DPRIYA")) == 1  # found in her DM, not posted again
    uploaded = [(f["channel"], f["thread_ts"]) for f in slack.fake.shared]
    assert sorted(uploaded) == sorted(
        (dm, message["ts"]) for dm in ("DPRIYA", "DSAM") for message in slack.fake.posted(dm)
    )
    assert len(uploaded) == 2  # one alert each, one upload each


async def test_replacing_the_alert_uploads_nothing_more(slack):
    hub = slack.hub
    await reported_with_a_photo(hub)
    dispatcher = Dispatcher(hub.database, hub.clock, [slack.channel.deliverer], worker="test")
    await dispatcher.drain()
    priya = slack.user("UPRIYA")

    await priya.press(priya.messages()[0], "Acknowledge")
    await dispatcher.drain()

    assert slack.fake.called("chat.update")
    assert len(slack.fake.shared) == 2


async def test_an_upload_slack_refuses_leaves_the_alert_delivered_and_is_not_tried_again(
    slack, caplog
):
    hub = slack.hub
    await reported_with_a_photo(hub)
    slack.fake.fail_next("files.completeUploadExternal", 500, {"ok": False, "error": "fatal_error"})
    dispatcher = Dispatcher(hub.database, hub.clock, [slack.channel.deliverer], worker="test")

    await dispatcher.drain()
    await dispatcher.drain()

    assert {r.status for r in await alerts(hub)} == {"sent"}
    # one manager's upload failed and was not tried again; the other's went through
    assert len(slack.fake.shared) == 1
    assert len(slack.fake.called("files.completeUploadExternal")) == 1
    assert "photos of an alert were not uploaded" in caplog.text
    assert "IMG_0042" not in caplog.text and "CN-2026-0001" not in caplog.text
