"""The removal loop: the remover answers a removal request, the hub chases it, everyone sees it.

Priya (Prevent manager) asks Street Enforcement to remove what Alex reported; Lee is Street
Enforcement's liaison officer. Jordan (City Police's liaison officer) is not asked.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import func, select

from bot.conversation.hub import Hub
from bot.core.reference import NOT_FOUND
from bot.prevent import sweeps
from dialogs.messages import ActionInput, Ask, ChoiceInput, Completed, Notice, Say
from storage.models import AuditEntry, ConcernEvent, OutboxMessage, Person
from tests.prevent.test_alerts import concern, outbox, press, report

PRIYA, SAM, LEE, JORDAN, ALEX = (
    "priya@example.org",
    "sam@example.org",
    "lee@example.org",
    "jordan@example.org",
    "alex@example.org",
)
NOT_THE_REMOVER = (
    "Only the team asked to remove it, or the Prevent / Community Safety team, can answer a "
    "removal request."
)
FRIDAY_3PM = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)


async def removal_asked(hub: Hub, person, remover: str = "Street Enforcement", **changes) -> str:
    """Alex reports hate graffiti; Priya asks `remover` to remove it. Its reference."""
    cn = await report(hub, targets=["race"], **changes)
    priya = person(PRIYA)
    await priya.send(press("concern.request_removal", cn.reference))
    done = await priya.say(remover, "skip", "confirm")
    assert isinstance(done[-1], Completed), done
    return cn.reference


async def audited(hub: Hub, action: str) -> list[AuditEntry]:
    async with hub.database.transaction() as session:
        rows = await session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
        return list(rows)


async def sent_to(hub: Hub, email: str, kind: str) -> list[OutboxMessage]:
    async with hub.database.transaction() as session:
        person = await session.scalar(select(Person).where(Person.email == email))
    return [row for row in await outbox(hub, kind=kind) if row.recipient_id == person.id]


def removal_part(notice: Notice) -> tuple[str, ...]:
    """The two lines of a manager's status from "Removal:" on."""
    start = next(i for i, line in enumerate(notice.lines) if line.startswith("Removal:"))
    return notice.lines[start : start + 2]


def labels(row: OutboxMessage) -> list[str]:
    return [a["label"] for a in row.payload["actions"]]


async def test_the_remover_presses_removed_and_the_reporter_and_every_alert_are_told(
    sample_hub, person
):
    reference = await removal_asked(sample_hub, person)
    [request] = await sent_to(sample_hub, LEE, "removal_request")
    assert labels(request) == ["Removed", "Can't remove", "Not ours"]

    lee = person(LEE)
    asked = await lee.send(press("concern.removed", reference))
    assert isinstance(asked[-1], Ask) and asked[-1].field == "note"
    done = await lee.say("Painted over at 10:00", "confirm")

    assert done[-1] == Completed(
        reference,
        f"Thank you: {reference} is recorded as removed. The Community Safety team will close it.",
    )
    removed = await concern(sample_hub, reference)
    assert (removed.status, removed.removal_status, removed.removal_by) == (
        "acknowledged",
        "removed",
        "STREET",
    )
    assert removed.removal_note == "Painted over at 10:00" and removed.removed_at is not None
    told = [row.payload["lines"] for row in await outbox(sample_hub, kind="concern_status")]
    assert told[-1] == ["What you reported has been removed. Thank you."]
    for alert in await outbox(sample_hub, kind="concern_alert"):
        assert alert.payload["lines"][-1] == "Status: acknowledged, removed"
        assert "Close" in labels(alert)  # the manager closes it
    [request] = await sent_to(sample_hub, LEE, "removal_request")
    assert labels(request) == [] and request.payload["title"] == f"Removed: {reference}"
    assert [e.actor for e in await audited(sample_hub, "concern.removed")] == [LEE]


async def test_removed_twice_gets_one_clear_answer_and_changes_nothing(sample_hub, person):
    reference = await removal_asked(sample_hub, person)
    lee = person(LEE)
    await lee.send(press("concern.removed", reference))
    await lee.say("skip", "confirm")
    first = await concern(sample_hub, reference)

    again = await lee.send(press("concern.removed", reference))

    assert again == [Say(f"{reference} is already marked removed; nothing was changed.")]
    assert (await concern(sample_hub, reference)).version == first.version
    [refusal] = await audited(sample_hub, "action.refused")
    assert (refusal.actor, refusal.record_reference) == (LEE, reference)


