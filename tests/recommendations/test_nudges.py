"""Chasing recommendation owners over weeks of a fixed clock, on SQLite and PostgreSQL.

The sample register is "today" on Monday 23 November 2026. Nudges go out at office opening on
working days (Europe/London), one grouped message per owner; owners answer through the same turn
loop as Slack and Teams, by pressing the nudge's buttons.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.clock import FixedClock
from bot.config import Settings
from bot.conversation.hub import Hub
from bot.core.calendar import WorkingCalendar
from bot.recommendations import nudges
from bot.recommendations.items import (
    APPROVE_ACTION,
    DONE_ACTION,
    EXTENSION_ACTION,
    NOT_MINE_ACTION,
    PROGRESS_ACTION,
    REASSIGN_ACTION,
    REFUSE_ACTION,
    SNOOZE_ACTION,
    VERIFY_ACTION,
    Rag,
    next_nudge_at,
    rag,
)
from dialogs.messages import ActionInput, Ask, Completed, Notice, Say, Summary
from storage.models import AuditEntry, OutboxMessage, Recommendation
from storage.models import Person as PersonModel
from tests.conftest import Person

LONDON = ZoneInfo("Europe/London")
SWEEP_TIMES = (time(8, 0), time(9, 0), time(13, 0), time(18, 0))


def at(day: date, moment: time = time(9, 0)) -> datetime:
    """A London wall-clock moment, in UTC."""
    return datetime.combine(day, moment, tzinfo=LONDON).astimezone(UTC)


@dataclass(frozen=True)
class Sent:
    """One outbox message as its recipient will see it, and when it was queued (London time)."""

    when: datetime
    to: str
    kind: str
    title: str
    lines: tuple[str, ...]
    buttons: tuple[str, ...]

    def mentions(self, reference: str) -> bool:
        return any(line.startswith(f"{reference} ") for line in self.lines)


async def outbox(hub: Hub, kind: str | None = None) -> list[Sent]:
    async with hub.database.transaction() as session:
        query = (
            select(OutboxMessage, PersonModel.email)
            .join(PersonModel, PersonModel.id == OutboxMessage.recipient_id)
            .order_by(OutboxMessage.id)
        )
        if kind is not None:
            query = query.where(OutboxMessage.kind == kind)
        rows = (await session.execute(query)).all()
    return [
        Sent(
            row.created_at.astimezone(LONDON),
            email,
            row.kind,
            row.payload["title"],
            tuple(row.payload["lines"]),
            tuple(a["label"] for a in row.payload["actions"]),
        )
        for row, email in rows
    ]


async def nudges_to(hub: Hub, email: str, reference: str | None = None) -> list[Sent]:
    return [
        s
        for s in await outbox(hub, "recommendation_nudge")
        if s.to == email and (reference is None or s.mentions(reference))
    ]


async def escalations_about(hub: Hub, reference: str) -> list[Sent]:
    return [s for s in await outbox(hub, "recommendation_escalation") if s.mentions(reference)]


async def item(hub: Hub, reference: str) -> Recommendation:
    async with hub.database.transaction() as session:
        found = await session.scalar(
            select(Recommendation).where(Recommendation.reference == reference)
        )
    assert found is not None
    return found


async def run_day(hub: Hub, clock: FixedClock, day: date) -> None:
    """The nudge sweep at several moments of one day, as the scheduler's tick would run it."""
    for moment in SWEEP_TIMES:
        clock.current = at(day, moment)
        await hub.run(nudges.sweep)


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


async def answer_progress(owner: Person, reference: str, note: str) -> list[object]:
    """Press the item's progress button on a nudge and go through the short form."""
    asked = await owner.send(ActionInput(PROGRESS_ACTION, reference))
    assert isinstance(asked[-1], Ask) and asked[-1].field == "note"
    await owner.send(note)
    summary = await owner.send("skip")  # no RAG of their own
    assert isinstance(summary[-1], Summary)
    return await owner.send("confirm")


