"""Outbox notices by Slack DM: Retry-After honoured, sent once, ts recorded, replaced when acted on."""

from __future__ import annotations

from sqlalchemy import select, update

from bot.outbox.dispatcher import Dispatcher
from storage.models import AuditEntry, Concern, OutboxMessage, Person
from tests.channels.slack.conftest import buttons, report_concern, text_of


async def link(hub, **people: str) -> None:
    """Record Slack ids in the directory, as an import or an earlier message would."""
    async with hub.database.transaction() as session:
        for user_id, email in people.items():
            await session.execute(
                update(Person).where(Person.email == email).values(slack_user_id=user_id)
            )


async def alerts(hub) -> list[OutboxMessage]:
    async with hub.database.transaction() as session:
        rows = await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind == "concern_alert")
            .order_by(OutboxMessage.id)
        )
        return list(rows)


async def test_alerts_wait_for_retry_after_then_go_once_with_their_ts(slack, clock):
    hub = slack.hub
    await link(hub, UPRIYA="priya@example.org", USAM="sam@example.org")
    assert "CN-2026-0001" in await report_concern(slack.user("UALEX"))
    dispatcher = Dispatcher(hub.database, hub.clock, [slack.channel.deliverer], worker="test")
    slack.fake.fail_next(
        "chat.postMessage", 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "30"}
    )

    first = await dispatcher.tick()
    too_soon = await dispatcher.tick()
    clock.advance(seconds=31)
    later = await dispatcher.tick()

    assert (first.sent, first.retried) == (1, 1)
    assert too_soon.sent == 0 and too_soon.retried == 0
    assert later.sent == 1
    rows = await alerts(hub)
    assert {r.status for r in rows} == {"sent"} and len(rows) == 2
    for row, dm in zip(rows, ("DPRIYA", "DSAM"), strict=True):
        (message,) = slack.fake.posted(dm)
        assert (row.platform, row.platform_conversation) == ("slack", dm)
        assert row.platform_message_id == message["ts"]
        assert "CN-2026-0001" in text_of(message) and "Acknowledge" in buttons(message)


async def test_an_alert_button_reaches_the_service_and_every_copy_is_replaced(slack, clock):
    hub = slack.hub
    await link(hub, UPRIYA="priya@example.org", USAM="sam@example.org")
    await report_concern(slack.user("UALEX"))
    dispatcher = Dispatcher(hub.database, hub.clock, [slack.channel.deliverer], worker="test")
    await dispatcher.drain()
    priya, sam = slack.user("UPRIYA"), slack.user("USAM")
    (alert,) = priya.messages()

    def other_record(action: dict) -> None:
        action["value"] = "CN-2026-0002"

    forged = await sam.press(sam.messages()[0], "Acknowledge", tamper=other_record)
    assert "no longer available" in text_of(forged[-1])

    replies = await priya.press(alert, "Acknowledge")
    assert "CN-2026-0001 acknowledged" in text_of(replies[-1])
    await dispatcher.drain()

    updates = slack.fake.called("chat.update")
    assert {u["channel"] for u in updates} >= {"DPRIYA", "DSAM"}
    for user in (priya, sam):
        assert "Acknowledge" not in buttons(user.messages()[0])
    async with hub.database.transaction() as session:
        concern = await session.scalar(select(Concern))
        refused = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "input.not_offered")
        )
    assert concern.status == "acknowledged"
    assert refused.actor == "sam@example.org"


async def test_a_reply_slack_keeps_refusing_is_kept_and_delivered_later_once(slack):
    hub = slack.hub
    alex = slack.user("UALEX")
    for _attempt in range(slack.channel.workspace.attempts):
        slack.fake.fail_next("chat.postMessage", 503, {"ok": False, "error": "service_unavailable"})

    assert await alex.say("report", event_id="EvReport") == []
    assert await alex.say("report", event_id="EvReport") == []  # Slack retries the event
    async with hub.database.transaction() as session:
        kept = list(
            await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "kept_reply"))
        )
    assert len(kept) == 1

    dispatcher = Dispatcher(hub.database, hub.clock, [slack.channel.deliverer], worker="test")
    await dispatcher.drain()
    (message,) = alex.messages()
    assert "could not be sent at the time" in text_of(message)
    assert "anyone in danger" in text_of(message) and "1. Yes" in text_of(message)

    replies = await alex.say("no")  # the conversation carries on from the saved answer
    assert "a specific person's behaviour" in text_of(replies[-1])