async def test_typed_answers_work_like_the_buttons(sample_hub, person):
    reference = await removal_asked(sample_hub, person)
    lee = person(LEE)
    asked = await lee.send(f"cannot remove {reference}")
    assert isinstance(asked[-1], Ask) and asked[-1].field == "reason"
    done = await lee.say("Private wall; the owner will not let us in", "confirm")
    assert isinstance(done[-1], Completed)
    assert (await concern(sample_hub, reference)).removal_status == "cannot_remove"
    late = await lee.send(f"removed {reference}")
    assert late == [
        Say(f"{reference} is already marked removal not possible; nothing was changed.")
    ]


async def test_cant_remove_tells_the_managers_why_and_the_concern_stays_open(sample_hub, person):
    reference = await removal_asked(sample_hub, person)
    lee = person(LEE)
    await lee.send(press("concern.cannot_remove", reference))
    await lee.say("Private wall; the owner will not let us in", "confirm")

    told = [
        row
        for row in await outbox(sample_hub, kind="concern_alert")
        if row.payload["title"].startswith("Can't remove")
    ]
    assert len(told) == 2  # both on-duty managers
    assert told[0].payload["lines"][:2] == [
        "Street Enforcement can't remove it: Private wall; the owner will not let us in",
        "It stays open: request removal from another team, or close it.",
    ]
    assert "Request removal" in labels(told[0]) and "Close" in labels(told[0])
    assert (await concern(sample_hub, reference)).status == "acknowledged"

    status = await person(PRIYA).send(f"status {reference}")
    [notice] = status
    assert isinstance(notice, Notice)
    assert notice.title == f"{reference}: acknowledged, removal not possible"
    assert removal_part(notice) == (
        "Removal: removal not possible (Street Enforcement)",
        "Reason: Private wall; the owner will not let us in",
    )


async def test_status_shows_a_manager_who_removes_it_and_by_when_in_local_time(
    sample_hub, person, clock
):
    clock.current = datetime(2026, 7, 3, 15, 0, tzinfo=UTC)  # a Friday in British Summer Time
    reference = await removal_asked(sample_hub, person)
    [notice] = await person(PRIYA).send(f"status {reference}")
    assert removal_part(notice) == (
        "Removal: removal requested (Street Enforcement)",
        "Removal due: Mon 06 Jul 17:00",  # 16:00 UTC
    )
    [reporter] = await person(ALEX).send(f"status {reference}")
    assert not [line for line in reporter.lines if "Street Enforcement" in line]


async def test_the_team_asked_sees_its_removal_request_by_status_and_no_other_partner_does(
    sample_hub, person
):
    reference = await removal_asked(sample_hub, person)
    [asked] = await person(LEE).send(f"status {reference}")
    assert asked.title == f"Please remove: {reference}"
    assert [a.label for a in asked.actions] == ["Removed", "Can't remove", "Not ours"]
    assert not [line for line in asked.lines if "Reported by" in line]  # not the manager's view
    assert await person(JORDAN).send(f"status {reference}") == [Say(NOT_FOUND)]


async def test_someone_not_asked_to_remove_it_is_refused_and_audited(sample_hub, person):
    reference = await removal_asked(sample_hub, person)
    for email, action in (
        (JORDAN, "concern.removed"),  # another partner's liaison officer
        (ALEX, "concern.removed"),  # the reporter, with a forwarded button
        (JORDAN, "concern.not_ours"),
        (LEE, "concern.removed"),  # Lee, about a concern that does not exist
    ):
        target = "CN-2026-9999" if email == LEE else reference
        replies = await person(email).send(ActionInput(action, target))
        assert replies == [Say(NOT_THE_REMOVER)], (email, action)

    refusals = await audited(sample_hub, "action.refused")
    assert [(r.actor, r.record_reference) for r in refusals] == [
        (JORDAN, reference),
        (ALEX, reference),
        (JORDAN, reference),
        (LEE, "CN-2026-9999"),
    ]
    assert (await concern(sample_hub, reference)).removal_status == "requested"


async def test_a_manager_may_answer_for_the_remover(sample_hub, person):
    reference = await removal_asked(sample_hub, person)
    sam = person(SAM)
    await sam.send(f"removed {reference}")
    done = await sam.say("skip", "confirm")
    assert isinstance(done[-1], Completed)
    assert (await concern(sample_hub, reference)).removal_status == "removed"


