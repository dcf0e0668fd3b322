"""The Prevent sweeps: alerts not acknowledged in time step up, removals are chased, and the
daily and weekly digests.

When an alert is not acknowledged by its deadline, it steps up one priority and is sent again;
from the second miss the managers' deputies get it too. A removal still requested is reminded to
its remover on the morning it is due, and put to the managers once its deadline passes. P3
concerns wait for a daily digest and P4 for a weekly one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select

from bot.core.unit import UnitOfWork
from bot.prevent.alerts import (
    ALERT_KIND,
    LABELS,
    ack_due,
    alert_for,
    local_time,
    managers,
    removal_notice,
    removal_officers,
    remover_name,
    reprioritise,
    status_text,
    tell_managers,
)
from bot.prevent.lifecycle import OPEN, ConcernChange, ConcernStatus, RemovalStatus
from bot.prevent.triage import Priority
from dialogs.messages import JsonValue, Notice
from storage.dialect import claimable
from storage.models import Concern, ConcernEvent, Person

MAX_ESCALATIONS = 3


def step_up(priority: str) -> str:
    """One priority level more urgent (P0 stays P0)."""
    return Priority(max(0, Priority[priority].value - 1)).label


async def escalate_due(uow: UnitOfWork, batch: int = 200) -> int:
    """Sweep: every alert past its acknowledgement deadline steps up, is re-sent, then goes to deputies.

    Rows are claimed with SKIP LOCKED on PostgreSQL, and each escalation has its own dedupe key, so
    two replicas never double-alert and a restart never loses an escalation.
    """
    due = await uow.session.scalars(
        claimable(
            uow.session,
            select(Concern)
            .where(
                Concern.status == ConcernStatus.NEW.value,
                Concern.ack_due_at <= uow.now,
                Concern.escalation_level < MAX_ESCALATIONS,
            )
            .order_by(Concern.ack_due_at)
            .limit(batch),
        )
    )
    count = 0
    staff = await managers(uow)
    for concern in list(due):
        count += 1
        level = concern.escalation_level + 1
        before = concern.priority
        reprioritise(concern, step_up(before), f"not acknowledged in time (was {before})")
        concern.escalation_level = level
        concern.ack_due_at = ack_due(uow, Priority[concern.priority])
        uow.session.add(
            ConcernEvent(
                concern_id=concern.id,
                kind=ConcernChange.ESCALATED.value,
                detail={"from": before, "to": concern.priority, "level": level},
                at=uow.now,
            )
        )
        await uow.audit(
            None,
            f"concern.{ConcernChange.ESCALATED.value}",
            concern.reference,
            before=before,
            after=concern.priority,
            level=level,
        )
        notice = await alert_for(uow, concern)
        await uow.refresh_notices(notice, ALERT_KIND)
        recipients = await _escalation_recipients(uow, staff, level)
        title = f"Not yet acknowledged: {notice.title}"
        for person in recipients:
            await uow.notify(
                person,
                replace(notice, title=title),
                dedupe_key=f"concern-escalation:{concern.reference}:{level}:{person.id}",
            )
    return count


async def _escalation_recipients(
    uow: UnitOfWork, staff: Sequence[Person], level: int
) -> list[Person]:
    recipients = {p.id: p for p in staff}
    if level >= 2:
        for manager in staff:
            if manager.deputy_id and manager.deputy_id not in recipients:
                deputy = await uow.session.get(Person, manager.deputy_id)
                if deputy is not None:
                    recipients[deputy.id] = deputy
    return list(recipients.values())


async def chase_removals(uow: UnitOfWork, batch: int = 200) -> int:
    """Sweep: remind the remover on the morning a removal is due, and once its deadline passes
    unanswered tell the managers (and the assignee). Each happens once per request: the claimed
    row is marked, and every message has its own dedupe key."""
    reminders = await _removals(
        uow,
        batch,
        Concern.removal_remind_at <= uow.now,
        Concern.removal_due_at > uow.now,
        Concern.removal_reminded_at.is_(None),
    )
    for concern in reminders:
        await _remind(uow, concern)
    overdue = await _removals(
        uow, batch, Concern.removal_due_at <= uow.now, Concern.removal_escalated_at.is_(None)
    )
    for concern in overdue:
        await _escalate(uow, concern)
    return len(reminders) + len(overdue)


async def _removals(uow: UnitOfWork, batch: int, *conditions: ColumnElement[bool]) -> list[Concern]:
    """Open concerns whose removal is still requested and that meet `conditions`, soonest due
    first; claimed with SKIP LOCKED on PostgreSQL."""
    query = (
        select(Concern)
        .where(
            Concern.status.in_([s.value for s in OPEN]),
            Concern.removal_status == RemovalStatus.REQUESTED.value,
            *conditions,
        )
        .order_by(Concern.removal_due_at)
        .limit(batch)
    )
    return list(await uow.session.scalars(claimable(uow.session, query)))


async def _remind(uow: UnitOfWork, concern: Concern) -> None:
    """The remover's officers get the request again, with its buttons, on the due morning."""
    concern.removal_reminded_at = uow.now
    officers = await removal_officers(uow, concern.removal_by)
    due = concern.removal_due_at or uow.now  # claimed only with a deadline after now
    notice = removal_notice(
        concern,
        f"Reminder: please remove {concern.reference}",
        f"Due by {local_time(uow, due)}. Press Removed once it is gone.",
    )
    key = _request_key("removal-reminder", concern)
    for officer in officers:
        await uow.notify(officer, notice, dedupe_key=f"{key}:{officer.id}")
    await _noted(uow, concern, ConcernChange.REMOVAL_REMINDED, {"to": len(officers)})


