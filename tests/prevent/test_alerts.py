"""The Prevent manager's side: alerts, actions from the alert, deadlines, escalation and digests."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import func, select

from bot.conversation.hub import Hub
from bot.prevent import sweeps
from bot.prevent.concerns import record_concern
from bot.prevent.queries import concern_status
from dialogs.messages import ActionInput, Ask, Completed, Say
from storage.models import AuditEntry, Concern, OutboxMessage, Person
from tests.conftest import concern_answers

ACKNOWLEDGE = "concern.acknowledge"


async def report(hub: Hub, email: str = "alex@example.org", **changes) -> Concern:
    async with hub.unit() as uow:
        reporter = await uow.session.scalar(select(Person).where(Person.email == email))
        recorded = await record_concern(
            uow, reporter, concern_answers(**changes), platform="console"
        )
        return recorded.concern


async def outbox(hub: Hub, **where) -> list[OutboxMessage]:
    async with hub.database.transaction() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        for column, value in where.items():
            query = query.where(getattr(OutboxMessage, column) == value)
        return list(await session.scalars(query))


async def concern(hub: Hub, reference: str) -> Concern:
    async with hub.database.transaction() as session:
        return await session.scalar(select(Concern).where(Concern.reference == reference))


def press(action: str, reference: str) -> ActionInput:
    return ActionInput(action, reference)


async def test_a_p1_alert_reaches_every_manager_at_once_with_reasons_and_buttons(sample_hub):
    cn = await report(sample_hub, names_target="yes", location_type="place_of_worship")
    rows = await outbox(sample_hub, kind="concern_alert")
    assert len(rows) == 2 and rows[0].next_attempt_at == sample_hub.clock.now()
    payload = rows[0].payload
    assert (
        payload["lines"][0]
        == "P1 because: names a person, address or organisation; at a place of worship"
    )
    assert [a["label"] for a in payload["actions"]][:2] == ["Acknowledge", "Assign"]
    assert cn.ack_due_at == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # one working hour


async def test_acknowledging_updates_every_copy_and_tells_the_reporter_without_naming_anyone(
    sample_hub, person
):
    cn = await report(sample_hub, names_target="yes")
    priya = person("priya@example.org")
    replies = await priya.send(press(ACKNOWLEDGE, cn.reference))
    assert replies == [Say(f"{cn.reference} acknowledged.")]
    for row in await outbox(sample_hub, kind="concern_alert"):
        assert "Acknowledge" not in [a["label"] for a in row.payload["actions"]]
        assert row.payload["lines"][-1] == "Status: acknowledged"
    [status] = await outbox(sample_hub, kind="concern_status")
    assert status.payload["lines"] == [
        "The Community Safety team has acknowledged your report. Thank you."
    ]
    assert "priya" not in str(status.payload).lower()
    again = await person("sam@example.org").send(press(ACKNOWLEDGE, cn.reference))
    assert again == [Say(f"{cn.reference} was already acknowledged.")]


async def test_someone_who_is_not_a_manager_pressing_a_forwarded_button_is_refused_and_audited(
    sample_hub, person
):
    cn = await report(sample_hub)
    replies = await person("alex@example.org").send(press(ACKNOWLEDGE, cn.reference))
    assert replies == [Say("Only the Prevent / Community Safety team can act on concern alerts.")]
    assert (await concern(sample_hub, cn.reference)).status == "new"
    async with sample_hub.database.transaction() as session:
        refused = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "action.refused")
        )
    assert refused.record_reference == cn.reference and refused.actor == "alex@example.org"


async def test_closing_from_the_alert_asks_for_the_outcome_then_closes(sample_hub, person):
    cn = await report(sample_hub)
    priya = person("priya@example.org")
    asked = await priya.send(press("concern.close", cn.reference))
    assert isinstance(asked[-1], Ask) and asked[-1].field == "outcome"
    await priya.send("Removed by Street Enforcement; no further action")
    done = await priya.send("confirm")
    assert isinstance(done[-1], Completed) and done[-1].text == f"{cn.reference} is closed."
    closed = await concern(sample_hub, cn.reference)
    assert closed.status == "closed" and closed.outcome.startswith("Removed")
    for row in await outbox(sample_hub, kind="concern_alert"):
        assert row.payload["actions"] == []
    late = await priya.send(press(ACKNOWLEDGE, cn.reference))
    assert "is already closed" in late[-1].text


async def test_changing_priority_needs_a_reason_and_is_audited(sample_hub, person):
    cn = await report(sample_hub)
    priya = person("priya@example.org")
    await priya.send(press("concern.change_priority", cn.reference))
    await priya.send("P1")
    refused = await priya.send("   ")
    assert refused[-1].field == "reason" and "Please type an answer" in refused[-1].error
    await priya.say("Linked to last week's march", "confirm")
    changed = await concern(sample_hub, cn.reference)
    assert changed.priority == "P1"
    async with sample_hub.database.transaction() as session:
        audit = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "concern.priority_changed")
        )
    assert audit.summary == {"from": "P3", "to": "P1", "reason": "Linked to last week's march"}


async def test_a_referral_is_recorded_with_its_reference_and_audited(sample_hub, person):
    cn = await report(sample_hub)
    priya = person("priya@example.org")
    asked = await priya.send(press("concern.refer", cn.reference))
    assert isinstance(asked[-1], Ask) and asked[-1].field == "referred_to"
    done = await priya.say("Police (101)", "CAD 4411", "confirm")
    assert done[-1] == Completed(cn.reference, f"The referral of {cn.reference} is recorded.")
    assert (await concern(sample_hub, cn.reference)).status == "acknowledged"
    async with sample_hub.database.transaction() as session:
        audit = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "concern.referred")
        )
    assert audit.record_reference == cn.reference
    assert audit.summary == {"to": "police_101", "reference": "CAD 4411"}


async def test_the_reporter_hears_their_report_is_acknowledged_whichever_action_takes_it_on(
    sample_hub, person
):
    assigned = await report(sample_hub)
    referred = await report(
        sample_hub, location={"text": "London Wall", "postcode": None, "lat": None, "lon": None}
    )
    priya = person("priya@example.org")
    await priya.send(press("concern.assign", assigned.reference))
    await priya.say("Sam Example", "confirm")
    await priya.send(press("concern.refer", referred.reference))
    await priya.say("Police (101)", "skip", "confirm")
    told = await outbox(sample_hub, kind="concern_status")
    assert [(row.record_reference, row.payload["lines"]) for row in told] == [
        (
            assigned.reference,
            [
                "The Community Safety team has acknowledged your report and assigned it to one "
                "of its officers. Thank you."
            ],
        ),
        (
            referred.reference,
            ["The Community Safety team has acknowledged your report. Thank you."],
        ),
    ]
    assert "Sam" not in str([row.payload for row in told])  # the officer is never named


async def test_the_reporter_hears_when_an_acknowledged_report_is_assigned_once(sample_hub, person):
    cn = await report(sample_hub)
    priya = person("priya@example.org")
    await priya.send(press(ACKNOWLEDGE, cn.reference))
    for colleague in ("Sam Example", "Priya Sample"):
        await priya.send(press("concern.assign", cn.reference))
        await priya.say(colleague, "confirm")
    told = [row.payload["lines"] for row in await outbox(sample_hub, kind="concern_status")]
    assert told == [
        ["The Community Safety team has acknowledged your report. Thank you."],
        ["Your report has been assigned to an officer in the Community Safety team. Thank you."],
    ]


async def test_removal_of_hate_graffiti_is_due_within_one_working_day(sample_hub, person, clock):
    clock.current = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # a Friday afternoon
    cn = await report(sample_hub, targets=["race"])
    priya = person("priya@example.org")
    await priya.send(press("concern.request_removal", cn.reference))
    done = await priya.say("Street Enforcement", "skip", "confirm")
    assert "due 30 Nov 17:00" in done[-1].text
    [request] = await outbox(sample_hub, kind="removal_request")
    assert request.payload["lines"][1] == "Where: Cheapside"
    statuses = await outbox(sample_hub, kind="concern_status")
    assert [s.payload["lines"][0] for s in statuses] == [
        "Removal has been requested for what you reported."
    ]


async def test_unacknowledged_alerts_step_up_then_reach_the_deputy(sample_hub, clock):
    async with sample_hub.database.transaction() as session:
        sam = await session.scalar(select(Person).where(Person.email == "sam@example.org"))
        priya = await session.scalar(select(Person).where(Person.email == "priya@example.org"))
        sam.on_duty = False  # sam is priya's deputy, off duty today
    clock.current = datetime(2026, 11, 27, 16, 30, tzinfo=UTC)  # Friday 16:30
    cn = await report(sample_hub, names_target="yes")
    assert cn.ack_due_at == datetime(2026, 11, 30, 9, 30, tzinfo=UTC)  # Monday, across the weekend
    clock.current = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    assert await sample_hub.run(sweeps.escalate_due) == 0
    clock.current = datetime(2026, 11, 30, 9, 31, tzinfo=UTC)
    assert await sample_hub.run(sweeps.escalate_due) == 1
    stepped = await concern(sample_hub, cn.reference)
    assert stepped.priority == "P0" and stepped.escalation_level == 1
    realerts = [
        r
        for r in await outbox(sample_hub, kind="concern_alert")
        if r.payload["title"].startswith("Not yet")
    ]
    assert {r.recipient_id for r in realerts} == {priya.id}  # the only manager on duty
    clock.advance(minutes=31)
    assert await sample_hub.run(sweeps.escalate_due) == 1
    second = [
        r
        for r in await outbox(sample_hub, kind="concern_alert")
        if "concern-escalation" in r.dedupe_key and ":2:" in r.dedupe_key
    ]
    assert {r.recipient_id for r in second} == {priya.id, sam.id}
    assert "not acknowledged in time (was P1)" in second[0].payload["lines"][0]


async def test_a_p2_reported_on_christmas_eve_evening_alerts_after_the_holidays(sample_hub, clock):
    clock.current = datetime(2026, 12, 24, 18, 0, tzinfo=UTC)
    cn = await report(sample_hub, targets=["religion"], seen_at="2026-12-24T17:00:00+00:00")
    rows = await outbox(sample_hub, kind="concern_alert")
    assert {r.next_attempt_at for r in rows} == {datetime(2026, 12, 29, 9, 0, tzinfo=UTC)}
    assert cn.ack_due_at == datetime(2026, 12, 29, 17, 0, tzinfo=UTC)


async def test_p3_waits_for_the_daily_digest_and_p4_for_the_weekly_one(sample_hub, clock):
    clock.current = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # Friday
    p3 = await report(
        sample_hub,
        category="political",
        location={"text": "Bread Street", "postcode": None, "lat": None, "lon": None},
    )
    p4 = await report(
        sample_hub,
        category="other_visual",
        location={"text": "Wood Street", "postcode": None, "lat": None, "lon": None},
    )
    assert (p3.priority, p4.priority) == ("P3", "P4")
    assert await outbox(sample_hub, kind="concern_alert") == []
    clock.current = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)  # Saturday: no digests
    assert await sample_hub.run(sweeps.send_digests) == 0
    clock.current = datetime(2026, 11, 30, 9, 5, tzinfo=UTC)  # Monday morning
    assert await sample_hub.run(sweeps.send_digests) == 4  # daily + weekly, for two managers
    assert await sample_hub.run(sweeps.send_digests) == 0  # never twice
    daily = await outbox(sample_hub, kind="concern_digest_daily")
    weekly = await outbox(sample_hub, kind="concern_digest_weekly")
    assert daily[0].payload["lines"][0].startswith(f"{p3.reference} P3 Political")
    assert weekly[0].payload["lines"][0].startswith(f"{p4.reference} P4 Other visual concern")


async def test_repeats_at_the_same_spot_within_minutes_fold_into_the_first_alert(sample_hub, clock):
    first = await report(sample_hub, targets=["race"])
    clock.advance(minutes=10)
    second = await report(sample_hub, "jo@example.org", targets=["race"])
    clock.advance(minutes=10)
    third = await report(sample_hub, "kim@example.org", targets=["race"])
    assert (second.folded_into, third.folded_into) == (first.reference, first.reference)
    rows = await outbox(sample_hub, kind="concern_alert")
    assert len(rows) == 2  # one per manager, for the first report only
    assert "Also reported by 2 others since." in rows[0].payload["lines"]


async def test_a_more_urgent_repeat_is_not_folded(sample_hub, clock):
    await report(sample_hub, targets=["race"])
    clock.advance(minutes=5)
    urgent = await report(sample_hub, "jo@example.org", threat_violence="yes")
    assert urgent.folded_into is None
    assert len(await outbox(sample_hub, kind="concern_alert")) == 4


async def test_two_replicas_sweeping_at_once_escalate_each_alert_once(sample_hub, clock):
    for street in ("Cheapside", "London Wall", "Bread Street", "Wood Street", "Milk Street"):
        await report(
            sample_hub,
            names_target="yes",
            location={"text": street, "postcode": None, "lat": None, "lon": None},
        )
    clock.advance(hours=2)
    other = Hub.build(sample_hub.settings, clock)
    try:
        counts = await asyncio.gather(
            sample_hub.run(sweeps.escalate_due), other.run(sweeps.escalate_due)
        )
    finally:
        await other.close()
    assert sum(counts) == 5
    async with sample_hub.database.transaction() as session:
        escalations = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.dedupe_key.like("concern-escalation:%"))
        )
    assert escalations == 10  # five concerns, two managers, once each


async def test_elevated_tension_raises_new_concerns_there(sample_hub, person):
    priya = person("priya@example.org")
    asked = await priya.send("mark elevated tension")
    assert asked[-1].field == "area"
    done = await priya.say("Cheapside", "7", "After Saturday's march", "confirm")
    assert "Cheapside is marked as elevated tension until 30 Nov 2026" in done[-1].text
    cn = await report(sample_hub)
    assert cn.priority == "P2" and "the area is marked as elevated tension" in cn.reasons
    listing = await priya.send("tension areas")
    ended = await priya.send(ActionInput("tension.end", listing[-1].actions[0].reference))
    assert ended == [Say("Elevated tension on Cheapside has ended.")]
    later = await report(sample_hub)
    assert "the area is marked as elevated tension" not in later.reasons
    assert f"a repeat: {cn.reference} within 250 m in the last 30 days" in later.reasons


async def test_tension_periods_and_trigger_events_are_audited_under_their_reference(
    sample_hub, person
):
    priya = person("priya@example.org")
    marked = await priya.say(
        "mark elevated tension", "Cheapside", "7", "After the march", "confirm"
    )
    await priya.send(ActionInput("tension.end", marked[-1].reference))
    recorded = await priya.say("trigger event", "Attack reported abroad", "2 hours ago", "confirm")
    async with sample_hub.database.transaction() as session:
        rows = (
            await session.execute(
                select(AuditEntry.action, AuditEntry.record_reference)
                .where(
                    AuditEntry.action.in_(("tension.marked", "tension.ended", "trigger.recorded"))
                )
                .order_by(AuditEntry.id)
            )
        ).all()
    assert [tuple(row) for row in rows] == [
        ("tension.marked", marked[-1].reference),
        ("tension.ended", marked[-1].reference),
        ("trigger.recorded", recorded[-1].reference),
    ]
    assert (marked[-1].reference, recorded[-1].reference) == ("TA-1", "TE-1")


async def test_staff_cannot_flag_tension_or_see_others_concerns(sample_hub, person):
    await report(sample_hub)
    alex = person("alex@example.org")
    assert (await alex.send("open concerns"))[-1] == Say(
        "Only the Prevent / Community Safety team can see other people's concerns."
    )
    refused = await alex.send("mark elevated tension")
    assert refused == [
        Say("Only the Prevent / Community Safety team can do that; nothing was started.")
    ]
    assert "didn't understand" in (await alex.send("Cheapside"))[-1].text


async def test_managers_ask_about_open_concerns_places_and_hotspots(sample_hub, person):
    for street in ("Cheapside", "Cheapside", "London Wall"):
        await report(
            sample_hub,
            targets=["race"],
            location={"text": street, "postcode": None, "lat": None, "lon": None},
        )
        sample_hub.clock.advance(hours=1)
    priya = person("priya@example.org")
    opened = await priya.send("open concerns")
    assert opened[-1].title == "Open concerns: 3 (3 P2)"
    near = await priya.send("concerns near Cheapside this month")
    assert near[-1].title == "2 concerns near Cheapside in the last 30 days"
    assert near[-1].lines[0] == "Hate graffiti: 2"
    spots = await priya.send("hotspots")
    assert spots[-1].lines[0] == "Cheapside: 2 (2 Hate graffiti)"


async def test_a_form_confirmed_after_a_colleague_closed_the_concern_is_refused_and_audited(
    sample_hub, person
):
    cn = await report(sample_hub)
    priya, sam = person("priya@example.org"), person("sam@example.org")
    await priya.send(press("concern.change_priority", cn.reference))
    await priya.say("P1", "Linked to the march")
    await sam.send(press("concern.close", cn.reference))
    await sam.say("Removed", "confirm")
    refused = await priya.send("confirm")
    assert refused[-1] == Say(f"{cn.reference} is already closed: Removed; nothing was changed.")
    assert (await concern(sample_hub, cn.reference)).priority == "P3"
    async with sample_hub.database.transaction() as session:
        audit = await session.scalar(select(AuditEntry).where(AuditEntry.action == "form.refused"))
    assert audit.record_reference == cn.reference and audit.actor == "priya@example.org"


async def test_two_changes_in_the_same_instant_leave_the_newest_content_to_replace_a_sent_alert(
    sample_hub, person
):
    cn = await report(sample_hub, names_target="yes")
    async with sample_hub.database.transaction() as session:
        rows = list(
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == "concern_alert")
            )
        )
        for row in rows:
            row.status, row.platform, row.platform_message_id, row.platform_conversation = (
                "sent",
                "slack",
                f"ts{row.id}",
                "D1",
            )
    priya = person("priya@example.org")
    await priya.send(press(ACKNOWLEDGE, cn.reference))  # same clock instant as the next change
    await priya.send(press("concern.close", cn.reference))
    await priya.say("Removed", "confirm")
    updates = await outbox(sample_hub, kind="concern_alert_update")
    assert len(updates) == 2  # one pending replacement per delivered copy, not one per change
    assert all(u.payload["lines"][-1] == "Status: closed: Removed" for u in updates)


async def test_the_alert_headline_gives_the_winning_priority_s_reasons_and_lists_related_reports(
    sample_hub, clock
):
    first = await report(sample_hub)
    clock.advance(hours=2)
    cn = await report(sample_hub, "jo@example.org", threat_violence="yes", targets=["religion"])
    [alert, *_] = [
        r
        for r in await outbox(sample_hub, kind="concern_alert")
        if r.record_reference == cn.reference
    ]
    assert alert.payload["lines"][0] == "P1 because: threatens violence"
    assert f"Related: {first.reference}" in alert.payload["lines"]


async def test_a_manager_in_the_terminal_types_the_button_label_and_the_reference(
    sample_hub, person
):
    cn = await report(sample_hub)
    priya = person("priya@example.org")
    assert await priya.send(f"acknowledge {cn.reference}") == [Say(f"{cn.reference} acknowledged.")]
    asked = await priya.send(f"request removal {cn.reference}")
    assert asked[-1].field == "remover"


async def test_alerts_removals_and_status_show_london_time_in_summer(sample_hub, person, clock):
    clock.current = datetime(2026, 7, 3, 13, 0, tzinfo=UTC)  # a Friday, 14:00 in London (BST)
    cn = await report(sample_hub, names_target="yes", seen_at="2026-07-03T12:30:00+00:00")
    [alert, *_] = await outbox(sample_hub, kind="concern_alert")
    assert "Seen: 03 Jul 2026 13:30" in alert.payload["lines"]
    assert "UTC" not in str(alert.payload)

    priya = person("priya@example.org")
    await priya.send(press("concern.request_removal", cn.reference))
    done = await priya.say("Street Enforcement", "skip", "confirm")
    assert "due 06 Jul 17:00" in done[-1].text  # the next working day's close, London time
    [request] = await outbox(sample_hub, kind="removal_request")
    assert "Please remove by 06 Jul 2026 17:00." in request.payload["lines"]


async def test_a_concern_reported_after_midnight_in_london_says_so(sample_hub, clock):
    clock.current = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)  # 00:30 on 2 July in London
    cn = await report(sample_hub, seen_at="2026-07-01T23:00:00+00:00")
    async with sample_hub.unit() as uow:
        priya = await uow.session.scalar(select(Person).where(Person.email == "priya@example.org"))
        status = await concern_status(uow, priya, cn.reference)
    assert "Reported: 02 Jul 2026" in status.lines


async def test_elevated_tension_ends_on_the_london_date(sample_hub, person, clock):
    clock.current = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)  # 00:30 on 2 July in London
    priya = person("priya@example.org")
    await priya.send("mark elevated tension")
    done = await priya.say("Cheapside", "7", "After Saturday's march", "confirm")
    assert "Cheapside is marked as elevated tension until 09 Jul 2026" in done[-1].text
    listing = await priya.send("tension areas")
    assert listing[-1].lines[0].startswith("Cheapside: until 09 Jul 2026")