async def test_removed_after_the_concern_was_closed_or_marked_duplicate_changes_nothing(
    sample_hub, person, clock
):
    closed = await removal_asked(sample_hub, person)
    priya = person(PRIYA)
    await priya.send(press("concern.close", closed))
    await priya.say("Painted over by the owner", "confirm")
    clock.advance(hours=1)
    repeat = await removal_asked(sample_hub, person)
    await priya.send(press("concern.duplicate", repeat))
    await priya.say(closed, "confirm")

    lee = person(LEE)
    assert await lee.send(press("concern.removed", closed)) == [
        Say(f"{closed} is already closed: Painted over by the owner; nothing was changed.")
    ]
    assert await lee.send(press("concern.removed", repeat)) == [
        Say(f"{repeat} is already duplicate of {closed}; nothing was changed.")
    ]
    for reference in (closed, repeat):
        assert (await concern(sample_hub, reference)).removal_status == "requested"
    assert len(await audited(sample_hub, "action.refused")) == 2


async def test_not_ours_passes_the_request_on_with_the_same_deadline(sample_hub, person):
    reference = await removal_asked(sample_hub, person, "Street cleansing contractor")
    due = (await concern(sample_hub, reference)).removal_due_at
    assert await sent_to(sample_hub, LEE, "removal_request") == []  # the contractor: not here

    priya = person(PRIYA)  # the contractor says by phone it is the council's
    asked = await priya.send(f"not ours {reference}")
    assert isinstance(asked[-1], Ask)
    assert [o.label for o in asked[-1].options] == ["Street Enforcement"]  # not the contractor
    done = await priya.say("Street Enforcement", "confirm")

    assert done[-1] == Completed(reference, f"{reference} is passed to Street Enforcement.")
    passed = await concern(sample_hub, reference)
    assert (passed.removal_by, passed.removal_status, passed.removal_due_at) == (
        "STREET",
        "requested",
        due,
    )
    [request] = await sent_to(sample_hub, LEE, "removal_request")
    assert labels(request) == ["Removed", "Can't remove", "Not ours"]
    assert request.payload["lines"][2:] == [
        "Street cleansing contractor says it is not theirs and passed it to you.",
        "Please remove by Tue 24 Nov 17:00.",  # one working day from Monday's request
    ]
    lee = person(LEE)
    await lee.send(press("concern.removed", reference))
    assert isinstance((await lee.say("skip", "confirm"))[-1], Completed)


async def test_passing_it_to_the_team_that_already_has_it_is_refused(sample_hub, person):
    reference = await removal_asked(sample_hub, person, "Street cleansing contractor")
    priya, sam = person(PRIYA), person(SAM)
    await priya.send(f"not ours {reference}")
    await priya.say("Street Enforcement")  # then Sam passes it on first
    await sam.send(f"not ours {reference}")
    assert isinstance((await sam.say("Street Enforcement", "confirm"))[-1], Completed)

    late = await priya.send("confirm")

    assert not [r for r in late if isinstance(r, Completed)]
    assert "Choose another team from the list; nothing was changed." in [
        getattr(r, "text", "") for r in late
    ]
    [refused] = await audited(sample_hub, "form.refused")
    assert (refused.actor, refused.record_reference) == (PRIYA, reference)
    assert len(await sent_to(sample_hub, LEE, "removal_request")) == 1  # Sam's pass only


async def test_a_team_not_offered_cannot_be_chosen(sample_hub, person):
    reference = await removal_asked(sample_hub, person)
    lee = person(LEE)
    await lee.send(press("concern.not_ours", reference))
    forged = await lee.send(ChoiceInput("remover", "STREET"))  # its own team: not offered
    assert not [r for r in forged if isinstance(r, Completed)]
    assert (await concern(sample_hub, reference)).removal_by == "STREET"
    assert [e.actor for e in await audited(sample_hub, "input.not_offered")] == [LEE]


# The deadline: a hate graffiti removal asked on a Friday afternoon is due on Monday at 17:00.


async def test_the_remover_is_reminded_on_the_due_morning_once_across_a_weekend(
    sample_hub, person, clock
):
    clock.current = FRIDAY_3PM
    reference = await removal_asked(sample_hub, person)
    asked = await concern(sample_hub, reference)
    assert asked.removal_due_at == datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
    assert asked.removal_remind_at == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)

    clock.current = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)  # Saturday
    assert await sample_hub.run(sweeps.chase_removals) == 0
    clock.current = datetime(2026, 11, 30, 9, 1, tzinfo=UTC)  # Monday morning
    assert await sample_hub.run(sweeps.chase_removals) == 1
    assert await sample_hub.run(sweeps.chase_removals) == 0

    reminders = [
        r
        for r in await sent_to(sample_hub, LEE, "removal_request")
        if r.payload["title"].startswith("Reminder")
    ]
    assert len(reminders) == 1
    assert reminders[0].payload["lines"][2] == (
        "Due by Mon 30 Nov 17:00. Press Removed once it is gone."
    )
    assert labels(reminders[0]) == ["Removed", "Can't remove", "Not ours"]
    assert [e.actor for e in await audited(sample_hub, "concern.removal_reminded")] == ["system"]


