"""A grouped recommendation nudge in a Slack DM, answered from an item's menu, then replaced."""

from __future__ import annotations

from slack_sdk.models.blocks import Block
from sqlalchemy import select, update

from bot.outbox.dispatcher import Dispatcher
from bot.recommendations import nudges
from storage.models import AuditEntry, Person, Recommendation
from tests.channels.slack.conftest import buttons, menus, text_of

VUL_18 = ["Done", "Progress", "Blocked", "Not mine", "More time", "Snooze a week"]


async def test_a_nudge_answered_in_slack_updates_the_register_and_loses_that_items_menu(
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
    rows = [b for b in nudge["blocks"] if "accessory" in b]
    assert [b["text"]["text"].split(" ", 1)[0] for b in rows] == ["VUL-18", "DV-15"]
    assert all(b["accessory"]["type"] == "static_select" for b in rows)
    assert menus(nudge) == [VUL_18, VUL_18] and buttons(nudge) == []
    assert not [b for b in nudge["blocks"] if b["type"] == "actions"]
    for block in nudge["blocks"]:
        Block.parse(block).validate_json()

    asked = await drew.press(nudge, "Done", row="VUL-18")
    assert "Tell me more" in text_of(asked[-1])
    summary = await drew.say("Pilot commissioned from January")
    done = await drew.press(summary[-1], "Confirm")
    assert "VUL-18 is now done, awaiting verification" in text_of(done[-1])
    await dispatcher.drain()

    replaced = slack.fake.messages[nudge["ts"]]
    # one record's actions left: a plain row of buttons again
    assert menus(replaced) == [] and buttons(replaced) == [f"DV-15 {a.lower()}" for a in VUL_18]
    assert "done, awaiting verification (answered)" in text_of(replaced)
    again = await drew.press(nudge, "Progress", row="VUL-18")  # the old copy, pressed anyway
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


async def test_a_nudge_menu_pick_it_never_offered_is_refused_and_audited(slack, clock):
    hub = slack.hub
    async with hub.database.transaction() as session:
        await session.execute(
            update(Person).where(Person.email == "drew@example.org").values(slack_user_id="UDREW")
        )
    await hub.run(nudges.sweep)
    await Dispatcher(hub.database, hub.clock, [slack.channel.deliverer], worker="test").drain()
    drew = slack.user("UDREW")
    (nudge,) = drew.messages()

    def other_item(action: dict) -> None:  # offered, but in DV-15's menu, not this one
        action["selected_option"] = {
            **action["selected_option"],
            "value": "recommendation.done DV-15",
        }

    def malformed(action: dict) -> None:
        action["selected_option"] = {**action["selected_option"], "value": "done <DV-15>"}

    for tamper in (other_item, malformed):
        refused = await drew.press(nudge, "Done", row="VUL-18", tamper=tamper)
        assert "no longer available" in text_of(refused[-1])
    async with hub.database.transaction() as session:
        statuses = set(await session.scalars(select(Recommendation.status)))
        audits = list(
            await session.scalars(
                select(AuditEntry).where(AuditEntry.action == "input.not_offered")
            )
        )
    assert "completed_pending_verification" not in statuses
    assert [a.record_reference for a in audits] == ["DV-15", ""]