async def test_the_first_sweep_sends_one_grouped_nudge_per_owner_in_office_hours(sample_hub, clock):
    clock.current = at(date(2026, 11, 23), time(8, 30))
    assert await sample_hub.run(nudges.sweep) == nudges.NudgeReport()
    clock.current = at(date(2026, 11, 23), time(9, 0))
    report = await sample_hub.run(nudges.sweep)
    sent = await outbox(sample_hub, "recommendation_nudge")
    assert sorted(s.to for s in sent) == [
        "ali@example.org",
        "charlie@example.org",
        "drew@example.org",
        "jamie@example.org",
        "kim@example.org",
        "pat@example.org",
        "robin@example.org",
    ]
    assert report.owners == 7
    (jamie,) = [s for s in sent if s.to == "jamie@example.org"]
    assert jamie.title == "Your recommendations: 4 need an update from you"
    assert [line.split()[0] for line in jamie.lines[:4]] == ["DV-08", "VUL-04", "DV-12", "VUL-23"]
    assert jamie.lines[0] == (
        "DV-08 Perpetrator programme referral route: in progress, due in 19 working days "
        "(18 Dec 2026)."
    )
    assert len(jamie.buttons) == 24 and "VUL-23 snooze a week" in jamie.buttons
    (drew,) = [s for s in sent if s.to == "drew@example.org"]
    assert drew.lines[0].startswith("VUL-18 Commission a substance misuse outreach pilot: ")
    assert "overdue by 6 working days (due 13 Nov 2026)" in drew.lines[0]
    # DV-01's first reminder is four working days away: its update request waits for it.
    assert not drew.mentions("DV-01")

    again = await sample_hub.run(nudges.sweep)
    restarted = Hub.build(sample_hub.settings, clock)
    try:
        after_restart = await restarted.run(nudges.sweep)
    finally:
        await restarted.close()
    assert again.owners == after_restart.owners == 0
    assert len(await outbox(sample_hub, "recommendation_nudge")) == 7


async def test_no_nudges_at_weekends_or_on_bank_holidays(sample_hub, clock):
    for moment in (
        at(date(2026, 11, 28), time(10, 0)),  # Saturday
        at(date(2026, 12, 28), time(10, 0)),  # Boxing Day substitute
        at(date(2027, 1, 1), time(10, 0)),  # New Year's Day
        at(date(2026, 11, 24), time(17, 30)),  # after closing
    ):
        clock.current = moment
        assert await sample_hub.run(nudges.sweep) == nudges.NudgeReport()
    assert await outbox(sample_hub) == []


async def test_an_owner_who_answers_is_reminded_on_the_cadence_through_christmas(sample_hub, clock):
    ali = Person(sample_hub, "ali@example.org")
    seen: dict[date, str] = {}  # what each nudge said about DV-18 before Ali answered it
    for day in days(date(2026, 11, 23), date(2027, 2, 28)):
        await run_day(sample_hub, clock, day)
        latest = await nudges_to(sample_hub, "ali@example.org", "DV-18")
        if latest and latest[-1].when.date() == day and day not in seen:
            seen[day] = latest[-1].lines[0]
            clock.current = at(day, time(10, 0))
            done = await answer_progress(ali, "DV-18", f"Working on it ({day:%d %b})")
            assert isinstance(done[-1], Completed)

    sent = await nudges_to(sample_hub, "ali@example.org", "DV-18")
    assert [s.when.date() for s in sent] == [
        date(2026, 11, 23),  # first update request
        date(2026, 12, 22),  # 10 working days before 8 Jan (Christmas and New Year skipped)
        date(2026, 12, 31),  # 5 working days before
        date(2027, 1, 8),  # on the due date
        date(2027, 1, 15),  # then weekly while overdue
        date(2027, 1, 22),
        date(2027, 1, 29),
        date(2027, 2, 5),
        date(2027, 2, 12),
        date(2027, 2, 19),
        date(2027, 2, 26),
    ]
    assert {s.when.time() for s in sent} == {time(9, 0)}
    assert seen[date(2026, 12, 22)].endswith("due in 10 working days (08 Jan 2027).")
    assert seen[date(2027, 1, 8)].endswith("due today.")
    assert seen[date(2027, 1, 15)].endswith("overdue by 5 working days (due 08 Jan 2027).")
    # Answering does not stop escalation: 5 working days overdue to the coordinator, 20 to the chair.
    escalated = await escalations_about(sample_hub, "DV-18")
    assert [(s.when.date(), s.to) for s in escalated] == [
        (date(2027, 1, 15), "jamie@example.org"),
        (date(2027, 2, 5), "chris@example.org"),
    ]
    assert "Why: 5 working days overdue." in escalated[0].lines[0]
    assert "DV-18 reassign" in escalated[0].buttons and escalated[1].buttons == ()