async def _escalate(uow: UnitOfWork, concern: Concern) -> None:
    """The managers (and the assignee) hear that the deadline passed without an answer."""
    concern.removal_escalated_at = uow.now
    due = concern.removal_due_at or uow.now  # claimed only once the deadline passed
    who = await remover_name(uow, concern.removal_by)
    await _noted(uow, concern, ConcernChange.REMOVAL_OVERDUE, {"by": concern.removal_by or ""})
    await tell_managers(
        uow,
        concern,
        "Removal overdue",
        (f"{who} was asked to remove it by {local_time(uow, due)} and has not said it is done.",),
        _request_key("removal-overdue", concern),
    )


def _request_key(kind: str, concern: Concern) -> str:
    """A dedupe key for one removal request (a manager asking again starts a new one)."""
    requested = concern.removal_requested_at
    return f"{kind}:{concern.reference}:{requested.isoformat() if requested else ''}"


async def _noted(
    uow: UnitOfWork, concern: Concern, change: ConcernChange, detail: dict[str, JsonValue]
) -> None:
    """The hub's own step on a concern: an event and an audit row by the system."""
    uow.session.add(
        ConcernEvent(concern_id=concern.id, kind=change.value, detail=detail, at=uow.now)
    )
    await uow.audit(None, f"concern.{change.value}", concern.reference, **detail)


async def send_digests(uow: UnitOfWork) -> int:
    """Sweep: on each working day after opening, one digest per manager of yesterday's P3 concerns;
    on the first working day of the week, the week's P4 concerns too. Once per day, by dedupe key."""
    calendar = uow.calendar
    local = uow.local_now
    if not calendar.is_working_day(local.date()) or local.time() < calendar.opens:
        return 0
    today_open = datetime.combine(local.date(), calendar.opens, tzinfo=calendar.timezone)
    previous = calendar.add_working_days(local.date(), -1)
    since = datetime.combine(previous, calendar.opens, tzinfo=calendar.timezone)
    daily = await _unfolded(uow, "P3", since, today_open)
    weekly: list[Concern] = []
    first_of_week = previous.isocalendar()[1] != local.date().isocalendar()[1]
    if first_of_week:
        weekly = await _unfolded(uow, "P4", today_open - timedelta(days=7), today_open)
    sent = 0
    for items, name in ((daily, "daily"), (weekly, "weekly")):
        if not items:
            continue
        lines = tuple(
            f"{c.reference} {c.priority} {LABELS.get(c.category, c.category)}, {c.location_text}: {status_text(c)}"
            for c in items
        )
        title = f"{'Daily' if name == 'daily' else 'Weekly'} digest: {len(items)} concern{'s' if len(items) > 1 else ''} to review"
        for manager in await managers(uow):
            added = await uow.notify(
                manager,
                Notice(f"concern_digest_{name}", title, lines),
                dedupe_key=f"concern-digest:{name}:{local.date().isoformat()}:{manager.id}",
            )
            sent += int(added)
    return sent


async def _unfolded(
    uow: UnitOfWork, priority: str, since: datetime, until: datetime
) -> list[Concern]:
    rows = await uow.session.scalars(
        select(Concern)
        .where(
            Concern.priority == priority,
            Concern.created_at >= since,
            Concern.created_at < until,
            Concern.folded_into.is_(None),
        )
        .order_by(Concern.id)
    )
    return list(rows)
