"""Working-day deadlines of information requests with a fixed clock: stages, pauses, reminders,
lapses, agreement reviews, and two sweeps racing (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

from sqlalchemy import func, select

from bot.conversation.hub import Hub
from bot.core.calendar import WorkingCalendar
from bot.sharing.deadlines import Point, Reminder, schedule
from bot.sharing.lifecycle import STAGES, RequestStatus
from bot.sharing.sweeps import flag_agreement_reviews, remind_deletions, sweep_requests
from dialogs.messages import Completed, Say
from storage.models import AuditEntry, OutboxMessage, SharingAgreement
from tests.sharing.test_lifecycle import (
    AUTHORISER,
    REFERENCE,
    authorise,
    confirm,
    notices,
    press,
    submit_request,
    the_request,
)

CALENDAR = WorkingCalendar()
DECIDING = STAGES[RequestStatus.ACKNOWLEDGED]
ANSWERING = STAGES[RequestStatus.MORE_INFO_NEEDED]
DECLINED = STAGES[RequestStatus.DECLINED]


def at(day: int, month: int = 11, hour: int = 9, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, 0, tzinfo=UTC)


def test_reminders_skip_weekends_and_christmas_bank_holidays():
    start = date(2026, 12, 21)  # Monday; 25 and 28 December and 1 January are bank holidays
    due = CALENDAR.add_working_days(start, 10)
    assert due == date(2027, 1, 7)
    assert schedule(start, due, DECIDING, CALENDAR) == (
        Point(date(2026, 12, 30), Reminder.HALF),
        Point(date(2027, 1, 5), Reminder.MOST),
        Point(date(2027, 1, 7), Reminder.DUE),
        Point(date(2027, 1, 8), Reminder.OVERDUE),
    )


def test_short_stages_keep_only_the_reminders_that_make_sense():
    friday = date(2026, 11, 27)
    assert schedule(friday, date(2026, 11, 30), DECIDING, CALENDAR) == (
        Point(date(2026, 11, 30), Reminder.DUE),
        Point(date(2026, 12, 1), Reminder.OVERDUE),
    )
    two_days = schedule(friday, date(2026, 12, 1), DECIDING, CALENDAR)
    assert [p.reminder for p in two_days] == [Reminder.MOST, Reminder.DUE, Reminder.OVERDUE]
    assert schedule(friday, date(2026, 12, 11), ANSWERING, CALENDAR)[-1] == Point(
        date(2026, 12, 14), Reminder.LAPSE
    )
    assert schedule(friday, date(2026, 12, 11), DECLINED, CALENDAR) == (
        Point(date(2026, 12, 14), Reminder.LAPSE),
    )
    late = schedule(date(2026, 12, 10), date(2026, 12, 7), DECIDING, CALENDAR)
    assert late == (Point(date(2026, 12, 10), Reminder.OVERDUE),)


async def test_an_urgent_request_on_friday_afternoon_is_due_after_the_weekend(
    person, sample_hub, clock
):
    clock.current = at(27, hour=15)
    alex = person("alex@example.org")
    await alex.send("request information")
    await alex.say(
        "no",
        "child_safeguarding",
        "A child at risk on the estate",
        "yes",
        "1",
        "child",
        "Police call-outs to one address",
        "this month",
        "City Police",
        "skip",
        "no",
        "Needed for the strategy meeting",
        "no",
        "ok",
        "1",
        "urgent safeguarding",
        "2026-12-01",
        "secure email",
        "2027-06-30",
        AUTHORISER,
        "I confirm",
    )
    done = await alex.send("confirm")
    assert isinstance(done[-1], Completed)
    authorised = await authorise(sample_hub, done[-1].reference)
    assert "should decide by 01 Dec 2026" in authorised[0].text
    request = await the_request(sample_hub)
    assert (request.acknowledge_by, request.decide_by) == (date(2026, 11, 30), date(2026, 12, 1))


async def test_the_pause_extends_the_decision_by_the_working_days_waited(person, sample_hub, clock):
    alex, jordan = person("alex@example.org"), person("jordan@example.org")
    await submit_request(alex)  # Monday 23 Nov: decision due Monday 7 Dec
    clock.current = at(26, hour=14)  # Thursday
    await jordan.send(press("ask_more_info"))
    await jordan.send("Which flats?")
    await confirm(jordan)
    paused = await the_request(sample_hub)
    assert paused.stage_due_on == date(2026, 12, 10)  # ten working days to answer
    clock.current = at(1, month=12, hour=11)  # the next Tuesday: Fri, Mon, Tue waited
    opened = await alex.send(press("answer"))
    assert any(
        "Their decision clock stopped while they waited for you" in getattr(r, "text", "")
        for r in opened
    ), opened
    await alex.send("Flats 1-20")
    done = await confirm(alex)
    assert "now due by 10 Dec 2026" in done[-1].text
    request = await the_request(sample_hub)
    assert (request.paused_working_days, request.decide_by) == (3, date(2026, 12, 10))
    assert (request.status, request.stage_due_on) == ("under_review", date(2026, 12, 10))


async def reminders(hub: Hub) -> list[tuple[str, str]]:
    async with hub.database.transaction() as session:
        rows = await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind == "request_reminder")
            .order_by(OutboxMessage.id)
        )
        return [(row.dedupe_key.split(":")[3], row.payload["title"]) for row in rows]


async def test_reminders_go_to_whoever_holds_the_request_at_50_80_due_and_overdue(
    person, sample_hub, clock
):
    alex, jordan = person("alex@example.org"), person("jordan@example.org")
    await submit_request(alex)  # Monday: acknowledge by Tuesday
    nothing = await sample_hub.run(sweep_requests)
    assert (nothing.reminded, nothing.lapsed) == (0, 0)
    clock.current = at(24)
    await sample_hub.run(sweep_requests)
    clock.current = at(25)
    await sample_hub.run(sweep_requests)
    # City Police's data owners, Jordan and Rowan; overdue, Jordan's deputy Kim too
    assert await reminders(sample_hub) == [
        *[("due", "Reminder: IR-2026-0001 (it is due today)")] * 2,
        *[("overdue", "Reminder: IR-2026-0001 (it is overdue)")] * 3,
    ]
    overdue = await notices(sample_hub, "kim@example.org", "request_reminder")
    assert overdue[0].payload["lines"][0] == "Please acknowledge information request IR-2026-0001."

    await jordan.send(press("acknowledge"))  # Wednesday: decision due Monday 7 December
    clock.current = at(4, month=12, hour=10)  # Friday: the 50 % and 80 % points have both passed
    report = await sample_hub.run(sweep_requests)
    assert report.reminded == 1
    clock.current = at(7, month=12)
    await sample_hub.run(sweep_requests)
    clock.current = at(8, month=12)
    await sample_hub.run(sweep_requests)
    await sample_hub.run(sweep_requests)  # nothing left to send
    kinds = [kind for kind, _title in await reminders(sample_hub)][5:]
    assert kinds == ["most", "due", "overdue", "overdue"]  # overdue: Jordan and his deputy Kim
    for_jordan = await notices(sample_hub, "jordan@example.org", "request_reminder")
    assert [r.payload["lines"][0] for r in for_jordan][-3:] == [
        "Please decide information request IR-2026-0001."
    ] * 3
    assert "Due by 07 Dec 2026 (overdue)" in for_jordan[-1].payload["lines"]
    async with sample_hub.database.transaction() as session:
        audited = await session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "request.reminded")
        )
    assert audited == 5


async def test_an_unanswered_question_expires_the_request(person, sample_hub, clock):
    alex, jordan = person("alex@example.org"), person("jordan@example.org")
    await submit_request(alex)
    await jordan.send(press("ask_more_info"))
    await jordan.send("Which flats?")
    await confirm(jordan)  # Monday 23 Nov: the answer is due Monday 7 Dec
    clock.current = at(7, month=12, hour=12)
    await sample_hub.run(sweep_requests)
    assert (await the_request(sample_hub)).status == "more_info_needed"
    for_alex = await notices(sample_hub, "alex@example.org", "request_reminder")
    assert "Please answer the data owner's question" in for_alex[-1].payload["lines"][0]
    clock.current = at(8, month=12)
    report = await sample_hub.run(sweep_requests)
    assert report.lapsed == 1
    request = await the_request(sample_hub)
    assert request.status == "expired" and request.next_nudge_at is None
    told = (await notices(sample_hub, "jordan@example.org", "information_request"))[-1]
    assert "It expired: the question was not answered in time." in told.payload["lines"]
    late = await alex.send(press("answer"))
    assert late == [Say("IR-2026-0001 is expired, so nothing more can be done with it.")]


async def test_a_refusal_can_be_challenged_only_inside_the_window(person, sample_hub, clock):
    alex, jordan = person("alex@example.org"), person("jordan@example.org")
    await submit_request(alex)
    await jordan.send(press("decline"))
    await jordan.say("Not held", "We hold no such records")
    await confirm(jordan)  # Monday 23 Nov: challenge until Monday 7 Dec
    clock.current = at(8, month=12, hour=8)  # before the sweep closes it
    refused = await alex.send(press("challenge"))
    assert refused == [Say("The window to challenge IR-2026-0001 has closed.")]
    clock.current = at(8, month=12, hour=9)
    assert (await sample_hub.run(sweep_requests)).lapsed == 1
    assert (await the_request(sample_hub)).status == "closed"
    async with sample_hub.database.transaction() as session:
        refusal = await session.scalar(
            select(AuditEntry).where(
                AuditEntry.action == "action.refused", AuditEntry.record_reference == REFERENCE
            )
        )
    assert refusal.summary["refused_action"] == "request.challenge"


async def test_two_sweeps_racing_remind_once(person, sample_hub, clock):
    await submit_request(person("alex@example.org"))
    clock.current = at(25)  # both the due and the overdue points have passed
    other = Hub.build(sample_hub.settings, clock)
    try:
        first, second = await asyncio.gather(
            sample_hub.run(sweep_requests), other.run(sweep_requests)
        )
    finally:
        await other.close()
    assert first.reminded + second.reminded == 1
    # City Police's two data owners and Jordan's deputy, once each
    assert [kind for kind, _ in await reminders(sample_hub)] == ["overdue"] * 3


async def test_agreements_past_their_review_date_are_flagged_to_their_owner_once(sample_hub, clock):
    assert await sample_hub.run(flag_agreement_reviews) == 1  # ISA-2025-05, due 1 Oct 2026
    assert await sample_hub.run(flag_agreement_reviews) == 0
    (flag,) = await notices(sample_hub, "priya@example.org", "agreement_review")
    assert flag.payload["title"] == "Sharing agreement ISA-2025-05 is past its review date"
    async with sample_hub.database.transaction() as session:
        agreement = await session.scalar(
            select(SharingAgreement).where(SharingAgreement.reference == "ISA-2026-03")
        )
        agreement.owner_id = None  # no owner: the coordinators hear of it
    clock.current = at(1, month=2, year=2027)
    assert await sample_hub.run(flag_agreement_reviews) == 1  # ISA-2026-03, due 31 Jan 2027
    (to_coordinator,) = await notices(sample_hub, "jamie@example.org", "agreement_review")
    assert "ISA-2026-03" in to_coordinator.payload["title"]


async def test_the_requester_is_reminded_once_on_their_delete_by_date(person, sample_hub, clock):
    alex, jordan = person("alex@example.org"), person("jordan@example.org")
    await submit_request(alex)  # "delete by 30 Jun 2027"
    await jordan.send(press("approve"))
    await jordan.say("Call logs for the two residents", "None", "Needed for the panel", "confirm")
    await jordan.send(press("fulfil"))
    await jordan.say("ok", "confirm")  # what was sent: what the decision approved
    clock.current = at(29, month=6, year=2027)
    assert await sample_hub.run(remind_deletions) == 0
    clock.current = at(30, month=6, year=2027)
    assert await sample_hub.run(remind_deletions) == 1
    assert await sample_hub.run(remind_deletions) == 0  # once
    (reminder,) = await notices(sample_hub, "alex@example.org", "request_deletion")
    assert reminder.payload["lines"][0] == (
        "You said you would delete the information City Police shared for IR-2026-0001 by "
        "30 Jun 2027."
    )


async def test_nothing_shared_means_nothing_to_delete(person, sample_hub, clock):
    alex, jordan = person("alex@example.org"), person("jordan@example.org")
    await submit_request(alex)
    await jordan.send(press("decline"))
    await jordan.say("Third-party confidentiality", "The logs name neighbours", "confirm")
    clock.current = at(30, month=6, year=2027)
    assert await sample_hub.run(remind_deletions) == 0