async def test_an_owner_who_never_answers_is_escalated_not_nudged_forever(sample_hub, clock):
    for day in days(date(2026, 11, 23), date(2027, 1, 31)):
        await run_day(sample_hub, clock, day)
    about_dv04 = await nudges_to(sample_hub, "kim@example.org", "DV-04")
    assert [s.when.date() for s in about_dv04] == [
        date(2026, 11, 23),
        date(2026, 11, 27),
        date(2026, 12, 4),
    ]
    escalated = await escalations_about(sample_hub, "DV-04")
    assert [(s.when.date(), s.to) for s in escalated] == [
        (date(2026, 11, 27), "jamie@example.org"),  # 5 working days overdue
        (date(2026, 12, 18), "chris@example.org"),  # 20 working days overdue
    ]
    assert "no answer to the last 3 nudges" in escalated[1].lines[0]
    # Kim's other items are still chased: only the unanswered one stopped.
    assert await nudges_to(sample_hub, "kim@example.org", "DV-10")
    rec = await item(sample_hub, "DV-04")
    assert (rec.unanswered_nudges, rec.escalation_level) == (3, 2)
    assert rec.next_nudge_at is None


async def test_snoozes_put_reminders_off_a_week_at_most_twice_but_not_escalation(sample_hub, clock):
    drew = Person(sample_hub, "drew@example.org")
    await run_day(sample_hub, clock, date(2026, 11, 23))
    clock.current = at(date(2026, 11, 23), time(10, 0))
    first = await drew.send(ActionInput(SNOOZE_ACTION, "DV-15"))
    assert first == [
        Say("DV-15 is snoozed: I'll ask again on Mon 30 Nov. You can snooze it 1 more time.")
    ]
    for day in days(date(2026, 11, 24), date(2026, 11, 30)):
        await run_day(sample_hub, clock, day)
    clock.current = at(date(2026, 11, 30), time(10, 0))
    second = await drew.send(ActionInput(SNOOZE_ACTION, "DV-15"))
    assert second == [
        Say("DV-15 is snoozed: I'll ask again on Mon 07 Dec. That was its last snooze.")
    ]
    for day in days(date(2026, 12, 1), date(2026, 12, 11)):
        await run_day(sample_hub, clock, day)

    about = await nudges_to(sample_hub, "drew@example.org", "DV-15")
    # 27 Nov (5 days before) and 4 Dec (the due date) fell inside the snoozes.
    assert [s.when.date() for s in about] == [
        date(2026, 11, 23),
        date(2026, 11, 30),
        date(2026, 12, 7),
        date(2026, 12, 11),  # weekly while overdue (5 working days after the due date)
    ]
    assert "DV-15 snooze a week" not in about[-1].buttons
    assert "DV-15 done" in about[-1].buttons
    clock.current = at(date(2026, 12, 11), time(10, 0))
    third = await drew.send(ActionInput(SNOOZE_ACTION, "DV-15"))
    assert "already been snoozed 2 times" in third[-1].text
    escalated = await escalations_about(sample_hub, "DV-15")
    assert [(s.when.date(), s.to) for s in escalated] == [(date(2026, 12, 11), "jamie@example.org")]
    async with sample_hub.database.transaction() as session:
        refused = await session.scalar(
            select(AuditEntry).where(
                AuditEntry.action == "action.refused", AuditEntry.record_reference == "DV-15"
            )
        )
    assert refused.actor == "drew@example.org"


