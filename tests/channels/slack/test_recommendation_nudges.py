"""A grouped recommendation nudge in a Slack DM, answered with its buttons, then replaced."""

from __future__ import annotations

from sqlalchemy import select, update

from bot.outbox.dispatcher import Dispatcher
from bot.recommendations import nudges
from storage.models import AuditEntry, Person, Recommendation
from tests.channels.slack.conftest import buttons, text_of


async def test_a_nudge_answered_in_slack_updates_the_register_and_loses_that_items_buttons(
    slack, clock
):
    hub = slack.hub
    async with hub.database.transaction() as session:
        await session.execute(
            update(Person).where(Person.email == "drew@example.org").values(slack_user_id="UDREW")
        )
    await hub.run(nudges.sweep)
    dispatcher = Dispatcher(hub.database, hub.clock, [slack.channel.deliverer], worker="test")
    await dispatcher.drain()
    drew = slack.user("UDREW")
    (nudge,) = drew.messages()
    assert "Your recommendations: 2 need an update from you" in text_of(nudge)
    assert buttons(nudge)[:6] == [
        "VUL-18 done",
        "VUL-18 progress",
        "VUL-18 blocked",
        "VUL-18 not mine",
        "VUL-18 more time",
        "VUL-18 snooze a week",
    ]

    asked = await drew.press(nudge, "VUL-18 done")
    assert "Tell me more" in text_of(asked[-1])
    summary = await drew.say("Pilot commissioned from January")
    done = await drew.press(summary[-1], "Confirm")
    assert "VUL-18 is now done, awaiting verification" in text_of(done[-1])
    await dispatcher.drain()

    replaced = slack.fake.messages[nudge["ts"]]
    assert "VUL-18 done" not in buttons(replaced) and "DV-15 done" in buttons(replaced)
    assert "done, awaiting verification (answered)" in text_of(replaced)
    again = await drew.press(nudge, "VUL-18 progress")  # the old copy, pressed anyway
    assert "already marked done" in text_of(again[-1])
    async with hub.database.transaction() as session:
        rec = await session.scalar(
            select(Recommendation).where(Recommendation.reference == "VUL-18")
        )
        refused = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "action.refused")
        )
    assert rec.status == "completed_pending_verification"
    assert (refused.actor, refused.record_reference) == ("drew@example.org", "VUL-18")