async def test_an_unanswered_removal_goes_to_the_managers_and_assignee_once(
    sample_hub, person, clock
):
    async with sample_hub.database.transaction() as session:
        sam = await session.scalar(select(Person).where(Person.email == SAM))
        sam.on_duty = False  # off today, but the concern is assigned to Sam
    clock.current = FRIDAY_3PM
    reference = await removal_asked(sample_hub, person)
    priya = person(PRIYA)
    await priya.send(press("concern.assign", reference))
    await priya.say("Sam Example", "confirm")

    clock.current = datetime(2026, 11, 30, 16, 59, tzinfo=UTC)
    assert await sample_hub.run(sweeps.chase_removals) == 1  # the reminder only
    clock.current = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
    other = Hub.build(sample_hub.settings, clock)  # a second replica
    try:
        counts = await asyncio.gather(
            sample_hub.run(sweeps.chase_removals), other.run(sweeps.chase_removals)
        )
    finally:
        await other.close()
    assert sum(counts) == 1
    clock.advance(hours=1)
    assert await sample_hub.run(sweeps.chase_removals) == 0

    overdue = [
        r
        for r in await outbox(sample_hub, kind="concern_alert")
        if r.payload["title"].startswith("Removal overdue")
    ]
    assert sorted(r.recipient_id for r in overdue) == sorted([sam.id, await _id(sample_hub, PRIYA)])
    assert overdue[0].payload["lines"][0] == (
        "Street Enforcement was asked to remove it by Mon 30 Nov 17:00 and has not said it is done."
    )
    [escalated] = await audited(sample_hub, "concern.removal_overdue")
    assert escalated.actor == "system" and escalated.record_reference == reference
    [status] = await person(PRIYA).send(f"status {reference}")
    assert "Removal due: Mon 30 Nov 17:00 (overdue)" in status.lines


async def test_nothing_is_chased_once_it_is_removed(sample_hub, person, clock):
    clock.current = FRIDAY_3PM
    reference = await removal_asked(sample_hub, person)
    lee = person(LEE)
    await lee.send(press("concern.removed", reference))
    await lee.say("skip", "confirm")
    before = len(await outbox(sample_hub))

    for moment in (datetime(2026, 11, 30, 9, 1), datetime(2026, 11, 30, 17, 1)):
        clock.current = moment.replace(tzinfo=UTC)
        assert await sample_hub.run(sweeps.chase_removals) == 0

    assert len(await outbox(sample_hub)) == before
    async with sample_hub.database.transaction() as session:
        chased = await session.scalar(
            select(func.count())
            .select_from(ConcernEvent)
            .where(ConcernEvent.kind.in_(("removal_reminded", "removal_overdue")))
        )
    assert chased == 0


async def test_other_graffiti_is_due_in_five_working_days(sample_hub, person, clock):
    clock.current = FRIDAY_3PM
    reference = await removal_asked(sample_hub, person, category="other_visual")
    asked = await concern(sample_hub, reference)
    assert asked.removal_due_at == datetime(2026, 12, 4, 17, 0, tzinfo=UTC)  # next Friday
    clock.current = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    assert await sample_hub.run(sweeps.chase_removals) == 0


async def _id(hub: Hub, email: str) -> int:
    async with hub.database.transaction() as session:
        return await session.scalar(select(Person.id).where(Person.email == email))


async def test_asking_again_after_cant_remove_replaces_the_earlier_request(
    sample_hub, person, clock
):
    reference = await removal_asked(sample_hub, person)
    lee = person(LEE)
    await lee.send(press("concern.cannot_remove", reference))
    await lee.say("Needs a cherry picker", "confirm")
    clock.advance(hours=2)

    priya = person(PRIYA)  # the cherry picker is booked: ask again
    await priya.send(press("concern.request_removal", reference))
    assert isinstance((await priya.say("Street Enforcement", "skip", "confirm"))[-1], Completed)

    earlier, again = await sent_to(sample_hub, LEE, "removal_request")
    assert (earlier.payload["title"], labels(earlier)) == (f"Replaced: {reference}", [])
    assert labels(again) == ["Removed", "Can't remove", "Not ours"]
    asked = await concern(sample_hub, reference)
    assert (asked.removal_status, asked.removal_note) == ("requested", "")
    await lee.send(press("concern.removed", reference))
    assert isinstance((await lee.say("skip", "confirm"))[-1], Completed)