async def test_an_extension_is_requested_approved_and_the_reminders_follow_the_new_date(
    sample_hub, clock
):
    ali, jamie = Person(sample_hub, "ali@example.org"), Person(sample_hub, "jamie@example.org")
    await run_day(sample_hub, clock, date(2026, 11, 23))
    clock.current = at(date(2026, 11, 23), time(11, 0))
    assert (await ali.send(ActionInput(EXTENSION_ACTION, "DV-18")))[-1].field == "note"
    assert (await ali.send("Schools only meet in February"))[-1].field == "new_due"
    await ali.send("2027-02-26")
    done = await ali.send("confirm")
    assert done[-1].text == (
        "Thanks. DV-18 is now extension requested. The coordinators will approve or refuse "
        "the new date."
    )
    (request,) = await outbox(sample_hub, "recommendation_extension")
    assert request.to == "jamie@example.org"
    assert request.title == "DV-18 needs more time: new date 26 Feb 2027"
    assert request.buttons == ("Approve new date", "Refuse")

    approved = await jamie.send(ActionInput(APPROVE_ACTION, "DV-18"))
    assert approved == [Say("DV-18 is now due 26 Feb 2027.")]
    again = await jamie.send(ActionInput(APPROVE_ACTION, "DV-18"))
    assert "has no extension request waiting" in again[-1].text
    rec = await item(sample_hub, "DV-18")
    assert (rec.due_date, rec.due_date_changes, rec.status) == (date(2027, 2, 26), 1, "in_progress")
    decisions = [s for s in await outbox(sample_hub, "recommendation_decision")]
    assert [d.title for d in decisions] == ["DV-18: your new date is approved"]

    for day in days(date(2026, 11, 24), date(2027, 1, 15)):
        await run_day(sample_hub, clock, day)
    sent = [s.when.date() for s in await nudges_to(sample_hub, "ali@example.org", "DV-18")]
    # No reminders for the old date of 8 January: the update request 20 working days after the
    # last contact, and the next one only on 21 January.
    assert sent == [date(2026, 11, 23), date(2026, 12, 21)]

    # A second request goes to the chair as well; approving it moves the date twice: red.
    clock.current = at(date(2027, 1, 18), time(10, 0))
    await ali.send("update DV-18")
    await ali.send("extension")
    await ali.send("The new head teachers start in March")
    await ali.send("2027-03-31")
    await ali.send("confirm")
    second = await outbox(sample_hub, "recommendation_second_extension")
    assert [s.to for s in second] == ["chris@example.org"]
    await jamie.send(ActionInput(APPROVE_ACTION, "DV-18"))
    rec = await item(sample_hub, "DV-18")
    assert rec.due_date_changes == 2
    assert rag(rec, date(2027, 1, 18), sample_hub.calendar, 20) is Rag.RED


async def test_a_refused_extension_keeps_the_date_and_tells_the_owner_why(sample_hub, clock):
    robin, jamie = Person(sample_hub, "robin@example.org"), Person(sample_hub, "jamie@example.org")
    await robin.send(ActionInput(EXTENSION_ACTION, "VUL-29"))
    await robin.say("The DPO is on leave", "2027-01-29", "confirm")
    asked = await jamie.send(ActionInput(REFUSE_ACTION, "VUL-29"))
    assert isinstance(asked[-1], Ask) and asked[-1].field == "reason"
    await jamie.send("The panel starts in January; a draft is enough")
    done = await jamie.send("confirm")
    assert done[-1].text == "The extension for VUL-29 is refused; the owner is told why."
    rec = await item(sample_hub, "VUL-29")
    assert (rec.status, rec.due_date, rec.requested_due_date) == (
        "in_progress",
        date(2026, 12, 4),
        None,
    )
    (told,) = await outbox(sample_hub, "recommendation_decision")
    assert told.to == "robin@example.org"
    assert "Reason: The panel starts in January; a draft is enough" in told.lines
    # Every coordinator's copy of the request has lost its buttons.
    async with sample_hub.database.transaction() as session:
        copies = (
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == "recommendation_extension")
            )
        ).all()
    assert copies and all(copy.payload["actions"] == [] for copy in copies)


