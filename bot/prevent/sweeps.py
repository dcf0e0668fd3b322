"""The Prevent sweeps: alerts not acknowledged in time step up, and the daily and weekly digests.

When an alert is not acknowledged by its deadline, it steps up one priority and is sent again;
from the second miss the managers' deputies get it too. P3 concerns wait for a daily digest and
P4 for a weekly one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.core.unit import UnitOfWork
from bot.prevent.alerts import (
    ALERT_KIND,
    LABELS,
    ack_due,
    alert_notice,
    explanation_of,
    managers,
    reprioritise,
    status_text,
)
from bot.prevent.lifecycle import ConcernChange, ConcernStatus
from bot.prevent.triage import Priority
from dialogs.messages import Notice
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
        notice = alert_notice(concern, explanation_of(concern), uow.calendar)
        await uow.refresh_notices(notice, ALERT_KIND)
        recipients = await _escalation_recipients(uow, staff, level)
        title = f"Not yet acknowledged: {notice.title}"
        for person in recipients:
            await uow.notify(
                person,
                Notice(ALERT_KIND, title, notice.lines, notice.reference, notice.actions),
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