async def test_done_then_verified_and_a_stale_button_changes_nothing(sample_hub, clock):
    drew, jamie = Person(sample_hub, "drew@example.org"), Person(sample_hub, "jamie@example.org")
    await sample_hub.run(nudges.sweep)
    asked = await drew.send(ActionInput(DONE_ACTION, "VUL-18"))
    assert isinstance(asked[-1], Ask) and asked[-1].field == "note"
    await drew.send("Pilot commissioned from January")
    done = await drew.send("confirm")
    assert done[-1] == Completed("VUL-18", "Thanks. VUL-18 is now done, awaiting verification.")
    (nudge,) = await nudges_to(sample_hub, "drew@example.org")
    assert not any(label.startswith("VUL-18 ") for label in nudge.buttons)
    assert "DV-15 done" in nudge.buttons
    assert nudge.lines[0] == (
        "VUL-18 Commission a substance misuse outreach pilot: done, awaiting verification "
        "(answered)."
    )
    (check,) = await outbox(sample_hub, "recommendation_done")
    assert check.to == "jamie@example.org" and check.buttons == (
        "Verify and close",
        "Not done: reopen",
    )
    assert "Note: Pilot commissioned from January" in check.lines

    verified = await jamie.send(ActionInput(VERIFY_ACTION, "VUL-18"))
    assert verified == [Say("VUL-18 is closed (verified).")]
    stale = await drew.send(ActionInput(PROGRESS_ACTION, "VUL-18"))
    assert stale == [Say("VUL-18 is already closed (verified), so nothing was changed.")]
    rec = await item(sample_hub, "VUL-18")
    assert rec.status == "closed_verified" and rec.next_nudge_at is None
    async with sample_hub.database.transaction() as session:
        refused = (
            await session.scalars(
                select(AuditEntry).where(
                    AuditEntry.action == "action.refused", AuditEntry.record_reference == "VUL-18"
                )
            )
        ).all()
    assert [(r.actor, r.summary["refused_action"]) for r in refused] == [
        ("drew@example.org", PROGRESS_ACTION)
    ]


async def test_a_reply_about_an_item_reassigned_since_gets_a_clear_answer(sample_hub, clock):
    drew, jamie = Person(sample_hub, "drew@example.org"), Person(sample_hub, "jamie@example.org")
    clock.current = at(date(2026, 11, 27))
    await sample_hub.run(nudges.sweep)
    assert await nudges_to(sample_hub, "drew@example.org", "DV-01")
    asked = await jamie.send("reassign DV-01")
    assert isinstance(asked[-1], Ask) and asked[-1].field == "new_owner"
    await jamie.send("Pat Homes")
    await jamie.send("Housing chairs the MARAC working group now")
    done = await jamie.send("confirm")
    assert done[-1].text == "DV-01 is now with Pat Homes; they have been told."

    stale = await drew.send(ActionInput(DONE_ACTION, "DV-01"))
    assert stale == [Say("DV-01 is no longer yours, so nothing was changed.")]
    rec = await item(sample_hub, "DV-01")
    assert rec.owner.email == "pat@example.org" and rec.status == "in_progress"
    (handed,) = await nudges_to(sample_hub, "pat@example.org", "DV-01")
    assert handed.title == "You now own DV-01" and "DV-01 done" in handed.buttons
    (old,) = await nudges_to(sample_hub, "drew@example.org", "DV-01")
    assert (
        "DV-01 MARAC referral checklist shared with all partners: now with Pat Homes." in old.lines
    )
    assert not any(label.startswith("DV-01 ") for label in old.buttons)
    told = [
        s for s in await outbox(sample_hub, "recommendation_decision") if s.to == "drew@example.org"
    ]
    assert [s.title for s in told] == ["DV-01 is now with Pat Homes"]


async def test_not_mine_goes_back_to_the_coordinator_who_reassigns_it(sample_hub, clock):
    charlie, jamie = (
        Person(sample_hub, "charlie@example.org"),
        Person(sample_hub, "jamie@example.org"),
    )
    await charlie.send(ActionInput(NOT_MINE_ACTION, "VUL-11"))
    await charlie.say("The consent forms belong to the council's outreach contract", "confirm")
    assert charlie.last.text == "Thanks. VUL-11 goes back to the coordinators to find its owner."
    assert (await item(sample_hub, "VUL-11")).owner_id is None
    (notice,) = await outbox(sample_hub, "recommendation_not_mine")
    assert notice.title == "VUL-11 needs a new owner" and notice.buttons == ("Reassign",)

    asked = await jamie.send(ActionInput(REASSIGN_ACTION, "VUL-11"))
    assert asked[-1].field == "new_owner"
    await jamie.say("alex@example.org", "Safer Communities runs the contract", "confirm")
    rec = await item(sample_hub, "VUL-11")
    assert rec.owner.email == "alex@example.org"
    (handed,) = await nudges_to(sample_hub, "alex@example.org")
    assert handed.title == "You now own VUL-11"
    assert "From Jamie Coordinator: Safer Communities runs the contract" in handed.lines
    assert await charlie.send(ActionInput(PROGRESS_ACTION, "VUL-11")) == [
        Say("VUL-11 is no longer yours, so nothing was changed.")
    ]


NOT_STARTED = "Only a partnership coordinator can change the register; nothing was started."


async def test_only_coordinators_decide_or_start_register_changes_and_refusals_are_audited(
    sample_hub, clock
):
    alex = Person(sample_hub, "alex@example.org")
    refused = await alex.send(ActionInput(APPROVE_ACTION, "VUL-29"))
    assert refused == [Say("Only a partnership coordinator can do that; nothing was changed.")]
    assert await alex.send("add an action") == [Say(NOT_STARTED)]
    assert await alex.send("withdraw VUL-18") == [Say(NOT_STARTED)]
    # A button's words and a reference, typed, are the same as pressing that button.
    assert await alex.send("reassign VUL-18") == [
        Say("Only a partnership coordinator can do that; nothing was changed.")
    ]
    async with sample_hub.database.transaction() as session:
        actions = (
            await session.scalars(
                select(AuditEntry.summary).where(
                    AuditEntry.action == "action.refused", AuditEntry.actor == "alex@example.org"
                )
            )
        ).all()
        added = await session.scalar(
            select(Recommendation).where(Recommendation.reference == "VUL-34")
        )
    assert [a["refused_action"] for a in actions] == [
        APPROVE_ACTION,
        "recommendation_add",
        "recommendation_manage",
        REASSIGN_ACTION,
    ]
    assert added is None


async def test_a_coordinator_adds_an_item_in_chat_and_its_owner_is_told(sample_hub, clock):
    jamie = Person(sample_hub, "jamie@example.org")
    await jamie.send("add an action")
    summary = await jamie.say(
        "vul-34",
        "Joint training on the new referral form",
        "vulnerability WORKSHOP 2016-12",
        "pat",
        "training",
        "Housing Service",
        "31/03/2027",
    )
    assert isinstance(summary[-1], Summary)
    done = await jamie.send("confirm")
    assert done[-1].text == (
        "VUL-34 is in the register (Vulnerability workshop 2016-12) and Pat Homes has been told."
    )
    rec = await item(sample_hub, "VUL-34")
    assert (rec.source, rec.owner.email, rec.due_date) == (
        "Vulnerability workshop 2016-12",
        "pat@example.org",
        date(2027, 3, 31),
    )
    (told,) = await nudges_to(sample_hub, "pat@example.org")
    assert told.title == "You now own VUL-34"
    await jamie.send("add an action")
    await jamie.say("VUL-34", "Again", "Elsewhere", "pat", "process", "skip", "skip")
    assert (await jamie.send("confirm"))[-1].text == (
        "VUL-34 is already in the register; nothing was added."
    )


async def test_coordinators_set_and_clear_the_rag_with_a_reason(sample_hub, clock):
    jamie = Person(sample_hub, "jamie@example.org")
    await jamie.send("rag VUL-18")
    await jamie.say("green", "Pilot contract signed; start date agreed")
    assert (await jamie.send("confirm"))[-1].text == (
        "VUL-18 is now rated GREEN (override: Pilot contract signed; start date agreed)."
    )
    assert (await item(sample_hub, "VUL-18")).rag_override == "green"
    await jamie.say("rag VUL-18", "derived", "The pilot has not started", "confirm")
    assert jamie.last.text == "VUL-18 is rated by the rules again: RED."


async def test_an_owners_own_rating_counts_only_when_it_is_worse(sample_hub, clock):
    pat = Person(sample_hub, "pat@example.org")
    await pat.send(ActionInput(PROGRESS_ACTION, "DV-02"))
    await pat.say("Trainer has left; recruiting", "red")
    assert (await pat.send("confirm"))[-1].text == (
        "Thanks. DV-02 is now in progress. It is rated RED."
    )
    drew = Person(sample_hub, "drew@example.org")
    await drew.send(ActionInput(PROGRESS_ACTION, "VUL-18"))
    await drew.say("Going well", "green")
    assert (await drew.send("confirm"))[-1].text == (
        "Thanks. VUL-18 is now in progress. It is rated RED. "
        "(The rules rate it worse than you did, so their rating stands.)"
    )


async def test_overdue_actions_and_actions_for_a_service(person, sample_hub):
    jamie, drew = person("jamie@example.org"), person("drew@example.org")
    overdue = await jamie.send("overdue actions")
    assert isinstance(overdue[-1], Notice)
    assert overdue[-1].title == "Overdue recommendations (2)"
    assert [line.split()[0] for line in overdue[-1].lines] == ["VUL-18", "DV-04"]
    mine = await drew.send("overdue actions")
    assert mine[-1].title == "Your overdue recommendations (1)"
    housing = await jamie.send("actions for Housing")
    assert housing[-1].title == "Open recommendations for Housing (1)"
    assert housing[-1].lines[0].startswith("DV-02 [AMBER] Domestic abuse awareness for housing")
    assert "Pat Homes" in housing[-1].lines[0]
    refused = await drew.send("actions for Housing")
    assert refused[-1].text.startswith("Only coordinators and the board")
    report = await jamie.send("progress report")
    assert (
        "Vulnerability workshop 2016-12: 33, 27 closed, 6 outstanding (2 red)" in report[-1].lines
    )


async def test_two_sweeps_racing_send_each_nudge_once(database_url, clock):
    """Two replicas (each its own engine and pool) tick at the same moment, day after day."""
    hubs = [Hub.build(Settings(database_url=database_url), clock) for _replica in range(2)]
    try:
        await hubs[0].load_sample()
        schedule = {
            date(2026, 11, 23): 7,
            date(2026, 11, 27): 4,
            date(2026, 12, 4): 5,
        }
        for day, owners in schedule.items():
            clock.current = at(day)
            reports = await asyncio.gather(*(h.run(nudges.sweep) for h in hubs))
            assert sum(r.owners for r in reports) == owners
        sent = await outbox(hubs[0], "recommendation_nudge")
        per_day = {(s.when.date(), s.to) for s in sent}
        assert len(per_day) == len(sent) == sum(schedule.values())
        escalated = await outbox(hubs[0], "recommendation_escalation")
        items = [line.split()[0] for s in escalated for line in s.lines]
        assert sorted(items) == ["DV-04", "VUL-13", "VUL-18"]
    finally:
        for hub in hubs:
            await hub.close()


def test_nudges_are_planned_at_office_opening_london_time_in_summer_too():
    working = WorkingCalendar()
    rec = Recommendation(
        reference="T-1",
        title="Summer item",
        source="Test",
        owner_id=1,
        status="in_progress",
        due_date=date(2027, 7, 30),
        due_date_changes=0,
        unanswered_nudges=0,
        snoozes=0,
        escalation_level=0,
        last_nudged_at=at(date(2027, 6, 1)),
        last_update_at=at(date(2027, 6, 1)),
    )
    planned = next_nudge_at(rec, at(date(2027, 6, 1), time(12, 0)), working, 20)
    assert planned == datetime(2027, 6, 29, 8, 0, tzinfo=UTC)  # 09:00 BST, 20 working days on
